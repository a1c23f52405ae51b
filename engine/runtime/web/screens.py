"""The screens blueprint (DESIGN §5): /apps/{app}/, /apps/{app}/{form}/,
/apps/{app}/{form}/new and /apps/{app}/{form}/{id}, plus the live preview and
link lookup they call. `init_app` wires Bootstrap (served from the package,
never a CDN), Flask-Babel and the error pages."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, redirect, url_for

from engine.runtime.errors import NotFound
from engine.runtime.records.coerce import MAX_INTEGER
from engine.runtime.web import context

screens = Blueprint("screens", __name__)
NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


@screens.url_value_preprocessor
def _path_values_exist(_endpoint, values) -> None:
    """Path values no app, form or record can have are simply not found."""
    for key in ("app", "form"):
        name = (values or {}).get(key)
        if name is not None and not NAME.fullmatch(name):
            raise NotFound(f"No {key} named {name!r}")
    record_id = (values or {}).get("record_id")
    if record_id is not None and not 0 < record_id <= MAX_INTEGER:
        raise NotFound(f"No record with id {record_id}")


@screens.get("/apps/")
def apps_index():
    context.screen_actor()
    apps = context.installed_apps()
    if len(apps) == 1:
        return redirect(url_for("screens.app_home", app=apps[0][0]))
    return context.render_screen("runtime/apps.html", apps_list=apps)


def init_app(app: Flask) -> None:
    from flask_bootstrap import Bootstrap5

    from engine.runtime.web import (detail, errors, history, i18n, lists, live,  # noqa: F401 (routes)
                                    records)
    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    Bootstrap5(app)
    i18n.init_app(app)
    app.register_blueprint(screens)
    errors.register(app)
    if "index" not in app.view_functions:
        app.add_url_rule("/", "index", lambda: redirect(url_for("screens.apps_index")))
