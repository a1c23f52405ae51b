"""`liandong webhook add|list|remove|deliveries|retry|deliver`."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.db import get_db
from engine.runtime.webhooks import delivery, store
from engine.storage.types import utcnow


def invoke(args, env):
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def cli(cli_env, hooks):
    return lambda *args: invoke(list(args), cli_env)


def test_add_list_remove(cli, app, receiver):
    result = cli("webhook", "add", "hooks", "ticket", receiver.url, "--event", "created",
                 "--event", "transition:close", "--secret", "s", "--name", "crm")
    assert result.exit_code == 0, result.output
    assert "added webhook 1: hooks.ticket created,transition:close" in result.output
    with get_db(app).read() as connection:
        [row] = store.list_all(connection)
    assert row["secret"] == "s" and row["events"] == ["created", "transition:close"] and row["active"]
    listed = cli("webhook", "list")
    assert "1 (crm)\thooks.ticket\tcreated,transition:close" in listed.output and "\ts\n" not in listed.output
    assert cli("webhook", "remove", "1").output.strip() == "removed webhook 1"
    assert cli("webhook", "list").output.strip() == "no webhooks"
    missing = cli("webhook", "remove", "1")
    assert missing.exit_code == 1 and "error: no webhook 1" in missing.output


@pytest.mark.parametrize("args, message", [
    (["nope", "ticket", "http://x.test/h", "--event", "created"], "No installed app 'nope'"),
    (["hooks", "nope", "http://x.test/h", "--event", "created"], "No form 'nope'"),
    (["hooks", "ticket", "ftp://x.test/h", "--event", "created"], "must start with http://"),
    (["hooks", "ticket", "http://x.test/h", "--event", "saved"], "unknown event 'saved'"),
    (["hooks", "ticket", "http://x.test/h", "--event", "transition:reopen"], "no transition 'reopen'"),
    (["hooks", "note", "http://x.test/h", "--event", "transition"], "has no workflow"),
])
def test_add_refuses_bad_input(cli, args, message):
    result = cli("webhook", "add", *args, "--secret", "s")
    assert result.exit_code == 1 and message in result.output, result.output


def test_deliver_deliveries_and_retry(cli, app, hooks, receiver):
    assert cli("webhook", "add", "hooks", "ticket", receiver.url, "--event", "created",
               "--secret", "s").exit_code == 0
    hooks.create(title="T")
    assert "1\tpending\t0\thooks.ticket#1\tcreated" in cli("webhook", "deliveries").output
    receiver.fail_next = 1
    assert cli("webhook", "deliver").output.strip() == "claimed=1 delivered=0 failed=1 dead=0"
    assert "HTTP 500" in cli("webhook", "deliveries", "--status", "pending").output
    refused = cli("webhook", "retry", "1")
    assert refused.exit_code == 1 and "no dead delivery 1" in refused.output
    receiver.fail_next = 1
    later = utcnow() + timedelta(minutes=5)
    assert delivery.deliver_pending(app, now=later, max_attempts=2)["dead"] == 1
    assert cli("webhook", "deliveries", "--status", "dead").output.startswith("1\tdead\t2")
    assert cli("webhook", "retry", "1").output.strip() == "delivery 1 is pending again"
    assert cli("webhook", "deliver").output.strip() == "claimed=1 delivered=1 failed=0 dead=0"
    assert cli("webhook", "deliveries", "--status", "delivered").output.startswith("1\tdelivered\t1")
    assert cli("webhook", "deliveries", "--status", "dead").output.strip() == "no deliveries"
    assert len(receiver.requests) == 3
