"""What every designer page shows around its editor: the draft, its problems
(each with the page and control that own its path), and the tabs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import url_for

from engine.db import get_db
from engine.designer import service
from engine.designer.paths import get_at
from engine.runtime.web import context
from engine.runtime.web.i18n import label

_FORM = re.compile(r"^forms\[(\d+)\](.*)$")


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
    forms = [f for f in definition.get("forms") or [] if isinstance(f, dict)]
    return {"app_name": app, "draft": draft, "definition": definition, "problems": problems,
            "errors": by_path, "error_count": sum(1 for p in problems if p.severity == "error"),
            "form_names": [f.get("name", "") for f in forms],
            "role_names": [r.get("name", "") for r in definition.get("roles") or [] if isinstance(r, dict)],
            "app_label": label(definition.get("label"), app), "get_at": get_at,
            "under": lambda path: any(key == path or key.startswith((path + ".", path + "["))
                                      for key in by_path)}


def render(template: str, app: str | None = None, status: int = 200, **extra: Any):
    page = draft_context(app) if app else {}
    page.update(extra)
    return context.render_screen(template, status=status, **page)
