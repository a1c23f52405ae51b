"""Autonumbers under concurrency: 8 processes, no duplicate, no lost order."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.runtime.actor import SYSTEM
from engine.runtime.records.service import get_record_service
from engine.storage.install import install_app
from tests.concurrency.conftest import run_processes
from tests.concurrency.workers import create_orders

PROCESSES = int(os.environ.get("LIANDONG_CONCURRENCY_PROCESSES", "8"))      # `make soak`: more
ORDERS_EACH = 25


def test_eight_processes_never_share_a_number(app, postgres_url, tmp_path):
    install_app(get_db(app), bundled_app_path("orders"))
    service = get_record_service(app)
    customer = service.create("orders", "customer", {"name": "C"}, actor=SYSTEM)["id"]
    warehouse = service.create("orders", "warehouse", {"code": "W", "name": "W"}, actor=SYSTEM)["id"]
    product = service.create("orders", "product", {"sku": "P", "name": "P", "unit_price": 1}, actor=SYSTEM)["id"]
    barrier = tmp_path / "go"
    threading.Timer(3.0, Path(barrier).touch).start()
    started = time.monotonic()
    results = run_processes(create_orders, [(postgres_url, customer, warehouse, product, ORDERS_EACH,
                                             str(barrier))] * PROCESSES)
    numbers = [n for result in results for n in result]
    assert len(numbers) == PROCESSES * ORDERS_EACH
    assert len(set(numbers)) == len(numbers), "duplicate autonumbers"
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequence == list(range(1, len(numbers) + 1))     # same transaction: no gaps either
    page = service.list("orders", "sales_order", actor=SYSTEM, limit=500)
    assert len(page.items) == len(numbers)
    print(f"{len(numbers)} orders from {PROCESSES} processes in {time.monotonic() - started:.1f}s")
