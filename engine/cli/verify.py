"""`liandong verify [APP]` and `liandong ledger APP FORM ID`."""
from __future__ import annotations

import click

from engine.cli.base import CliError, get_app, main
from engine.db import get_db
from engine.runtime import ledger
from engine.runtime.errors import ServiceError
from engine.runtime.records.service import get_record_service, ledger_targets
from engine.runtime.registry import get_registry
from engine.runtime.rules import verify as verification


@main.command()
@click.argument("app_name", metavar="[APP]", required=False)
def verify(app_name) -> None:
    """Recompute every rule-adjusted field from the ledger and the sources.

    Prints each mismatch; exit status 1 if there is any."""
    app = get_app()
    with get_db(app).read() as connection:
        names = [app_name] if app_name else get_registry(app).names(connection)
    service = get_record_service(app)
    total = 0
    for name in names:
        try:
            mismatches = verification.run(service, name)
        except ServiceError as error:
            raise CliError(str(error)) from None
        for mismatch in mismatches:
            click.echo(f"{name}: {mismatch}")
        total += len(mismatches)
        click.echo(f"{name}: {'OK' if not mismatches else f'{len(mismatches)} mismatches'}")
    if total:
        raise SystemExit(1)


@main.command("ledger")
@click.argument("app_name", metavar="APP")
@click.argument("form")
@click.argument("record_id", type=int)
@click.option("--limit", type=click.IntRange(1, 10_000), default=100)
def show_ledger(app_name, form, record_id, limit) -> None:
    """The movements (库存流水) of one target record, newest first."""
    app = get_app()
    with get_db(app).read() as connection:
        try:
            loaded = get_registry(app).get(connection, app_name)
            targets = ledger_targets(loaded, connection, form, record_id)
        except ServiceError as error:
            raise CliError(str(error)) from None
        movements = ledger.target_movements(connection, app_name, targets, limit)
    for move in movements:
        click.echo(f"{move['at']:%Y-%m-%d %H:%M:%S}  {move['field']:<14} {move['delta']:>+14}  "
                   f"{move['rule']} ← {move['source_form']} {move['source_record_id']}"
                   f" ({move['cause_kind']}{': ' + move['cause_detail'] if move['cause_detail'] else ''})")
    if not movements:
        click.echo("no movements")
