"""What every designer page shows around its editor: the draft, its problems
(each with the page and control that own its path), and the tabs."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import url_for
from jinja2 import TemplateError

from engine.db import get_db
from engine.designer import service
from engine.designer.paths import get_at
from engine.runtime.web import context
from engine.runtime.web.i18n import label

_FORM = re.compile(r"^forms\[(\d+)\](.*)$")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    hint: str | None
    severity: str
    url: str


def page_url(app: str, path: str) -> str:
    """The editor page that owns a JSON path, with the control's anchor."""
    anchor = "#p-" + path
    match = _FORM.match(path)
    if match:
        index, rest = int(match.group(1)), match.group(2)
        if rest.startswith(".workflow"):
            return url_for("designer.workflow", app=app, index=index) + anchor
        if rest.startswith(".permissions"):
            return url_for("designer.form_permissions", app=app, index=index) + anchor
        return url_for("designer.form_editor", app=app, index=index) + anchor
    if path.startswith("rules"):
        return url_for("designer.rules", app=app) + anchor
    if path.startswith("reports"):
        return url_for("designer.reports", app=app) + anchor
    if path.startswith("jobs"):
        return url_for("designer.jobs", app=app) + anchor
    if path.startswith("dashboards"):
        return url_for("designer.dashboards", app=app) + anchor
    if path.startswith("forecasts"):
        return url_for("designer.forecasts", app=app) + anchor
    return url_for("designer.app_overview", app=app) + anchor


def draft_context(app: str) -> dict[str, Any]:
    actor = context.screen_actor()
    draft = service.load_draft(get_db(), app, actor)
    definition = draft.definition
    problems = [Problem(p.path, p.message, p.hint, p.severity, page_url(app, p.path))
                for p in service.problems_of(definition)]
    by_path: dict[str, list[str]] = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem.message + (f" ({problem.hint})" if problem.hint else ""))
    forms = _listed(definition.get("forms"))
    return {"app_name": app, "draft": draft, "definition": definition, "problems": problems,
            "errors": by_path, "error_count": sum(1 for p in problems if p.severity == "error"),
            "form_names": [str(f.get("name", "")) for f in forms if isinstance(f, dict)],
            "form_tabs": [(i, safe_label(f.get("label"), str(f.get("name", i))) if isinstance(f, dict) else f"#{i}")
                          for i, f in enumerate(forms)],
            "role_names": [str(r.get("name", "")) for r in _listed(definition.get("roles")) if isinstance(r, dict)],
            "app_label": safe_label(definition.get("label"), app), "get_at": get_at,
            "under": lambda path: any(key == path or key.startswith((path + ".", path + "["))
                                      for key in by_path)}


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else []


def safe_label(value: Any, fallback: str) -> str:
    """A label in the page's language; whatever a broken draft holds, never an error."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if isinstance(v, str)}
    return label(value, fallback) if isinstance(value, (str, dict)) and value else fallback


def render(template: str, app: str | None = None, status: int = 200, **extra: Any):
    page = draft_context(app) if app else {}
    page.update(extra)
    try:
        return context.render_screen(template, status=status, **page)
    except (TemplateError, TypeError, AttributeError, KeyError, ValueError) as error:
        if not app:
            raise
        # A draft so far from the definition language (say, a form that is a
        # number, saved through the JSON endpoint) that this editor cannot draw
        # it: show its problems and the JSON itself, to be fixed there.
        log.info("designer page %s fell back to the JSON editor: %r", template, error)
        page = draft_context(app)
        return context.render_screen("designer/raw.html", status=status, **page)
