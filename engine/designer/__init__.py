"""The no-code designer (`/designer/`): build, preview, publish and evolve apps.

services: `drafts` (ld_designer_drafts), `paths` (JSON paths and patches),
`service` (apps, drafts, validation, publish, history, rollback, delete/purge),
`sentences` (rules as plain sentences), `diagram` (workflow SVG), `conditions`
(condition and row-scope builders). Views in `views*.py`, templates in
templates/designer/.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from engine.designer.access import can_design
    from engine.designer.views import designer
    from engine.designer import views_dashboards, views_forecasts, views_forms, views_jobs, views_publish, views_reports, views_rules  # noqa: F401 (routes)
    app.register_blueprint(designer)
    app.jinja_env.globals["can_design"] = can_design     # the header's Designer link
