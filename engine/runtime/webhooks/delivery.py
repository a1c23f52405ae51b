"""The delivery worker: post pending outbox rows after commit, signed, with retries.

    deliver_pending(app_or_db, *, now=None, limit=100, timeout=5, max_attempts=None) -> dict

One pass: claim up to `limit` due rows in a short transaction (PostgreSQL:
SELECT … FOR UPDATE SKIP LOCKED, so two workers never claim the same row;
SQLite: the write transaction starts with BEGIN IMMEDIATE, which serialises
claims), push their next_attempt_at forward by a lease so no other worker
takes them, then POST each one outside any transaction and record the result.
A worker that dies mid-pass leaves rows that are retried once the lease ends,
with the same X-Liandong-Delivery key (receivers deduplicate on it).

Never call it inside a write transaction. `liandong webhook deliver` runs one
pass; a scheduled engine job can call it the same way. Returns
{"claimed", "delivered", "failed", "dead"} counts.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import aliased

from engine.runtime.outbox import outbox
from engine.runtime.webhooks.store import webhooks
from engine.storage.types import utcnow

DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 3600
LEASE_SECONDS = 300
USER_AGENT = "Liandong-Webhooks/1"


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: 30 s, 60 s, 120 s, … capped at 6 h."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _database(app_or_db):
    from engine.db import Database, get_db
    if isinstance(app_or_db, Database):
        return app_or_db, None
    return get_db(app_or_db), app_or_db.config.get("WEBHOOK_MAX_ATTEMPTS")


def deliver_pending(app_or_db, *, now: datetime | None = None, limit: int = 100, timeout: float = 5,
                    max_attempts: int | None = None) -> dict[str, int]:
    """Deliver due pending outbox rows once; see the module docstring."""
    database, configured = _database(app_or_db)
    max_attempts = max_attempts or configured or DEFAULT_MAX_ATTEMPTS
    now = now or utcnow()
    stats = {"claimed": 0, "delivered": 0, "failed": 0, "dead": 0}
    with database.transaction() as connection:
        rows = _claim(connection, now, limit)
        targets = _targets(connection, rows)
    stats["claimed"] = len(rows)
    for row in rows:
        url, secret, problem = targets[row["id"]]
        error = problem or _post(url, secret, row, timeout)
        with database.transaction() as connection:
            stats[_record(connection, row, error, now, max_attempts)] += 1
    return stats


def _claim(connection, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Due pending rows with no earlier pending row for the same record and destination."""
    earlier = aliased(outbox)
    blocked = exists().where(and_(
        earlier.c.status == "pending", earlier.c.id < outbox.c.id,
        earlier.c.app == outbox.c.app, earlier.c.form == outbox.c.form,
        earlier.c.record_id == outbox.c.record_id, earlier.c.target == outbox.c.target,
        earlier.c.subscription_id.is_not_distinct_from(outbox.c.subscription_id)))
    query = (select(outbox).where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now, ~blocked)
             .order_by(outbox.c.id).limit(limit))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=outbox)
    rows = [dict(row) for row in connection.execute(query).mappings()]
    if rows:
        connection.execute(update(outbox).where(outbox.c.id.in_([r["id"] for r in rows]))
                           .values(next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)))
    return rows


def _targets(connection, rows) -> dict[int, tuple[str | None, str, str | None]]:
    """(url, secret, error) per row. Subscription rows use their subscription's secret;
    rule `webhook` rows name a subscription (`--name`) or give a URL, signed with an
    empty secret unless a subscription has that name."""
    subs = {}
    wanted_ids = {r["subscription_id"] for r in rows if r["subscription_id"] is not None}
    names = {r["target"] for r in rows if r["subscription_id"] is None}
    if wanted_ids or names:
        for sub in connection.execute(select(webhooks).where(
                webhooks.c.id.in_(wanted_ids) | webhooks.c.name.in_(names))).mappings():
            subs[sub["id"]] = sub
            if sub["name"]:
                subs[sub["name"]] = sub
    result = {}
    for row in rows:
        if row["subscription_id"] is not None:
            sub = subs.get(row["subscription_id"])
            result[row["id"]] = ((row["target"], sub["secret"], None) if sub else
                                 (None, "", f"subscription {row['subscription_id']} was removed"))
        elif row["target"] in subs:
            sub = subs[row["target"]]
            result[row["id"]] = (sub["url"], sub["secret"], None)
        elif row["target"].startswith(("http://", "https://")):
            result[row["id"]] = (row["target"], "", None)
        else:
            result[row["id"]] = (None, "", f"no webhook named {row['target']!r} is configured")
    return result


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None     # a redirect is a failed delivery, never a re-POST elsewhere


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(url: str, secret: str, row: Mapping[str, Any], timeout: float) -> str | None:
    """None when the receiver answered 2xx, else the reason."""
    body = encode(row["payload"])
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Liandong-Event": row["event"], "X-Liandong-Delivery": row["idempotency_key"],
        "X-Liandong-Signature": sign(secret, body)})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"{type(error).__name__}: {getattr(error, 'reason', error)}"[:1000]
    return None if 200 <= status < 300 else f"HTTP {status}"


def _record(connection, row, error: str | None, now: datetime, max_attempts: int) -> str:
    attempts = row["attempts"] + 1
    values: dict[str, Any] = {"attempts": attempts, "last_attempt_at": utcnow()}
    if error is None:
        values.update(status="delivered", delivered_at=utcnow(), next_attempt_at=None, last_error=None)
        outcome = "delivered"
    elif attempts >= max_attempts:
        values.update(status="dead", next_attempt_at=None, last_error=error)
        outcome = "dead"
    else:
        values.update(next_attempt_at=now + backoff(attempts), last_error=error)
        outcome = "failed"
    connection.execute(update(outbox).where(outbox.c.id == row["id"]).values(**values))
    return outcome


def retryable(row: Mapping[str, Any]) -> bool:
    """Dead rows, and pending rows that have failed at least once (waiting out a backoff)."""
    return row["status"] == "dead" or (row["status"] == "pending" and row["last_error"] is not None)


def retry(connection, outbox_id: int, *, now: datetime | None = None, failing: bool = False) -> bool:
    """A dead row back to pending, due now, with a fresh attempt budget. With
    `failing`, a pending row that has failed (see `retryable`) is also made due
    now with a fresh budget (the admin screen's Retry button)."""
    wanted = outbox.c.status == "dead"
    if failing:
        wanted = wanted | ((outbox.c.status == "pending") & outbox.c.last_error.is_not(None))
    return connection.execute(update(outbox).where(outbox.c.id == outbox_id, wanted)
                              .values(status="pending", attempts=0, next_attempt_at=now or utcnow())
                              ).rowcount > 0
