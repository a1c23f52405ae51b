"""Locate the bundled `templates/` and `app_definitions/` folders.

In a source checkout they sit next to `engine/`; in an installed wheel they are
shipped as the packages `liandong_templates` and `liandong_apps` (see
pyproject.toml), so a non-editable install finds them too.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

_PACKAGES = {"templates": "liandong_templates", "app_definitions": "liandong_apps"}


def resource_dir(name: str) -> Path:
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec(_PACKAGES[name])
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"bundled folder {name!r} is missing from this installation")
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_app_path(name: str) -> Path | None:
    """The folder or JSON file of a bundled app definition, e.g. 'inventory'."""
    base = resource_dir("app_definitions")
    for candidate in (base / name, base / f"{name}.json"):
        if candidate.exists():
            return candidate
    return None


def bundled_app_names() -> list[str]:
    base = resource_dir("app_definitions")
    names = []
    for entry in sorted(base.iterdir()):
        if entry.is_dir() and (entry / "app.json").exists():
            names.append(entry.name)
        elif entry.suffix == ".json":
            names.append(entry.stem)
    return names
