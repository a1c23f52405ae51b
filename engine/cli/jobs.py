"""`liandong jobs …`: scheduled jobs (cron-friendly `jobs run`)."""
from __future__ import annotations

from datetime import datetime

import click

from engine.cli.base import CliError, get_app, main


@main.group()
def jobs() -> None:
    """Scheduled jobs: the apps' `jobs` and the engine's own (change-log pruning, …)."""


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"--now: {value!r} is not an ISO date-time (e.g. 2026-11-23T06:00)") from None


@jobs.command("run")
@click.option("--now", "now", metavar="ISO", help="Pretend it is this moment (UTC unless an offset is given).")
def run_jobs(now: str | None) -> None:
    """Run every job whose current period has not run yet, once, and print what ran.

    Safe to call from cron every minute and from several machines: each job
    period is claimed in the database, so it runs exactly once."""
    from engine.runtime.jobs import run_due
    app = get_app()
    outcomes = run_due(app, _parse_now(now))
    for outcome in outcomes:
        click.echo(outcome.line())
    if not outcomes:
        click.echo("nothing due")
    if any(o.status == "failed" for o in outcomes):
        raise SystemExit(1)


@jobs.command("list")
@click.option("--now", "now", metavar="ISO", help="Show periods as of this moment.")
def list_jobs(now: str | None) -> None:
    """List every job, its schedule, its current period and its last run."""
    from engine.db import get_db
    from engine.runtime.jobs import all_jobs, period_start, store, utc_naive
    app = get_app()
    moment = utc_naive(_parse_now(now))
    with get_db(app).read() as connection:
        last = store.last_runs(connection)
    for job in all_jobs(app):
        run = last.get(job.key)
        done = (f"last {run['period_start'].isoformat(timespec='minutes')} {run['status']}"
                if run else "never ran")
        click.echo(f"{job.key}\t{job.cron}\tperiod {period_start(job.cron, moment).isoformat(timespec='minutes')}"
                   f"\t{done}")
