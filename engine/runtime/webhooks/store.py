"""The ld_webhooks table: one subscription = (app, form, events) → URL, with the
secret used to sign every delivery (stored as given: it is needed to sign)."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import JSON, Boolean, Column, DateTime, String, Table, bindparam, delete, insert, select
from sqlalchemy.engine import Connection

from engine.runtime.outbox import outbox
from engine.storage.system import system_metadata
from engine.storage.types import ID_TYPE, utcnow

BASIC_EVENTS = ("created", "updated", "deleted", "transition")
DELIVERY_STATUSES = ("pending", "delivered", "dead")

webhooks = Table(
    "ld_webhooks", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=True, unique=True),   # what rule `webhook` actions name
    Column("app", String(20), nullable=False),
    Column("form", String(30), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("events", JSON, nullable=False),                    # created, updated, deleted, transition[:NAME]
    Column("secret", String(500), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False, default=utcnow),
)


class SubscriptionError(ValueError):
    """A subscription that cannot be added (bad URL, event, app or form)."""


def check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise SubscriptionError(f"URL must start with http:// or https://: {url!r}")


def check_events(events: Iterable[str], form) -> list[str]:
    """Normalised events; `transition:NAME` must name a transition of the form's workflow."""
    result = []
    for event in events:
        kind, _, name = event.partition(":")
        if kind not in BASIC_EVENTS or (name and kind != "transition"):
            raise SubscriptionError(f"unknown event {event!r}: use created, updated, deleted, "
                                    f"transition or transition:NAME")
        if kind == "transition" and form.workflow is None:
            raise SubscriptionError(f"form {form.name!r} has no workflow: no transition events")
        if name and form.workflow.transition(name) is None:
            raise SubscriptionError(f"form {form.name!r} has no transition {name!r}")
        if event not in result:
            result.append(event)
    if not result:
        raise SubscriptionError("give at least one --event")
    return result


def add(connection: Connection, *, app: str, form: str, url: str, events: list[str], secret: str,
        name: str | None = None) -> int:
    check_url(url)
    return connection.execute(insert(webhooks).values(
        name=name, app=app, form=form, url=url, events=list(events), secret=secret, active=True,
        created_at=utcnow())).inserted_primary_key[0]


def list_all(connection: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(select(webhooks).order_by(webhooks.c.id)).mappings()]


def remove(connection: Connection, webhook_id: int) -> bool:
    return connection.execute(delete(webhooks).where(webhooks.c.id == webhook_id)).rowcount > 0


def active_for_form(connection: Connection, app: str, form: str) -> list[dict[str, Any]]:
    rows = connection.execute(select(webhooks).where(
        webhooks.c.app == app, webhooks.c.form == form, webhooks.c.active.is_(True))
        .order_by(webhooks.c.id)).mappings()
    return [dict(row) for row in rows]


_ACTIVE_FOR_APP = select(webhooks).where(
    webhooks.c.app == bindparam("app"), webhooks.c.active.is_(True)).order_by(webhooks.c.id)


def active_for_app(connection: Connection, app: str) -> list[dict[str, Any]]:
    """Built once (bound parameter): every write transaction asks this."""
    return [dict(row) for row in connection.execute(_ACTIVE_FOR_APP, {"app": app}).mappings()]


def matches(events: Iterable[str], event: str) -> bool:
    events = set(events)
    return event in events or (event.startswith("transition:") and "transition" in events)


def deliveries(connection: Connection, *, status: str | None = None, before_id: int | None = None,
               limit: int = 50) -> list[dict[str, Any]]:
    """The delivery log (outbox rows), newest first; keyset pages via `before_id`."""
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    if status:
        query = query.where(outbox.c.status == status)
    if before_id is not None:
        query = query.where(outbox.c.id < before_id)
    return [dict(row) for row in connection.execute(query).mappings()]


def delivery(connection: Connection, delivery_id: int) -> dict[str, Any] | None:
    row = connection.execute(select(outbox).where(outbox.c.id == delivery_id)).mappings().first()
    return dict(row) if row else None
