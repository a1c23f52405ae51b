"""/notifications/: the signed-in user's messages (the layout badge links here),
mark one or all read, and follow a message to its record."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _

from engine.db import get_db
from engine.runtime import notifications as store
from engine.runtime.errors import NotFound
from engine.runtime.web import context
from engine.runtime.web.i18n import ui_language
from engine.runtime.web.screens import screens

PAGE_SIZE = 50


@screens.get("/notifications/")
def notifications_page():
    actor = context.screen_actor()
    unread = request.args.get("unread") == "1"
    after = request.args.get("after", "")
    with get_db().read() as connection:
        rows = store.for_user(connection, actor.user_id, unread_only=unread,
                              before_id=int(after) if after.isdigit() else None, limit=PAGE_SIZE + 1)
    language = ui_language()
    items = [store.present(row, language) for row in rows[:PAGE_SIZE]]
    more = str(rows[PAGE_SIZE - 1]["id"]) if len(rows) > PAGE_SIZE else None
    return context.render_screen("runtime/notifications.html", items=items, unread_only=unread,
                                 more=more, page_title=_("Notifications"))


@screens.post("/notifications/<int:notification_id>/read")
def mark_notification_read(notification_id: int):
    actor = context.screen_actor()
    with get_db().transaction() as connection:
        row = store.mark_read(connection, actor.user_id, notification_id)
    if row is None:
        raise NotFound(f"No notification {notification_id}")
    if request.form.get("open") == "1":
        link = store.present(row, None)["url"]
        if link:
            return redirect(link)
    return redirect(url_for("screens.notifications_page"))


@screens.post("/notifications/read-all")
def mark_all_notifications_read():
    actor = context.screen_actor()
    with get_db().transaction() as connection:
        store.mark_all_read(connection, actor.user_id)
    return redirect(url_for("screens.notifications_page"))
