"""User administration (the `liandong user …` commands): enable and disable
users, list them, change their roles and passwords, sign them out everywhere,
list and revoke API tokens.

Every change is written to the operation log. Tokens are named by their id
(shown when created and by `tokens`): they are stored only as digests, so the
secret itself is never needed, nor kept, to revoke one.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from engine.runtime import sessions
from engine.runtime.errors import BadRequest, Forbidden, NotFound
from engine.runtime.identity import TOKEN_PREFIX, check_password, find_user, hash_password, token_digest
from engine.storage.system import api_tokens, log_operation, user_roles, users
from engine.storage.types import utcnow


def set_active(connection: Connection, username: str, active: bool) -> bool:
    """Enable or disable a user; returns whether anything changed.

    A disabled user cannot sign in, their sessions are revoked (enabling the
    user again brings none back: they sign in anew) and their tokens answer
    401 (tokens are kept: enabling the user again brings them back)."""
    user = find_user(connection, username)
    if bool(user["is_active"]) == active:
        return False
    connection.execute(update(users).where(users.c.id == user["id"]).values(is_active=active))
    ended = 0 if active else sessions.end_all(connection, user["id"], sessions.DISABLED)
    log_operation(connection, "user.enable" if active else "user.disable", username,
                  details=None if active else {"sessions_ended": ended})
    return True


def sign_out_everywhere(connection: Connection, username: str, *, actor_id: int | None = None) -> int:
    """End every session of the user (their API tokens are revoked on their own);
    returns how many sessions were ended."""
    user = find_user(connection, username)
    ended = sessions.end_all(connection, user["id"], sessions.SIGNOUT)
    log_operation(connection, "user.signout", username, actor_id=actor_id,
                  details={"sessions_ended": ended})
    return ended


def set_password(connection: Connection, username: str, password: str, *,
                 current_password: str | None = None, keep_session: str | None = None,
                 actor_id: int | None = None) -> int:
    """Change the user's password and end every other session of theirs: all of
    them, except the session whose key is `keep_session` (the one the user
    changed it from). With `current_password` (a user changing their own) a
    wrong one is refused and nothing changes. Returns how many sessions ended."""
    user = find_user(connection, username)
    if current_password is not None and not check_password(user, current_password):
        raise Forbidden("The current password is wrong")
    connection.execute(update(users).where(users.c.id == user["id"])
                       .values(password_hash=hash_password(password)))
    ended = sessions.end_all(connection, user["id"], sessions.PASSWORD, keep=keep_session)
    log_operation(connection, "user.password", username, actor_id=actor_id,
                  details={"sessions_ended": ended})
    return ended


def list_sessions(connection: Connection, username: str) -> list[dict[str, Any]]:
    """The user's live sessions, newest first (ids are digests, never cookie keys)."""
    user = find_user(connection, username)
    return [{key: row[key] for key in ("id", "created_at", "last_seen_at", "address", "user_agent")}
            for row in sessions.list_for_user(connection, user["id"])]


