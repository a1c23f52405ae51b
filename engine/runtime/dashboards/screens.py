"""Dashboard pages: /apps/<app>/dashboards/ (the list) and
/apps/<app>/dashboards/<name> (tiles and charts). A dashboard with `roles` is
404 for everyone else, as if it did not exist."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from engine.runtime.dashboards import view
from engine.runtime.errors import NotFound
from engine.runtime.web import context
from engine.runtime.web.i18n import label
from engine.runtime.web.screens import screens


@screens.get("/apps/<app>/dashboards/")
def dashboards_index(app: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    items = [(label(d.label, d.name), url_for("screens.dashboard_page", app=app, name=d.name))
             for d in view.visible_dashboards(loaded.model, actor)]
    return context.render_screen("runtime/dashboards.html", loaded=loaded, items=items)


@screens.get("/apps/<app>/dashboards/<name>")
def dashboard_page(app: str, name: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    dashboard = loaded.model.dashboard(name)
    if dashboard is None or not view.visible(loaded.model, dashboard, actor):
        raise NotFound(f"No dashboard {name!r} in app {app!r}")
    board = view.build(app, loaded.model, dashboard, actor)
    return context.render_screen("runtime/dashboard.html", loaded=loaded, board=board)


def home_dashboard(loaded, actor):
    """The first dashboard the actor may see, built, for the app home; or None."""
    found = view.visible_dashboards(loaded.model, actor)
    return view.build(loaded.name, loaded.model, found[0], actor) if found else None


def dashboard_links(loaded, actor) -> list[tuple[str, str]]:
    """(label, url) for the sidebar: the dashboards list, when there is any to see."""
    if actor is None or not view.visible_dashboards(loaded.model, actor):
        return []
    return [(_("Dashboards"), url_for("screens.dashboards_index", app=loaded.name))]
