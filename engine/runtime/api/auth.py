"""Who is calling the API: the user behind a Bearer token, else the signed-in
session user (a browser page calling the API; it must send X-CSRFToken on
state-changing calls, see engine/runtime/web/auth.py).

A request that carries an Authorization header is judged by it alone: a bad
or revoked token is 401 even if a session cookie came along, so a token
client never acts with a browser's ambient session.
"""
from __future__ import annotations

from flask import g, request

from engine.db import get_db
from engine.runtime import identity
from engine.runtime.actor import Actor, Cause
from engine.runtime.errors import Unauthorized


def current_actor() -> Actor:
    if "liandong_actor" in g:
        return g.liandong_actor
    if request.headers.get("Authorization") is not None:
        actor = _from_bearer_token()
    else:
        from engine.runtime.web.auth import current_actor_or_none
        actor = current_actor_or_none()
    if actor is None:
        raise Unauthorized("Sign in or send an API token (Authorization: Bearer …)")
    g.liandong_actor = actor
    return actor


def current_cause() -> Cause:
    actor = current_actor()
    if actor.token_id is not None:
        return Cause("api", f"token {actor.token_id}")
    return Cause("user")


def _from_bearer_token() -> Actor | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'")
    database = get_db()
    with database.read() as connection:
        actor, touch = identity.actor_for_token_and_touch(connection, token.strip())
    if actor is None:
        raise Unauthorized("The API token is unknown, revoked, or its user is disabled")
    if touch:       # a write transaction (on SQLite the write lock) at most once a minute
        with database.transaction() as connection:
            identity.touch_token(connection, actor.token_id)
    return actor


def caller_language(actor) -> str:
    """The language answers are written in: the user's setting, else the
    request's Accept-Language, else English."""
    from engine.runtime.web.i18n import normalize
    chosen = normalize(getattr(actor, "language", None))
    if chosen:
        return chosen
    return normalize(request.accept_languages.best_match(["en", "zh-CN", "zh"], default="en")) or "en"
