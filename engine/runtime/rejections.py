"""Rejected writes: form checks that refused a save (e.g. 库存不足).

A failed check rolls the whole transaction back, so nothing of the attempt
would remain. `RecordService.unit_of_work` therefore records it here AFTER the
rollback, in a transaction of its own: which form and record, which check, the
values the record would have had, who tried and why (cause). The anomaly job
(engine/runtime/analysis/anomalies_job.py) reads them; nothing else changes.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, String, Table, Text, delete, insert, select
from sqlalchemy.engine import Connection

from engine.runtime.errors import ValidationFailed
from engine.storage.system import system_metadata
from engine.storage.types import ID_TYPE, utcnow

log = logging.getLogger(__name__)

rejected_writes = Table(
    "ld_rejected_writes", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("app", String(20), nullable=False),
    Column("form", String(30), nullable=False),
    Column("record_id", BigInteger, nullable=True),
    Column("check_when", Text, nullable=False),       # the check's expression
    Column("message", Text, nullable=False),
    Column("record_values", JSON, nullable=False),    # the refused state of the record (scalars)
    Column("actor_id", Integer, nullable=True),
    Column("cause_kind", String(20), nullable=False),
    Column("cause_detail", Text, nullable=True),
    Index("ix_ld_rejected_writes_app_form_at", "app", "form", "at"),
)


class CheckFailed(ValidationFailed):
    """A form check refused the final state of a record; `refused` says what."""

    def __init__(self, message: str, details, *, refused: Mapping[str, Any]):
        super().__init__(message, details)
        self.refused = dict(refused)


def record_after_rollback(database, error: CheckFailed, actor, cause) -> None:
    """Store the refused attempt in its own transaction; never masks the refusal."""
    row = {**error.refused, "at": utcnow(), "message": error.message,
           "actor_id": getattr(actor, "user_id", None), "cause_kind": cause.kind,
           "cause_detail": cause.detail}
    try:
        with database.transaction() as connection:
            connection.execute(insert(rejected_writes).values(**row))
    except Exception:            # the caller must still see the check's own message
        log.exception("could not record a rejected write of %s", error.refused.get("form"))


def between(connection: Connection, app: str, form: str, start: datetime, end: datetime,
            limit: int = 10_000) -> list[dict[str, Any]]:
    """Rejected writes of one form booked in [start, end), oldest first."""
    c = rejected_writes.c
    rows = connection.execute(select(rejected_writes).where(
        c.app == app, c.form == form, c.at >= start, c.at < end).order_by(c.id).limit(limit)).mappings()
    return [dict(row) for row in rows]


def prune(connection: Connection, older_than_days: int) -> int:
    """Forget attempts past the change log's retention period; returns how many went."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    return connection.execute(delete(rejected_writes).where(rejected_writes.c.at < cutoff)).rowcount
