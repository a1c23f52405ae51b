"""Several processes send the same write with the same Idempotency-Key at
once on PostgreSQL: exactly one write, and every process gets the same answer."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import func, select

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.runtime.audit import change_log
from engine.storage.install import install_app
from tests.api.conftest import make_user
from tests.concurrency.conftest import run_processes
from tests.concurrency.workers import post_with_key

PROCESSES = min(int(os.environ.get("LIANDONG_CONCURRENCY_PROCESSES", "4")), 8)


def test_identical_keyed_requests_at_once_write_once(app, postgres_url, tmp_path):
    install_app(get_db(app), bundled_app_path("orders"))
    token = make_user(app, "integrator", admin=True)
    barrier = tmp_path / "go"
    threading.Timer(3.0, Path(barrier).touch).start()
    body = {"operations": [{"method": "POST", "form": "customer", "body": {"name": f"C{i}"}} for i in range(50)]}
    results = run_processes(post_with_key, [(postgres_url, token, "/apps/orders/batch", body, "same-key",
                                             str(barrier))] * PROCESSES)
    statuses = {status for status, _, _, _ in results}
    assert statuses == {200}, results
    assert len({text for _, text, _, _ in results}) == 1          # identical answers
    assert sum(1 for *_, replayed in results if not replayed) == 1  # one ran, the others replayed
    with get_db(app).read() as connection:
        entries = connection.execute(select(func.count()).select_from(change_log)
                                     .where(change_log.c.form == "customer")).scalar()
    assert entries == 50


def test_identical_keyed_creates_at_once_answer_the_same_location(app, postgres_url, tmp_path):
    install_app(get_db(app), bundled_app_path("orders"))
    token = make_user(app, "integrator", admin=True)
    barrier = tmp_path / "go"
    threading.Timer(3.0, Path(barrier).touch).start()
    results = run_processes(post_with_key, [(postgres_url, token, "/apps/orders/forms/customer/records",
                                             {"name": "ACME"}, "create-1", str(barrier))] * 4)
    assert {status for status, _, _, _ in results} == {201}
    assert len({(text, location) for _, text, location, _ in results}) == 1
    with get_db(app).read() as connection:
        assert connection.execute(select(func.count()).select_from(change_log)).scalar() == 1
