"""`liandong api prune-keys`: forget Idempotency-Key answers past their retention."""
from __future__ import annotations

import click

from engine.cli.base import get_app, main


@main.group("api")
def api_group() -> None:
    """The REST API's stored state."""


@api_group.command("prune-keys")
def prune_keys() -> None:
    """Delete Idempotency-Key answers older than IDEMPOTENCY_RETENTION_HOURS (at least 24).

    The engine job prune_idempotency_keys does the same every hour."""
    from engine.runtime.api.idempotency import prune_keys as prune
    click.echo(prune(get_app()))
