"""The zh catalog covers every UI string, and the committed .mo matches the .po
(`make translations` regenerates both)."""
from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "engine" / "translations" / "zh" / "LC_MESSAGES"
METHODS = [("engine/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}}):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_every_ui_string_has_a_chinese_translation():
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_extracted() - set(translated))
    assert not missing, f"untranslated (run `make translations` and fill messages.po): {missing}"


def test_compiled_catalog_matches_the_po_file():
    with open(CATALOG / "messages.po", "rb") as handle:
        po = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    with open(CATALOG / "messages.mo", "rb") as handle:
        mo = gettext.GNUTranslations(handle)
    assert {key: mo.gettext(key) for key in po} == po
