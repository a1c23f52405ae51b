"""Notifications: messages for users, written by rule `notify` actions.

A message is stored rendered in every language its template has, so each
recipient reads it in their own language later.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import (JSON, BigInteger, Column, DateTime, Index, String, Table, insert, select)
from sqlalchemy.engine import Connection

from engine.storage.system import system_metadata, user_roles, users
from engine.storage.types import ID_TYPE, utcnow

notifications = Table(
    "ld_notifications", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("user_id", ID_TYPE, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("app", String(20), nullable=False),
    Column("form", String(30), nullable=True),
    Column("record_id", BigInteger, nullable=True),
    Column("rule", String(60), nullable=True),
    Column("message", JSON, nullable=False),          # {"en": "...", "zh": "..."}
    Column("read_at", DateTime, nullable=True),
    Index("ix_ld_notifications_user", "user_id", "read_at", "id"),
)


def recipients(connection: Connection, app: str, addresses: Iterable[str]) -> list[int]:
    """User ids for role names (active holders of the role in this app) and `user:NAME`."""
    roles = [a for a in addresses if not a.startswith("user:")]
    names = [a.split(":", 1)[1] for a in addresses if a.startswith("user:")]
    ids: set[int] = set()
    if roles:
        ids.update(connection.execute(
            select(user_roles.c.user_id).join(users, users.c.id == user_roles.c.user_id)
            .where(user_roles.c.app == app, user_roles.c.role.in_(roles), users.c.is_active)).scalars())
    if names:
        ids.update(connection.execute(
            select(users.c.id).where(users.c.username.in_(names), users.c.is_active)).scalars())
    return sorted(ids)


def notify(connection: Connection, user_ids: Iterable[int], *, app: str, message: Mapping[str, str],
           form: str | None = None, record_id: int | None = None, rule: str | None = None) -> int:
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {"user_id": user_id, "created_at": now, "app": app, "form": form, "record_id": record_id,
         "rule": rule, "message": dict(message), "read_at": None} for user_id in user_ids]
    if rows:
        connection.execute(insert(notifications), rows)
    return len(rows)
