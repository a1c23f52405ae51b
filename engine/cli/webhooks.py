"""`liandong webhook …`: subscriptions, the delivery log (the outbox), delivery."""
from __future__ import annotations

import json

import click
from engine.cli.base import CliError, get_app, main
from engine.db import get_db
from engine.runtime.errors import NotFound
from engine.runtime.registry import get_registry
from engine.runtime.webhooks import delivery, store


@main.group()
def webhook() -> None:
    """Webhook subscriptions and their deliveries."""


@webhook.command("add")
@click.argument("app_name", metavar="APP")
@click.argument("form_name", metavar="FORM")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, metavar="EVENT",
              help="created, updated, deleted, transition or transition:NAME; repeat for several.")
@click.option("--secret", required=True, help="Shared secret for the X-Liandong-Signature HMAC.")
@click.option("--name", default=None, help="A name rule `webhook` actions can use as their target.")
def add(app_name, form_name, url, events, secret, name) -> None:
    """Post EVENTs of FORM in APP to URL."""
    app = get_app()
    try:
        with get_db(app).transaction() as connection:
            form = get_registry(app).get(connection, app_name).form(form_name)
            checked = store.check_events(events, form)
            if name and any(s["name"] == name for s in store.list_all(connection)):
                raise CliError(f"a webhook named {name!r} already exists")
            new_id = store.add(connection, app=app_name, form=form_name, url=url, events=checked,
                               secret=secret, name=name)
    except (NotFound, store.SubscriptionError) as error:
        raise CliError(str(error)) from error
    click.echo(f"added webhook {new_id}: {app_name}.{form_name} {','.join(checked)} → {url}")


@webhook.command("list")
def list_webhooks() -> None:
    """The subscriptions (secrets are not shown)."""
    with get_db(get_app()).read() as connection:
        rows = store.list_all(connection)
    for row in rows:
        state = "active" if row["active"] else "inactive"
        label = f" ({row['name']})" if row["name"] else ""
        click.echo(f"{row['id']}{label}\t{row['app']}.{row['form']}\t{','.join(row['events'])}\t"
                   f"{row['url']}\t{state}")
    if not rows:
        click.echo("no webhooks")


@webhook.command("remove")
@click.argument("webhook_id", metavar="ID", type=int)
def remove(webhook_id) -> None:
    """Remove a subscription; its undelivered rows are dead-lettered when next tried."""
    with get_db(get_app()).transaction() as connection:
        if not store.remove(connection, webhook_id):
            raise CliError(f"no webhook {webhook_id}")
    click.echo(f"removed webhook {webhook_id}")


@webhook.command("deliveries")
@click.option("--status", type=click.Choice(store.DELIVERY_STATUSES), default=None)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def deliveries(status, limit, as_json) -> None:
    """The delivery log, newest first."""
    with get_db(get_app()).read() as connection:
        rows = store.deliveries(connection, status=status, limit=limit)
    for row in rows:
        if as_json:
            click.echo(json.dumps({k: v for k, v in row.items() if k != "payload"}, default=str))
            continue
        error = f"\t{row['last_error']}" if row["last_error"] else ""
        click.echo(f"{row['id']}\t{row['status']}\t{row['attempts']}\t{row['app']}.{row['form']}"
                   f"#{row['record_id']}\t{row['event']}\t{row['target']}{error}")
    if not rows and not as_json:
        click.echo("no deliveries")


@webhook.command("retry")
@click.argument("delivery_id", metavar="ID", type=int)
def retry(delivery_id) -> None:
    """Put a dead delivery back in the queue (attempts start again)."""
    with get_db(get_app()).transaction() as connection:
        if not delivery.retry(connection, delivery_id):
            raise CliError(f"no dead delivery {delivery_id}")
    click.echo(f"delivery {delivery_id} is pending again")


@webhook.command("deliver")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds per HTTP request.")
def deliver(limit, timeout) -> None:
    """Run one delivery pass over the due pending deliveries."""
    stats = delivery.deliver_pending(get_app(), limit=limit, timeout=timeout)
    click.echo(" ".join(f"{key}={value}" for key, value in stats.items()))
