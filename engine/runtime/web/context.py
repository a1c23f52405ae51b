"""What every screen needs: the signed-in actor, the installed app, and the
layout around the page (app switcher, navigation by form group, user menu,
language switch, notifications badge)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import current_app, g, render_template, request, url_for
from sqlalchemy import func, select

from engine.db import get_db
from engine.runtime.actor import Actor
from engine.runtime.errors import Unauthorized
from engine.runtime.records.service import get_record_service
from engine.runtime.registry import get_registry
from engine.runtime.web import access as access_module
from engine.runtime.web.i18n import label, ui_language


def screen_actor() -> Actor:
    """The signed-in user, speaking the screen language (check messages and
    other texts the service localizes follow the page). Raises Unauthorized."""
    if "screen_actor" not in g:
        from engine.runtime.api.auth import current_actor   # the session user once signed in
        actor = current_actor()
        g.screen_actor = replace(actor, language=ui_language())
    return g.screen_actor


def optional_actor() -> Actor | None:
    try:
        return screen_actor()
    except Unauthorized:
        return None


def load_app(name: str):
    with get_db().read() as connection:
        return get_registry().get(connection, name)


def service():
    return get_record_service()


def form_access(loaded, form, record=None) -> access_module.FormAccess:
    return access_module.form_access(service(), loaded, form, screen_actor(), record)


def record_href(loaded, form_name: str | None, record_id: Any) -> str | None:
    """The record page of a linked record, or None when there is nothing the
    caller could open: no id (the service left it out), or a form the caller
    may not read. Such a record is named, never linked."""
    if form_name is None or record_id is None or not str(record_id).isdigit():
        return None
    readable = g.setdefault("readable_forms", {})
    if (loaded.name, form_name) not in readable:
        target = loaded.model.form(form_name)
        readable[(loaded.name, form_name)] = target is not None and form_access(loaded, target).read
    if not readable[(loaded.name, form_name)]:
        return None
    return url_for("screens.show_record", app=loaded.name, form=form_name, record_id=int(record_id))


@dataclass(frozen=True)
class NavItem:
    name: str
    label: str
    url: str
    active: bool
    new_url: str | None = None         # only when the policy lets the user create


def navigation(loaded, current_form: str | None) -> list[tuple[str, list[NavItem]]]:
    """Readable forms grouped by their definition `group`, in definition order."""
    groups: dict[str, list[NavItem]] = {}
    for form in loaded.model.forms.values():
        access = form_access(loaded, form)
        if not access.read:
            continue
        group = label(form.group) if form.group else ""
        groups.setdefault(group, []).append(NavItem(
            form.name, label(form.label, form.name),
            url_for("screens.list_records", app=loaded.name, form=form.name),
            form.name == current_form,
            url_for("screens.new_record", app=loaded.name, form=form.name) if access.create else None))
    return list(groups.items())


def analysis_links(loaded, actor: Actor) -> list[tuple[str, str]]:
    """(label, url) of the analysis screens of the app the actor may open."""
    from engine.runtime.analysis.forecast_screens import forecast_links
    from engine.runtime.analysis.inventory_common import analysis_links as inventory_links
    from engine.runtime.dashboards.screens import dashboard_links
    from engine.runtime.reports.screens import report_links
    return (dashboard_links(loaded, actor) + report_links(loaded, actor) + inventory_links(loaded, actor)
            + forecast_links(loaded, actor))


def installed_apps() -> list[tuple[str, str]]:
    registry = get_registry()
    with get_db().read() as connection:
        return [(name, label(registry.get(connection, name).model.label, name))
                for name in registry.names(connection)]


def unread_notifications(actor: Actor | None) -> int:
    """Unread messages of the user (the badge); rule `notify` actions write them."""
    if actor is None or actor.user_id is None:
        return 0
    from engine.runtime.notifications import notifications
    with get_db().read() as connection:
        return connection.execute(select(func.count()).select_from(notifications).where(
            notifications.c.user_id == actor.user_id, notifications.c.read_at.is_(None))).scalar() or 0


def login_url() -> str | None:
    """The sign-in page of the permissions subsystem, when it is installed."""
    for endpoint in ("auth.login", "login"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, next=request.full_path.rstrip("?"))
    return None


def logout_url() -> str | None:
    for endpoint in ("auth.logout", "logout"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return None


def render_screen(template: str, *, status: int = 200, loaded=None, form=None, **context: Any):
    actor = optional_actor()
    layout = {
        "actor": actor,
        "apps": installed_apps() if actor else [],
        "app": loaded,
        "app_label": label(loaded.model.label, loaded.name) if loaded else "",
        "nav": navigation(loaded, form.name if form else None) if loaded and actor else [],
        "analysis": analysis_links(loaded, actor) if loaded and actor else [],
        "unread": unread_notifications(actor),
        "is_admin": bool(actor and actor.is_admin),     # the admin links of the user menu
        "logout_url": logout_url(),
        "request_path": request.full_path.rstrip("?"),
    }
    return render_template(template, layout=layout, form=form, **context), status
