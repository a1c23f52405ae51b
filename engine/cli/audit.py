"""`liandong audit …`: change-log retention."""
from __future__ import annotations

import click

from engine.cli.base import get_app, main
from engine.db import get_db
from engine.runtime import audit as change_log


@main.group()
def audit() -> None:
    """The change log."""


@audit.command("prune")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep this many days (default: the AUDIT_RETENTION_DAYS setting, 365).")
def prune(days) -> None:
    """Delete change-log entries older than the retention period."""
    app = get_app()
    keep = days or app.config["AUDIT_RETENTION_DAYS"]
    with get_db(app).transaction() as connection:
        removed = change_log.prune(connection, keep)
    click.echo(f"removed {removed} change-log entries older than {keep} days")
