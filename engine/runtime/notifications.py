"""Notifications: messages for users, written by rule `notify` actions.

A message is stored rendered in every language its template has, so each
recipient reads it in their own language later.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import (JSON, BigInteger, Column, DateTime, Index, String, Table, insert, select,
                        update)
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


# ------------------------------------------------------------------ reading

def for_user(connection: Connection, user_id: int | None, *, unread_only: bool = False,
             before_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The user's notifications, newest first (keyset by id)."""
    if user_id is None:
        return []
    query = select(notifications).where(notifications.c.user_id == user_id)
    if unread_only:
        query = query.where(notifications.c.read_at.is_(None))
    if before_id is not None:
        query = query.where(notifications.c.id < before_id)
    query = query.order_by(notifications.c.id.desc()).limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]


def present(row: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """One notification as the API answers it, its message in `language`."""
    from engine.definitions.model import localized
    message = row["message"] if isinstance(row["message"], Mapping) else {"en": str(row["message"])}
    link = None
    if row["form"] and row["record_id"] is not None:
        link = f"/apps/{row['app']}/{row['form'].split('.')[0]}/{row['record_id']}"
    return {"id": row["id"], "created_at": _iso(row["created_at"]), "read": row["read_at"] is not None,
            "read_at": _iso(row["read_at"]), "message": localized(message, language),
            "app": row["app"], "form": row["form"], "record_id": row["record_id"],
            "rule": row["rule"], "url": link}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def mark_read(connection: Connection, user_id: int | None, notification_id: int) -> dict | None:
    """Mark one of the user's notifications read; None when it is not theirs (or absent)."""
    own = (notifications.c.id == notification_id) & (notifications.c.user_id == user_id)
    connection.execute(update(notifications).where(own, notifications.c.read_at.is_(None))
                       .values(read_at=utcnow()))
    row = connection.execute(select(notifications).where(own)).mappings().first()
    return dict(row) if row is not None else None


def mark_all_read(connection: Connection, user_id: int | None) -> int:
    if user_id is None:
        return 0
    result = connection.execute(update(notifications).where(
        notifications.c.user_id == user_id, notifications.c.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0
