"""The screen language: UI strings through Flask-Babel catalogs, definition
labels through `localized()`.

The language is the one the user picked with the switch (kept in the session),
else their stored preference, else the browser's Accept-Language, else English.
"""
from __future__ import annotations

from typing import Mapping
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, session
from flask_babel import Babel

from engine.definitions.model import localized

# Babel locale -> what the language switch shows (in its own language). Chinese is
# "zh" (Simplified, the catalog in translations/zh): Babel reads "zh_CN" as
# zh_Hans_CN, a folder name gettext would not find.
LANGUAGES = {"en": "English", "zh": "中文"}
HTML_LANG = {"en": "en", "zh": "zh-CN"}
DEFAULT_LOCALE = "en"
SESSION_KEY = "language"


def normalize(language: str | None) -> str | None:
    """'zh', 'zh-CN', 'zh_Hans' → 'zh'; 'en-GB' → 'en'; anything else → None."""
    if not language:
        return None
    base = language.replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


def select_locale() -> str:
    chosen = normalize(session.get(SESSION_KEY))
    if chosen:
        return chosen
    preferred = normalize(getattr(g.get("liandong_actor"), "language", None))
    if preferred:
        return preferred
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"], default=DEFAULT_LOCALE)
    return normalize(best) or DEFAULT_LOCALE


def ui_language() -> str:
    """The language for definition labels and service messages: 'en' or 'zh'."""
    if "liandong_language" not in g:
        g.liandong_language = select_locale()
    return g.liandong_language


def html_language() -> str:
    return HTML_LANG[select_locale()]


def label(value: Mapping[str, str] | str | None, fallback: str = "") -> str:
    """A definition label ({"en", "zh"} map or plain text) in the screen language."""
    if value is None:
        return fallback
    if isinstance(value, str):
        return value
    return localized(value, ui_language()) or fallback


def switch_language():
    """POST /language: remember the choice, go back where the user was."""
    chosen = normalize(request.form.get("language"))
    if chosen:
        session[SESSION_KEY] = chosen
    return redirect(_local_target(request.form.get("next")))


def _local_target(target: str | None) -> str:
    # Only same-site paths: an open redirect would let a link send users anywhere.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return "/"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    Babel(app, locale_selector=select_locale)
    app.add_url_rule("/language", "language", switch_language, methods=["POST"])
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals.update(languages=LANGUAGES, html_language=html_language,
                                 current_locale=select_locale)
