"""Code that runs inside the worker processes of the concurrency tests
(importable by spawned processes, so it lives in a module of its own)."""
from __future__ import annotations

import os
import tempfile


def make_app(database_url):
    os.environ["LIANDONG_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="ld-worker-")
    from engine import create_app
    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "worker"})


def create_orders(database_url, customer, warehouse, product, count, barrier_path):
    """Create `count` orders as fast as possible; return their numbers."""
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    app = make_app(database_url)
    service = get_record_service(app)
    _wait_for_start(barrier_path)
    numbers = []
    for _ in range(count):
        record = service.create("orders", "sales_order", {
            "customer": customer, "warehouse": warehouse,
            "lines": [{"product": product, "qty": 1}]}, actor=SYSTEM)
        numbers.append(record["number"])
    return numbers


def _wait_for_start(path, timeout=60.0):
    """All workers start writing together, to maximise contention."""
    import time
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)


def sell_one_unit(database_url, app_name, warehouse, product, attempts, barrier_path):
    """Try `attempts` one-unit shipped sales; return (sold, refused)."""
    from engine.runtime.actor import SYSTEM
    from engine.runtime.errors import ValidationFailed
    from engine.runtime.records.service import get_record_service
    app = make_app(database_url)
    service = get_record_service(app)
    _wait_for_start(barrier_path)
    sold = refused = 0
    for _ in range(attempts):
        try:
            service.create(app_name, "sales_order", {
                "warehouse": warehouse, "status": "shipped",
                "lines": [{"product": product, "qty": 1}]}, actor=SYSTEM)
            sold += 1
        except ValidationFailed as error:
            assert [d.message for d in error.details] == ["Insufficient stock"], error
            refused += 1
    return sold, refused


def post_with_key(database_url, token, path, body, key, barrier_path):
    """One API request with an Idempotency-Key, sent when the barrier opens;
    returns (status, body text, Location header, replayed?)."""
    app = make_app(database_url)
    client = app.test_client()
    _wait_for_start(barrier_path)
    response = client.post("/api/v1" + path, json=body,
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
    return (response.status_code, response.get_data(as_text=True), response.headers.get("Location"),
            response.headers.get("Idempotent-Replayed") == "true")
