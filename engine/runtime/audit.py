"""The change log: every create, update, delete, restore and transition.

Each entry keeps the field diff (what a person reads in the history) and a
snapshot of the record after the change (what restore brings back; for a delete,
the record as it was, so it can be undeleted). Entries written by one request
share a transaction id; the cause says where the change came from.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from sqlalchemy import (JSON, BigInteger, Column, DateTime, Index, Integer, String, Table, Text,
                        delete, insert, select)
from sqlalchemy.engine import Connection

from engine.storage.system import system_metadata

ID = BigInteger().with_variant(Integer, "sqlite")

change_log = Table(
    "ld_change_log", system_metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("tx_id", String(32), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor_id", Integer, nullable=True),
    Column("actor_name", String(150), nullable=True),
    Column("app", String(20), nullable=False),
    Column("form", String(30), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("action", String(20), nullable=False),
    Column("cause_kind", String(20), nullable=False),
    Column("cause_detail", Text, nullable=True),   # a chain of rule names can be long
    Column("changes", JSON, nullable=False),
    Column("snapshot", JSON, nullable=True),
    Index("ix_ld_change_log_record", "app", "form", "record_id", "id"),
)


def new_transaction_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    # Millisecond precision: what JSON shows is exactly what is stored (cursors compare it).
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def entry_row(*, tx_id: str, actor, cause, app: str, form: str, record_id: int, action: str,
              changes: Mapping[str, Any], snapshot: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(tx_id=tx_id, at=utcnow(), actor_id=actor.user_id, actor_name=actor.username,
                app=app, form=form, record_id=record_id, action=action, cause_kind=cause.kind,
                cause_detail=cause.detail, changes=dict(changes), snapshot=snapshot)


def write_entries(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """All entries of one transaction in one statement, in the order they happened."""
    if entries:
        connection.execute(insert(change_log), entries)


def history(connection: Connection, app: str, form: str, record_id: int,
            limit: int = 200) -> list[dict[str, Any]]:
    """Entries for one record, newest first."""
    rows = connection.execute(
        select(change_log).where(change_log.c.app == app, change_log.c.form == form,
                                 change_log.c.record_id == record_id)
        .order_by(change_log.c.id.desc()).limit(limit)).mappings()
    return [dict(row) for row in rows]


def entry(connection: Connection, entry_id: int) -> dict[str, Any] | None:
    row = connection.execute(select(change_log).where(change_log.c.id == entry_id)).mappings().first()
    return dict(row) if row else None


def prune(connection: Connection, older_than_days: int) -> int:
    """Delete entries past the retention period; returns how many went."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    return connection.execute(delete(change_log).where(change_log.c.at < cutoff)).rowcount
