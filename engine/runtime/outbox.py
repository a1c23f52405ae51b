"""The webhook outbox: events written in the same transaction as the change.

A rolled-back change therefore sends nothing and a committed one is never
lost; a delivery worker posts pending rows after commit.
"""
from __future__ import annotations

import uuid
from typing import Any, Mapping

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, String, Table, Text, insert
from sqlalchemy.engine import Connection

from engine.storage.system import system_metadata
from engine.storage.types import ID_TYPE, utcnow

outbox = Table(
    "ld_outbox", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("app", String(20), nullable=False),
    Column("form", String(30), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("event", String(80), nullable=False),
    Column("target", String(2000), nullable=False),     # URL or configured webhook name
    Column("payload", JSON, nullable=False),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("status", String(20), nullable=False),       # pending | delivered | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    # Set for rows queued by a subscription (engine.runtime.webhooks); no FK: the
    # delivery log outlives a removed subscription.
    Column("subscription_id", ID_TYPE, nullable=True),
    Column("last_attempt_at", DateTime, nullable=True),
    Column("delivered_at", DateTime, nullable=True),
    Index("ix_ld_outbox_pending", "status", "next_attempt_at", "id"),
)


def enqueue(connection: Connection, *, app: str, form: str, record_id: int, event: str,
            target: str, payload: Mapping[str, Any], subscription_id: int | None = None) -> str:
    key = uuid.uuid4().hex
    now = utcnow()
    connection.execute(insert(outbox), {
        "created_at": now, "app": app, "form": form, "record_id": record_id, "event": event,
        "target": target, "payload": dict(payload), "idempotency_key": key, "status": "pending",
        "attempts": 0, "next_attempt_at": now, "last_error": None,
        "subscription_id": subscription_id})
    return key
