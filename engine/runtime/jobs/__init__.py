"""Scheduled jobs: app jobs (the definition's `jobs`) and engine jobs (Python
functions registered with `register_engine_job`).

`run_due(flask_app, now)` runs every job whose latest period (the last cron
fire time at or before `now`, minute precision, UTC) has not run yet. Each
period is claimed first by inserting (job, period_start) into ld_job_runs in
its own transaction (UNIQUE): with several processes or threads, exactly one
insert commits and only that one runs the period. A failed run stays claimed
(status `failed`, the error in `detail`); the next period runs as usual.
`liandong jobs run` calls it once; `liandong run` starts `scheduler.start()`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineJob:
    name: str
    cron: str
    func: Callable[[Flask, datetime], Any]     # (flask app, period start) -> summary text or None


ENGINE_JOBS: dict[str, EngineJob] = {}


def register_engine_job(name: str, cron: str, func: Callable[[Flask, datetime], Any]) -> None:
    """Add (or replace) an engine job: `func(flask_app, period_start)` runs once per cron period."""
    from engine.definitions.semantic_jobs import cron_problem
    problem = cron_problem(cron)
    if problem:
        raise ValueError(f"engine job {name!r}: {problem}")
    ENGINE_JOBS[name] = EngineJob(name, cron, func)


@dataclass(frozen=True)
class JobOutcome:
    key: str
    period_start: datetime
    status: str                 # done | failed
    detail: str

    def line(self) -> str:
        return f"{self.key} {self.period_start.isoformat(timespec='minutes')} {self.status}: {self.detail}"


@dataclass(frozen=True)
class ScheduledJob:
    key: str                    # engine:NAME or app:APP:NAME
    cron: str
    run: Callable[[Flask, datetime], Any]
    label: str = ""


def period_start(cron: str, now: datetime) -> datetime:
    """The latest fire time of `cron` at or before `now` (naive UTC)."""
    from croniter import croniter
    base = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return croniter(cron, base).get_prev(datetime)


def utc_naive(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(timezone.utc).replace(tzinfo=None)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def all_jobs(flask_app: Flask) -> list[ScheduledJob]:
    """Engine jobs, then every installed app's jobs."""
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    jobs = [ScheduledJob(f"engine:{job.name}", job.cron, job.func, job.name)
            for job in ENGINE_JOBS.values()]
    registry = get_registry(flask_app)
    with get_db(flask_app).read() as connection:
        for app_name in registry.names(connection):
            for job in registry.get(connection, app_name).model.jobs:
                jobs.append(ScheduledJob(f"app:{app_name}:{job.name}", job.cron,
                                         _app_job_runner(app_name, job), job.label.get("en", job.name)))
    return jobs


def run_due(flask_app: Flask, now: datetime | None = None) -> list[JobOutcome]:
    """Run every due, unclaimed job period once; what ran (claims lost are left out)."""
    from engine.db import get_db
    from engine.runtime.jobs import store
    moment = utc_naive(now)
    database = get_db(flask_app)
    outcomes = []
    for job in all_jobs(flask_app):
        start = period_start(job.cron, moment)
        run_id = store.claim(database, job.key, start)
        if run_id is None:
            continue
        try:
            with flask_app.app_context():
                detail = job.run(flask_app, start)
            status, text = "done", str(detail) if detail is not None else "ok"
        except Exception as exc:     # one broken job must not stop the others
            log.exception("job %s failed", job.key)
            status, text = "failed", f"{type(exc).__name__}: {exc}"
        store.finish(database, run_id, status, text)
        outcomes.append(JobOutcome(job.key, start, status, text))
    return outcomes


def _app_job_runner(app_name: str, job) -> Callable[[Flask, datetime], str]:
    def run(flask_app: Flask, start: datetime) -> str:
        from engine.runtime.actor import SYSTEM, Cause
        from engine.runtime.expressions import compile_expression
        from engine.runtime.jobs.reports import REPORTS
        from engine.runtime.records.service import get_record_service
        service = get_record_service(flask_app)
        cause = Cause("job", job.name)
        action = job.action
        if "anomalies" in action:
            from engine.runtime.analysis.anomalies_job import run_anomaly_job
            return run_anomaly_job(flask_app, app_name, action["anomalies"], start)
        if "report" in action:
            builder = REPORTS[action["report"]]
            # A job has nobody to ask: it accepts warning checks (errors still refuse).
            with service.unit_of_work(app_name, SYSTEM, cause, confirm=True) as session:
                record = builder.build(session, start)
            return f"created {builder.requires[-1]} {record['id']}"
        values = {field: compile_expression(source).evaluate({})
                  for field, source in (action.get("values") or {}).items()}
        record = service.create(app_name, action["create"], values, actor=SYSTEM, cause=cause,
                                confirm=True)
        return f"created {action['create']} {record['id']}"
    return run


def _prune_change_log(flask_app: Flask, start: datetime) -> str:
    """The change log and the log of refused saves keep AUDIT_RETENTION_DAYS."""
    from engine.db import get_db
    from engine.runtime import audit, rejections
    keep = flask_app.config["AUDIT_RETENTION_DAYS"]
    with get_db(flask_app).transaction() as connection:
        removed = audit.prune(connection, keep)
        refused = rejections.prune(connection, keep)
    return f"removed {removed} change-log entries and {refused} refused saves older than {keep} days"


def _deliver_webhooks(flask_app: Flask, start: datetime) -> str:
    """Post due outbox rows (signed, retried with backoff) every minute."""
    from engine.runtime.webhooks.delivery import deliver_pending
    stats = deliver_pending(flask_app)
    return ", ".join(f"{key} {value}" for key, value in stats.items())


def _prune_sessions(flask_app: Flask, start: datetime) -> str:
    """Sign-in sessions no cookie can use any more (revoked, or idle longer
    than a session cookie lives) are removed."""
    from engine.db import get_db
    from engine.runtime import sessions
    with get_db(flask_app).transaction() as connection:
        removed = sessions.prune(connection, flask_app.permanent_session_lifetime)
    return f"removed {removed} ended or expired sign-in sessions"


register_engine_job("prune_change_log", "30 3 * * *", _prune_change_log)
register_engine_job("prune_sessions", "40 3 * * *", _prune_sessions)
register_engine_job("deliver_webhooks", "* * * * *", _deliver_webhooks)
