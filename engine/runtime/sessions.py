"""Server-side sign-in sessions (`ld_sessions`): what makes a session revocable.

Signing in creates a row with a random key; the key travels only inside the
signed session cookie, and the table keeps only its SHA-256 digest (the row's
primary key), so a copy of the database holds nothing a browser could present.
Every request that comes with a session cookie looks its row up by that
primary key, joined to the user: one indexed query, in the database, so every
worker process sees a revocation on its next request (nothing is cached in
process memory). A session is alive while its row is not revoked and its user
is active.

What revokes rows (`revoked_at`, with a `revoked_reason`):
- signing out (`/logout`): that session;
- disabling a user: all of theirs (enabling them again brings none back);
- "sign out everywhere" (`liandong user signout NAME`): all of the user's;
- a password change: all of the user's other sessions (the one that changed
  it, if any, stays signed in).
API tokens are separate: they are revoked on their own (`liandong user revoke`).

`last_seen_at` is written at most once a minute per session (a write costs a
transaction); rows revoked or idle for longer than the cookie could live are
removed by the daily engine job `prune_sessions`.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from engine.storage.system import system_metadata, users
from engine.storage.types import ID_TYPE, utcnow

# The key of the session cookie's entry that holds the session key.
SESSION_KEY = "ld_session"
TOUCH_INTERVAL = timedelta(minutes=1)

LOGOUT, DISABLED, SIGNOUT, PASSWORD = "logout", "disabled", "signout", "password"

sessions = Table(
    "ld_sessions", system_metadata,
    Column("id", String(64), primary_key=True),           # SHA-256 hex of the cookie's key
    Column("user_id", ID_TYPE, ForeignKey("ld_users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("created_at", DateTime, nullable=False, default=utcnow),
    Column("last_seen_at", DateTime, nullable=False, default=utcnow),
    Column("revoked_at", DateTime, nullable=True, index=True),
    Column("revoked_reason", String(20), nullable=True),
    Column("address", String(64), nullable=True),
    Column("user_agent", String(200), nullable=True),
)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(connection: Connection, user_id: int, *, address: str | None = None,
          user_agent: str | None = None) -> str:
    """A new session of the user; returns its key (for the signed cookie only)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    connection.execute(insert(sessions).values(
        id=digest(key), user_id=user_id, created_at=now, last_seen_at=now,
        address=(address or None) and address[:64], user_agent=(user_agent or None) and user_agent[:200]))
    return key


# Built once with a bound parameter: every signed-in request runs it.
_SESSION_QUERY = (select(sessions.c.id.label("session_id"),
                         sessions.c.last_seen_at.label("session_last_seen_at"), users)
                  .join(users, users.c.id == sessions.c.user_id)
                  .where(sessions.c.id == bindparam("digest"), sessions.c.revoked_at.is_(None)))


def user_for_key(connection: Connection, key: str) -> tuple[dict[str, Any] | None, bool]:
    """(the user row of a live session, whether `touch` is due), or (None, False)
    when the key is unknown, revoked or its user disabled."""
    row = connection.execute(_SESSION_QUERY, {"digest": digest(key)}).mappings().first()
    if row is None or not row["is_active"]:
        return None, False
    last = row["session_last_seen_at"]
    return dict(row), last is None or last < utcnow() - TOUCH_INTERVAL


def touch(connection: Connection, key: str) -> None:
    """Record the session's last request, at most once a minute."""
    now = utcnow()
    connection.execute(update(sessions).where(
        sessions.c.id == digest(key), sessions.c.revoked_at.is_(None),
        sessions.c.last_seen_at < now - TOUCH_INTERVAL).values(last_seen_at=now))


def end(connection: Connection, key: str, reason: str = LOGOUT) -> bool:
    """Revoke one session (sign-out); returns whether it was still alive."""
    result = connection.execute(update(sessions).where(
        sessions.c.id == digest(key), sessions.c.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason))
    return result.rowcount > 0


def end_all(connection: Connection, user_id: int, reason: str, *, keep: str | None = None) -> int:
    """Revoke every live session of the user, except the one whose key is `keep`;
    returns how many were ended."""
    condition = [sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None)]
    if keep:
        condition.append(sessions.c.id != digest(keep))
    result = connection.execute(update(sessions).where(*condition)
                                .values(revoked_at=utcnow(), revoked_reason=reason))
    return result.rowcount


def list_for_user(connection: Connection, user_id: int, *, include_ended: bool = False) -> list[dict[str, Any]]:
    """The user's sessions, newest first (`id` is the digest: it names a session
    for `end_by_id` without being usable as a cookie)."""
    query = select(sessions).where(sessions.c.user_id == user_id)
    if not include_ended:
        query = query.where(sessions.c.revoked_at.is_(None))
    rows = connection.execute(query.order_by(sessions.c.created_at.desc(), sessions.c.id)).mappings()
    return [dict(row) for row in rows]


def end_by_id(connection: Connection, session_id: str, reason: str = SIGNOUT) -> bool:
    """Revoke one session named by its id (an administrator's choice from a list)."""
    result = connection.execute(update(sessions).where(
        sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason))
    return result.rowcount > 0


def prune(connection: Connection, idle: timedelta, *, now: datetime | None = None) -> int:
    """Delete rows no cookie can use any more: revoked, or idle longer than `idle`
    (the cookie's lifetime). Returns how many were removed."""
    cutoff = (now or utcnow()) - idle
    result = connection.execute(delete(sessions).where(
        (sessions.c.revoked_at < cutoff) | (sessions.c.last_seen_at < cutoff)))
    return result.rowcount