def list_users(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(select(users).order_by(users.c.username)).mappings().all()
    roles: dict[int, list[str]] = {}
    for user_id, app, role in connection.execute(
            select(user_roles.c.user_id, user_roles.c.app, user_roles.c.role)
            .order_by(user_roles.c.app, user_roles.c.role)):
        roles.setdefault(user_id, []).append(f"{app}:{role}")
    tokens = dict(connection.execute(
        select(api_tokens.c.user_id, func.count()).where(api_tokens.c.revoked_at.is_(None))
        .group_by(api_tokens.c.user_id)).all())
    return [{"id": row["id"], "username": row["username"], "display_name": row["display_name"],
             "is_admin": bool(row["is_admin"]), "is_active": bool(row["is_active"]),
             "roles": roles.get(row["id"], []), "tokens": tokens.get(row["id"], 0)} for row in rows]


def roles_of(connection: Connection, username: str) -> list[str]:
    user = find_user(connection, username)
    rows = connection.execute(select(user_roles.c.app, user_roles.c.role)
                              .where(user_roles.c.user_id == user["id"])
                              .order_by(user_roles.c.app, user_roles.c.role))
    return [f"{app}:{role}" for app, role in rows]


def change_roles(connection: Connection, username: str, add: Iterable[tuple[str, str]] = (),
                 remove: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Add and remove APP:ROLE pairs; returns the user's roles afterwards."""
    user = find_user(connection, username)
    current = set(_pairs(roles_of(connection, username)))
    added = [pair for pair in dict.fromkeys(add) if pair not in current]
    removed = [pair for pair in dict.fromkeys(remove) if pair in current]
    for app, role in added:
        connection.execute(insert(user_roles).values(user_id=user["id"], app=app, role=role))
    for app, role in removed:
        connection.execute(delete(user_roles).where(
            user_roles.c.user_id == user["id"], user_roles.c.app == app, user_roles.c.role == role))
    if added or removed:
        log_operation(connection, "user.roles", username, details={
            "added": [f"{a}:{r}" for a, r in added], "removed": [f"{a}:{r}" for a, r in removed]})
    return roles_of(connection, username)


def set_attributes(connection: Connection, username: str, values: dict[str, Any] | None = None,
                   unset: Iterable[str] = ()) -> dict[str, Any]:
    """Change the user's free attributes (`user.*` in row scopes and defaults)."""
    user = find_user(connection, username)
    reserved = {"id", "username", "name", "is_admin"} & set(values or {})
    if reserved:
        raise BadRequest(f"{', '.join(sorted(reserved))} cannot be set: the engine fills it in")
    attributes = dict(user.get("attributes") or {})
    attributes.update(values or {})
    for key in unset:
        attributes.pop(key, None)
    connection.execute(update(users).where(users.c.id == user["id"]).values(attributes=attributes))
    log_operation(connection, "user.attributes", username,
                  details={"set": sorted(values or {}), "unset": sorted(unset)})
    return attributes


def _pairs(names: Iterable[str]) -> list[tuple[str, str]]:
    return [tuple(name.split(":", 1)) for name in names]   # type: ignore[misc]


def list_tokens(connection: Connection, username: str) -> list[dict[str, Any]]:
    user = find_user(connection, username)
    rows = connection.execute(select(api_tokens).where(api_tokens.c.user_id == user["id"])
                              .order_by(api_tokens.c.id)).mappings()
    return [{"id": row["id"], "name": row["name"], "created_at": row["created_at"],
             "last_used_at": row["last_used_at"], "revoked_at": row["revoked_at"]} for row in rows]


def revoke_token(connection: Connection, token_ref: str) -> dict[str, Any]:
    """Revoke a token named by its id, or by the token itself (looked up by
    digest). Returns {"id", "username"}; revoking twice is refused."""
    token_ref = token_ref.strip()
    c = api_tokens.c
    if token_ref.isdigit():
        condition = c.id == int(token_ref)
    elif token_ref.startswith(TOKEN_PREFIX):
        condition = c.token_hash == token_digest(token_ref)
    else:
        raise BadRequest("Name the token by its id (see `liandong user tokens NAME`) or give the token")
    row = connection.execute(select(c.id, c.revoked_at, users.c.username, users.c.id.label("user_id"))
                             .join(users, users.c.id == c.user_id).where(condition)).mappings().first()
    if row is None:
        raise NotFound("No such API token")
    if row["revoked_at"] is not None:
        raise BadRequest(f"Token {row['id']} is already revoked")
    connection.execute(update(api_tokens).where(c.id == row["id"]).values(revoked_at=utcnow()))
    log_operation(connection, "token.revoke", row["username"], actor_id=row["user_id"],
                  details={"token_id": row["id"]})
    return {"id": row["id"], "username": row["username"]}
