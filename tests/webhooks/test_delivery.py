"""Webhook subscriptions: queued with the change, delivered after commit, signed,
retried with backoff, dead-lettered, in order per record."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from engine.db import get_db
from engine.runtime import outbox as outbox_module
from engine.runtime.actor import SYSTEM
from engine.runtime.errors import ValidationFailed
from engine.runtime.webhooks import delivery
from engine.storage.types import utcnow


def later(seconds=1):
    return utcnow() + timedelta(seconds=seconds)


def test_a_created_record_is_posted_signed_with_the_subscription_secret(app, hooks, receiver):
    hooks.subscribe(receiver.url, "created", secret="top-secret")
    ticket = hooks.create(title="First", qty=2)
    stats = delivery.deliver_pending(app, now=later())
    assert stats == {"claimed": 1, "delivered": 1, "failed": 0, "dead": 0}
    [request] = receiver.requests
    body, headers = request["body"], request["headers"]
    expected = "sha256=" + hmac.new(b"top-secret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Liandong-Signature"], expected)
    assert headers["X-Liandong-Event"] == "created"
    payload = json.loads(body)
    assert payload["event"] == "created" and payload["app"] == "hooks" and payload["form"] == "ticket"
    assert payload["id"] == ticket["id"] and payload["record"]["title"] == "First"
    assert payload["previous"] is None and payload["transaction"] and payload["occurred_at"]
    [row] = hooks.rows()
    assert row["status"] == "delivered" and row["attempts"] == 1 and row["delivered_at"]
    assert headers["X-Liandong-Delivery"] == row["idempotency_key"]
    assert delivery.deliver_pending(app, now=later())["claimed"] == 0


def test_only_matching_events_forms_and_active_subscriptions_are_queued(app, hooks, receiver):
    hooks.subscribe(receiver.url, "updated", "deleted")
    hooks.subscribe(receiver.url, "transition:close", secret="other")
    ticket = hooks.create(title="T")
    hooks.create("note", text="not subscribed")
    assert hooks.rows() == []
    hooks.update(ticket, title="T2")
    hooks.service.transition("hooks", "ticket", ticket["id"], "close", actor=SYSTEM)
    hooks.service.delete("hooks", "ticket", ticket["id"], actor=SYSTEM)
    assert [(r["event"], r["subscription_id"]) for r in hooks.rows()] == [
        ("updated", 1), ("transition:close", 2), ("deleted", 1)]
    transition = hooks.rows()[1]["payload"]
    assert transition["transition"]["name"] == "close" and transition["record"]["status"] == "closed"
    deleted = hooks.rows()[2]["payload"]
    assert deleted["record"] is None and deleted["previous"]["title"] == "T2"


def test_a_rolled_back_write_queues_nothing(app, hooks):
    hooks.subscribe("http://127.0.0.1:9/x", "created", "updated")
    with pytest.raises(ValidationFailed):
        hooks.create(title="Bad", qty=-1)          # refused by the form check at the end
    with pytest.raises(RuntimeError):
        with hooks.service.unit_of_work("hooks", SYSTEM) as session:
            session.create("ticket", {"title": "lost"})
            raise RuntimeError("boom")
    assert hooks.rows() == []


def test_one_event_per_record_and_one_subscription_query_per_session(app, hooks):
    hooks.subscribe("http://127.0.0.1:9/x", "created", "updated")
    statements = []
    engine = get_db(app).engine

    def count(conn, cursor, statement, *args):
        if "ld_webhooks" in statement:
            statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        with hooks.service.unit_of_work("hooks", SYSTEM) as session:
            ids = [session.create("ticket", {"title": f"T{i}"})["id"] for i in range(3)]
            session.update("ticket", ids[0], {"title": "T0 again"})
            session.create("note", {"text": "x"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1                    # ticket and note: one query for the app
    rows = hooks.rows()
    assert [(r["event"], r["record_id"]) for r in rows] == [
        ("created", ids[0]), ("created", ids[1]), ("created", ids[2]), ("updated", ids[0])]
    assert len({r["payload"]["transaction"] for r in rows}) == 1


def test_failures_retry_with_backoff_and_the_same_idempotency_key(app, hooks, receiver):
    hooks.subscribe(receiver.url, "created")
    hooks.create(title="T")
    receiver.fail_next = 2
    t0 = later()
    assert delivery.deliver_pending(app, now=t0)["failed"] == 1
    [row] = hooks.rows()
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_error"] == "HTTP 500"
    assert row["next_attempt_at"] == t0 + timedelta(seconds=30)
    assert delivery.deliver_pending(app, now=t0 + timedelta(seconds=29))["claimed"] == 0
    t1 = t0 + timedelta(seconds=30)
    assert delivery.deliver_pending(app, now=t1)["failed"] == 1
    assert hooks.rows()[0]["next_attempt_at"] == t1 + timedelta(seconds=60)
    assert delivery.deliver_pending(app, now=t1 + timedelta(seconds=60))["delivered"] == 1
    keys = {r["headers"]["X-Liandong-Delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and keys == {row["idempotency_key"]}
    [row] = hooks.rows()
    assert row["status"] == "delivered" and row["attempts"] == 3 and row["last_error"] is None


def test_dead_after_max_attempts_and_retry_puts_it_back(app, hooks, receiver):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 3
    hooks.subscribe(receiver.url, "created")
    hooks.create(title="T")
    receiver.fail_next = 100
    now = later()
    outcomes = []
    for _ in range(3):
        stats = delivery.deliver_pending(app, now=now)
        outcomes.append("dead" if stats["dead"] else "failed")
        now += timedelta(hours=7)
    assert outcomes == ["failed", "failed", "dead"]
    [row] = hooks.rows()
    assert row["status"] == "dead" and row["attempts"] == 3 and row["next_attempt_at"] is None
    assert delivery.deliver_pending(app, now=now)["claimed"] == 0
    receiver.fail_next = 0
    with get_db(app).transaction() as connection:
        assert delivery.retry(connection, row["id"], now=now)
    assert delivery.deliver_pending(app, now=now)["delivered"] == 1


def test_events_of_one_record_are_delivered_in_order(app, hooks, receiver):
    hooks.subscribe(receiver.url, "created", "updated")
    first = hooks.create(title="A")
    hooks.update(first, title="A2")
    other = hooks.create(title="B")
    receiver.fail_next = 1                          # the first event of A fails
    t0 = later()
    stats = delivery.deliver_pending(app, now=t0)
    assert stats == {"claimed": 2, "delivered": 1, "failed": 1, "dead": 0}   # A2 waits, B goes
    assert receiver.events() == [("created", other["id"])]
    assert delivery.deliver_pending(app, now=t0 + timedelta(seconds=10))["claimed"] == 0
    t1 = t0 + timedelta(seconds=30)
    assert delivery.deliver_pending(app, now=t1)["delivered"] == 1          # created A
    assert delivery.deliver_pending(app, now=t1)["delivered"] == 1          # then updated A
    assert receiver.events() == [("created", other["id"]), ("created", first["id"]),
                                 ("updated", first["id"])]


def test_rule_rows_use_a_named_subscription_or_post_unsigned_to_a_url(app, hooks, receiver):
    hooks.subscribe(receiver.url, "deleted", secret="named-secret", name="crm")
    with get_db(app).transaction() as connection:
        for target in ("crm", receiver.url, "nowhere"):
            outbox_module.enqueue(connection, app="hooks", form="ticket", record_id=1,
                                  event="created", target=target, payload={"n": target})
    stats = delivery.deliver_pending(app, now=later())
    assert stats["delivered"] == 2 and stats["failed"] == 1
    named, plain = receiver.requests
    assert named["headers"]["X-Liandong-Signature"] == delivery.sign("named-secret", named["body"])
    assert plain["headers"]["X-Liandong-Signature"] == delivery.sign("", plain["body"])
    assert hooks.rows()[2]["last_error"] == "no webhook named 'nowhere' is configured"


def test_an_unreachable_receiver_is_a_failed_attempt(app, hooks):
    hooks.subscribe("http://127.0.0.1:9/closed", "created")
    hooks.create(title="T")
    assert delivery.deliver_pending(app, now=later(), timeout=2)["failed"] == 1
    assert hooks.rows()[0]["last_error"]


def test_two_workers_never_send_the_same_row(app, hooks, receiver):
    hooks.subscribe(receiver.url, "created")
    with hooks.service.unit_of_work("hooks", SYSTEM) as session:
        for i in range(6):
            session.create("ticket", {"title": f"T{i}"})
    receiver.delay = 0.05
    now = later()
    results = []
    workers = [threading.Thread(target=lambda: results.append(delivery.deliver_pending(app, now=now)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(r["delivered"] for r in results) == 6
    keys = [r["headers"]["X-Liandong-Delivery"] for r in receiver.requests]
    assert len(keys) == 6 and len(set(keys)) == 6


def test_jobs_run_delivers_pending_webhooks(app, cli_env):
    """`liandong jobs run` includes the webhook delivery engine job, once per minute."""
    from click.testing import CliRunner
    from engine.cli import main
    result = CliRunner().invoke(main, ["jobs", "run", "--now", "2026-11-26T08:00:30"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "engine:deliver_webhooks 2026-11-26T08:00" in result.output
    again = CliRunner().invoke(main, ["jobs", "run", "--now", "2026-11-26T08:00:50"], env=cli_env)
    assert "deliver_webhooks" not in again.output
