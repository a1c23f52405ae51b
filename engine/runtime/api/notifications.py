"""The caller's own notifications (DESIGN §5 `GET /api/v1/notifications`).

Messages are stored rendered in every language of their template; the answer
picks the caller's language (their setting, else Accept-Language, else English).
Another user's notification is answered 404, like one that does not exist.
"""
from __future__ import annotations

from flask import current_app, jsonify, request

from engine.db import get_db
from engine.runtime import notifications as store
from engine.runtime.api import api
from engine.runtime.api.auth import caller_language, current_actor
from engine.runtime.errors import BadRequest, NotFound


def _int_arg(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number") from None
    if value < 1:
        raise BadRequest(f"'{name}' must be positive")
    return value


@api.get("/notifications")
def list_notifications():
    actor = current_actor()
    limit = min(_int_arg("limit", current_app.config["API_DEFAULT_LIMIT"]),
                current_app.config["API_MAX_LIMIT"])
    after = _int_arg("after", None)
    unread = request.args.get("unread", "").lower() in ("1", "true", "yes")
    with get_db().read() as connection:
        rows = store.for_user(connection, actor.user_id, unread_only=unread, before_id=after,
                              limit=limit + 1)
    language = caller_language(actor)
    items = [store.present(row, language) for row in rows[:limit]]
    next_cursor = str(rows[limit - 1]["id"]) if len(rows) > limit else None
    return jsonify({"items": items, "next": next_cursor})


@api.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    actor = current_actor()
    with get_db().transaction() as connection:
        row = store.mark_read(connection, actor.user_id, notification_id)
    if row is None:
        raise NotFound(f"No notification {notification_id}")
    return jsonify(store.present(row, caller_language(actor)))


@api.post("/notifications/read-all")
def read_all_notifications():
    actor = current_actor()
    with get_db().transaction() as connection:
        count = store.mark_all_read(connection, actor.user_id)
    return jsonify({"marked": count})


def notification_paths(document, actor, operation) -> None:
    from engine.runtime.api.openapi_schemas import INTEGER, NOTIFICATION, obj, page, ref
    document["components"]["schemas"].update({"Notification": NOTIFICATION,
                                              "NotificationPage": page(ref("Notification"))})
    tag = ["notifications"]
    params = [{"name": "unread", "in": "query", "required": False, "schema": {"type": "boolean"},
               "description": "Only unread ones"},
              {"name": "limit", "in": "query", "required": False,
               "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
              {"name": "after", "in": "query", "required": False, "schema": {"type": "string"},
               "description": "The `next` cursor of the previous page"}]
    notification_id = [{"name": "notification_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1}}]
    document["paths"]["/notifications"] = {"get": operation(
        tag, "The caller's notifications, newest first", ref("NotificationPage"), params=params,
        operation_id="list_notifications")}
    document["paths"]["/notifications/{notification_id}/read"] = {"post": operation(
        tag, "Mark one notification read", ref("Notification"), params=notification_id,
        operation_id="read_notification")}
    document["paths"]["/notifications/read-all"] = {"post": operation(
        tag, "Mark every notification of the caller read", obj({"marked": INTEGER}),
        operation_id="read_all_notifications")}


from engine.runtime.api.openapi import register_global_paths  # noqa: E402  (after the routes)
register_global_paths(notification_paths)
