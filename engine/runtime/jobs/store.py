"""ld_job_runs: one row per (job, period). The UNIQUE pair is the claim: the
process whose INSERT commits runs the period, every other one skips it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String, Table, Text, UniqueConstraint, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.storage.system import system_metadata
from engine.storage.types import ID_TYPE, utcnow

job_runs = Table(
    "ld_job_runs", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("job", String(120), nullable=False),             # engine:NAME or app:APP:NAME
    Column("period_start", DateTime, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("status", String(20), nullable=False),           # running | done | failed
    Column("detail", Text, nullable=True),
    UniqueConstraint("job", "period_start", name="uq_ld_job_runs_job_period"),
)


def claim(database, job: str, period_start: datetime) -> int | None:
    """Insert the run row in its own transaction; its id, or None if another process won."""
    try:
        with database.transaction() as connection:
            return connection.execute(insert(job_runs).values(
                job=job, period_start=period_start, started_at=utcnow(), status="running")
            ).inserted_primary_key[0]
    except IntegrityError:
        return None


def finish(database, run_id: int, status: str, detail: str | None) -> None:
    with database.transaction() as connection:
        connection.execute(update(job_runs).where(job_runs.c.id == run_id).values(
            finished_at=utcnow(), status=status, detail=(detail or "")[:2000] or None))


def last_runs(connection: Connection) -> dict[str, dict]:
    """The latest run of every job (for `jobs list`)."""
    latest: dict[str, dict] = {}
    for row in connection.execute(select(job_runs).order_by(job_runs.c.period_start)).mappings():
        latest[row["job"]] = dict(row)
    return latest
