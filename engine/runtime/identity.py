"""Users, their roles per app, and API tokens.

Passwords are hashed with werkzeug's scrypt; API tokens are random, shown once,
and stored only as a SHA-256 digest (a token is a high-entropy secret, so a
fast digest is enough and lets us look it up by index).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from werkzeug.security import check_password_hash, generate_password_hash

from engine.runtime.actor import Actor
from engine.runtime.errors import BadRequest, Conflict, NotFound
from engine.storage.system import api_tokens, log_operation, user_roles, users
from engine.storage.types import utcnow

TOKEN_PREFIX = "ld_"
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 8
TOUCH_INTERVAL = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(connection: Connection, username: str, password: str, *, is_admin: bool = False,
                roles: list[tuple[str, str]] = (), display_name: str | None = None,
                language: str | None = None) -> int:
    username = username.strip()
    if not username or len(username) > 100:
        raise BadRequest("A username needs 1 to 100 characters")
    check_password_rules(password)
    if connection.execute(select(users.c.id).where(users.c.username == username)).first():
        raise Conflict(f"A user named {username!r} already exists")
    user_id = connection.execute(insert(users).values(
        username=username, display_name=display_name, is_admin=is_admin, is_active=True,
        password_hash=hash_password(password),
        language=language, attributes={}, created_at=utcnow())).inserted_primary_key[0]
    for app, role in roles:
        connection.execute(insert(user_roles).values(user_id=user_id, app=app, role=role))
    log_operation(connection, "user.create", username,
                  details={"admin": is_admin, "roles": [f"{a}:{r}" for a, r in roles]})
    return user_id


def check_password_rules(password: str) -> None:
    """A new password too short is refused (400)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"A password needs at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """The stored form of a new password (checked by `check_password_rules`)."""
    check_password_rules(password)
    return generate_password_hash(password, method=PASSWORD_METHOD)


def find_user(connection: Connection, username: str) -> dict[str, Any]:
    row = connection.execute(select(users).where(users.c.username == username)).mappings().first()
    if row is None:
        raise NotFound(f"No user named {username!r}")
    return dict(row)


def check_password(user: dict[str, Any], password: str) -> bool:
    return bool(user.get("password_hash")) and check_password_hash(user["password_hash"], password)


def authenticate(connection: Connection, username: str,
                 password: str) -> tuple[dict[str, Any] | None, str | None]:
    """(user, None) for a right password of an active user, else (None, reason).

    An unknown name costs the same hash as a known one, so the answer's timing
    does not tell which names exist. The reason is for the operation log only."""
    row = connection.execute(select(users).where(users.c.username == username)).mappings().first()
    if row is None:
        check_password_hash(_dummy_hash(), password)
        return None, "unknown user"
    user = dict(row)
    if not check_password(user, password):
        return None, "wrong password"
    if not user["is_active"]:
        return None, "disabled"
    return user, None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


def active_actor(connection: Connection, user_id: int) -> Actor | None:
    """The actor of an active user by id (a signed-in session), else None."""
    row = connection.execute(select(users).where(users.c.id == user_id)).mappings().first()
    if row is None or not row["is_active"]:
        return None
    return actor_for_user(connection, dict(row))


def create_token(connection: Connection, username: str, name: str | None = None) -> str:
    return issue_token(connection, username, name)[1]


def issue_token(connection: Connection, username: str, name: str | None = None) -> tuple[int, str]:
    """(token id, token): the id names the token later (revoke); only the
    token's digest is stored, and only the id goes to the operation log."""
    user = find_user(connection, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = connection.execute(insert(api_tokens).values(
        user_id=user["id"], token_hash=token_digest(token), name=name,
        created_at=utcnow())).inserted_primary_key[0]
    log_operation(connection, "token.create", username, actor_id=user["id"],
                  details={"name": name, "token_id": token_id})
    return token_id, token


_ROLES_QUERY = select(user_roles.c.app, user_roles.c.role).where(user_roles.c.user_id == bindparam("user_id"))


def actor_for_user(connection: Connection, user: dict[str, Any], token_id: int | None = None) -> Actor:
    rows = connection.execute(_ROLES_QUERY, {"user_id": user["id"]}).all()
    roles: dict[str, set[str]] = {}
    for app, role in rows:
        roles.setdefault(app, set()).add(role)
    return Actor(user_id=user["id"], username=user["username"], is_admin=bool(user["is_admin"]),
                 roles={app: frozenset(names) for app, names in roles.items()},
                 language=user.get("language"), attributes=dict(user.get("attributes") or {}),
                 token_id=token_id, display_name=user.get("display_name"))


# Built once with a bound parameter: every API request runs it.
_TOKEN_QUERY = (select(api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at.label("token_last_used_at"),
                       users)
                .join(users, users.c.id == api_tokens.c.user_id)
                .where(api_tokens.c.token_hash == bindparam("digest"), api_tokens.c.revoked_at.is_(None)))


def actor_for_token(connection: Connection, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None if unknown, revoked or disabled."""
    return actor_for_token_and_touch(connection, token)[0]


def actor_for_token_and_touch(connection: Connection, token: str) -> tuple[Actor | None, bool]:
    """The token's actor, and whether `touch_token` is due (last use over a
    minute ago): read in the same query, so a request whose token was used this
    minute needs neither another query nor a write transaction."""
    row = connection.execute(_TOKEN_QUERY, {"digest": token_digest(token)}).mappings().first()
    if row is None or not row["is_active"]:
        return None, False
    last = row["token_last_used_at"]
    due = last is None or last < utcnow() - TOUCH_INTERVAL
    return actor_for_user(connection, dict(row), token_id=row["token_id"]), due


def touch_token(connection: Connection, token_id: int) -> None:
    """Record the token's last use, at most once a minute (it costs a write)."""
    now = utcnow()
    connection.execute(update(api_tokens).where(
        api_tokens.c.id == token_id,
        (api_tokens.c.last_used_at.is_(None)) | (api_tokens.c.last_used_at < now - TOUCH_INTERVAL))
        .values(last_used_at=now))
