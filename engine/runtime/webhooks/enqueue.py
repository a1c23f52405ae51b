"""Queue one outbox row per matching subscription for every write of a session.

Called from `WriteSession.log()`, which every write path (create, update,
transition, restore, delete; bulk changes and imports record by record) goes
through, on the session's connection: the rows commit or roll back with the
change. Subscriptions are read once per app per session.
"""
from __future__ import annotations

from typing import Any

from engine.runtime import outbox
from engine.runtime.records.values import record_to_json
from engine.runtime.webhooks import store
from engine.storage.types import utcnow

_CACHE = "_webhook_subscriptions"
ACTION_EVENTS = {"create": "created", "update": "updated", "restore": "updated",
                 "delete": "deleted"}


def event_name(state) -> str | None:
    if state.action == "transition":
        info = state.system_values.get("transition") or {}
        return f"transition:{info.get('name')}"
    return ACTION_EVENTS.get(state.action)


def subscriptions(session, form_name: str) -> list[dict[str, Any]]:
    # One query per session for the whole app: a posting with rules writes
    # several forms (order, stock, product), each of which used to cost one.
    cache = session.__dict__.get(_CACHE)
    if cache is None:
        cache = {}
        for subscription in store.active_for_app(session.connection, session.model.name):
            cache.setdefault(subscription["form"], []).append(subscription)
        session.__dict__[_CACHE] = cache
    return cache.get(form_name, [])


def on_write(session, state) -> None:
    event = event_name(state)
    if event is None:
        return
    matching = [s for s in subscriptions(session, state.form.name) if store.matches(s["events"], event)]
    if not matching:
        return
    deleted = state.action == "delete"
    payload = {"event": event, "app": session.model.name, "form": state.form.name,
               "id": state.record_id,
               "record": None if deleted else record_to_json(state.record),
               "previous": record_to_json(state.previous) if state.previous else None,
               "occurred_at": utcnow().isoformat() + "Z", "transaction": session.tx_id}
    if state.action == "transition":
        payload["transition"] = dict(state.system_values.get("transition") or {})
    for sub in matching:
        outbox.enqueue(session.connection, app=session.model.name, form=state.form.name,
                       record_id=state.record_id, event=event, target=sub["url"],
                       payload=payload, subscription_id=sub["id"])
