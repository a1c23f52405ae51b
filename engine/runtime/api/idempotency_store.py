"""ld_idempotency_keys: the first answer to each (user, Idempotency-Key).

A key is *claimed* by inserting its row (state `pending`) in a transaction of
its own, before the request's write starts. The UNIQUE (user_id, key) lets
exactly one of several identical requests — in any number of processes —
insert it; the others find the row and wait until it holds the answer (state
`done`), then replay it. A request answering 500 or more releases (deletes) its
claim, so a retry runs again. Keys are kept `retention` hours (≥ 24) and
pruned after that by the engine job `prune_idempotency_keys` or
`liandong api prune-keys`; an expired key found before it is pruned counts as
unused.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (JSON, Column, DateTime, ForeignKey, Index, Integer, LargeBinary, String,
                        Table, UniqueConstraint, delete, select, update)
from sqlalchemy.dialects import postgresql, sqlite

from engine.runtime.errors import Conflict, ErrorDetail, ValidationFailed
from engine.storage.system import system_metadata
from engine.storage.types import ID_TYPE, utcnow

MAX_KEY_LENGTH = 255
MIN_RETENTION_HOURS = 24
POLL_SECONDS = 0.05

idempotency_keys = Table(
    "ld_idempotency_keys", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("user_id", ID_TYPE, ForeignKey("ld_users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("fingerprint", String(64), nullable=False),     # sha256 of method, path, query, body
    Column("state", String(10), nullable=False),           # pending | done
    Column("created_at", DateTime, nullable=False),
    Column("completed_at", DateTime, nullable=True),
    Column("status", Integer, nullable=True),
    Column("headers", JSON, nullable=True),                # Location, ETag, Content-Type
    Column("body", LargeBinary, nullable=True),
    UniqueConstraint("user_id", "key"),
    Index("ix_ld_idempotency_keys_created_at", "created_at"),
)


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"


class IdempotencyKeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """Either the row this request now owns (`claim_id`) or the answer to replay."""
    claim_id: int | None = None
    answer: StoredAnswer | None = None


def claim(database, user_id: int, key: str, fingerprint: str, *, retention_hours: int,
          wait_seconds: float) -> Claim:
    """Own the key, or get the stored answer of the same request; a different
    request under the key is 422, one still running after `wait_seconds` 409."""
    deadline = time.monotonic() + wait_seconds
    while True:
        claim_id = _insert_pending(database, user_id, key, fingerprint)
        if claim_id is not None:
            return Claim(claim_id=claim_id)
        row = _find(database, user_id, key)
        if row is None:
            continue                        # released (its request failed) meanwhile: claim again
        if row["created_at"] < utcnow() - timedelta(hours=max(retention_hours, MIN_RETENTION_HOURS)):
            _delete(database, row["id"])    # expired but not yet pruned
            continue
        if row["fingerprint"] != fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was used for a different request (method, path, query or body)",
                [_detail("the key is taken by another request")])
        if row["state"] == "done":
            return Claim(answer=StoredAnswer(row["status"], dict(row["headers"] or {}), bytes(row["body"] or b"")))
        if time.monotonic() >= deadline:
            raise IdempotencyKeyInProgress(
                "A request with this Idempotency-Key is still being processed; retry later",
                [_detail("in progress")])
        time.sleep(POLL_SECONDS)


def complete(database, claim_id: int, status: int, headers: dict[str, str], body: bytes) -> None:
    with database.transaction() as connection:
        connection.execute(update(idempotency_keys).where(idempotency_keys.c.id == claim_id).values(
            state="done", completed_at=utcnow(), status=status, headers=headers, body=body))


def release(database, claim_id: int) -> None:
    _delete(database, claim_id)


def prune(connection, retention_hours: int) -> int:
    """Forget keys older than the retention period (at least 24 hours)."""
    cutoff = utcnow() - timedelta(hours=max(retention_hours, MIN_RETENTION_HOURS))
    return connection.execute(delete(idempotency_keys).where(
        idempotency_keys.c.created_at < cutoff)).rowcount


def _insert_pending(database, user_id: int, key: str, fingerprint: str) -> int | None:
    """The new row's id, or None when the key exists (ON CONFLICT DO NOTHING:
    no error, no aborted transaction, on either database)."""
    values: dict[str, Any] = dict(user_id=user_id, key=key, fingerprint=fingerprint, state="pending",
                                  created_at=utcnow())
    with database.transaction() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = (dialect.insert(idempotency_keys).values(**values)
                     .on_conflict_do_nothing(index_elements=["user_id", "key"])
                     .returning(idempotency_keys.c.id))
        return connection.execute(statement).scalar()


def _find(database, user_id: int, key: str) -> dict[str, Any] | None:
    with database.read() as connection:
        row = connection.execute(select(idempotency_keys).where(
            idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key)).mappings().first()
        return dict(row) if row is not None else None


def _delete(database, claim_id: int) -> None:
    with database.transaction() as connection:
        connection.execute(delete(idempotency_keys).where(idempotency_keys.c.id == claim_id))


def _detail(message: str) -> ErrorDetail:
    return ErrorDetail("Idempotency-Key", message)
