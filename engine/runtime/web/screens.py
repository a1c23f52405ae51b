"""The screens blueprint (DESIGN §5): /apps/{app}/, /apps/{app}/{form}/,
/apps/{app}/{form}/new and /apps/{app}/{form}/{id}, plus the live preview and
link lookup they call. `init_app` wires Bootstrap (served from the package,
never a CDN), Flask-Babel and the error pages."""
from __future__ import annotations

from flask import Blueprint, Flask, redirect, url_for

from engine.runtime.paths import check_path_values
from engine.runtime.web import context

screens = Blueprint("screens", __name__)
screens.url_value_preprocessor(check_path_values)


@screens.get("/apps/")
def apps_index():
    context.screen_actor()
    apps = context.installed_apps()
    if len(apps) == 1:
        return redirect(url_for("screens.app_home", app=apps[0][0]))
    return context.render_screen("runtime/apps.html", apps_list=apps)


def init_app(app: Flask) -> None:
    from flask_bootstrap import Bootstrap5

    from engine.runtime.web import (detail, errors, history, i18n, imports, lists, live,  # noqa: F401
                                    notifications, records, webhooks_admin)     # (routes)
    from engine.runtime.analysis import inventory_screen  # noqa: F401 (analysis)
    from engine.runtime.analysis import forecast_screens  # noqa: F401 (routes)
    from engine.runtime.dashboards import screens as dashboard_screens  # noqa: F401 (routes)
    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    Bootstrap5(app)
    i18n.init_app(app)
    app.register_blueprint(screens)
    errors.register(app)
    if "index" not in app.view_functions:
        app.add_url_rule("/", "index", lambda: redirect(url_for("screens.apps_index")))
