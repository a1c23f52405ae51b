"""Login throttling per username and per address, counted in the database.

The failures are the `login.failure` entries of the operation log, so every
worker (and every process behind a load balancer) sees the same count, and
the evidence an operator reads is the evidence the throttle acts on.

- per username: `limit` failures within `window` lock further attempts for
  that name until the oldest of them leaves the window; a successful sign-in
  clears the count (the owner proved who they are);
- per address: the same limit over all names tried from one address, not
  cleared by a success (else a valid account would reset a password spray).

Attempts refused while throttled are logged as `login.throttled` and do not
count, so the lock ends on time even while someone keeps knocking.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from engine.storage.system import operation_log
from engine.storage.types import utcnow

FAILURE, SUCCESS, THROTTLED = "login.failure", "login.success", "login.throttled"


def clock() -> datetime:
    """Now, as naive UTC (tests move it forward)."""
    return utcnow()


def retry_after(connection: Connection, username: str, address: str | None, *,
                limit: int, window: timedelta) -> int | None:
    """Seconds until a sign-in for `username` from `address` may be tried again,
    or None when it may be tried now."""
    now = clock()
    since = now - window
    log = operation_log.c
    waits = []
    last_success = connection.execute(
        select(func.max(log.at)).where(log.action == SUCCESS, log.target == username, log.at >= since)).scalar()
    by_name = _failures(connection, log.target == username, max(since, last_success or since), limit)
    waits.append(_wait(by_name, limit, window, now))
    if address:
        waits.append(_wait(_failures(connection, log.address == address, since, limit), limit, window, now))
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


def _failures(connection: Connection, condition, since: datetime, limit: int) -> list[datetime]:
    """The times of the latest `limit` failures matching `condition` since `since`."""
    log = operation_log.c
    rows = connection.execute(select(log.at).where(log.action == FAILURE, log.at > since, condition)
                              .order_by(log.at.desc()).limit(limit))
    return [at for (at,) in rows]


def _wait(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> int | None:
    if len(failures) < limit:
        return None
    released = min(failures) + window
    seconds = (released - now).total_seconds()
    return max(1, int(seconds + 0.999)) if seconds > 0 else None
