"""8 processes sell one unit at a time against the same stock row on PostgreSQL:
no lost update, no oversell, and every refused sale leaves nothing behind."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.db import get_db
from engine.runtime.audit import change_log
from engine.runtime.ledger import effect_ledger
from engine.runtime.registry import get_registry
from engine.storage.install import install_app
from tests.concurrency.conftest import run_processes
from tests.concurrency.workers import sell_one_unit
from tests.rules.conftest import MINI_APP, Mini

PROCESSES = int(os.environ.get("LIANDONG_CONCURRENCY_PROCESSES", "8"))      # `make soak`: more
ATTEMPTS = 200


def count(app, table, *conditions):
    with get_db(app).read() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*conditions)).scalar()


@pytest.mark.parametrize("initial", [1000, 100])
def test_concurrent_sales_never_oversell(app, postgres_url, tmp_path, initial):
    install_app(get_db(app), MINI_APP)
    mini = Mini(app)
    product = mini.create("product", sku="P", name="P")
    warehouse = mini.create("warehouse", code="W")
    mini.create("purchase_receipt", warehouse=warehouse["id"], status="received",
                lines=[{"product": product["id"], "qty": initial}])
    barrier = tmp_path / "go"
    threading.Timer(3.0, Path(barrier).touch).start()
    results = run_processes(sell_one_unit, [(postgres_url, "mini", warehouse["id"], product["id"],
                                              ATTEMPTS, str(barrier))] * PROCESSES, timeout=600)
    sold = sum(s for s, _ in results)
    refused = sum(r for _, r in results)
    assert sold + refused == PROCESSES * ATTEMPTS
    assert sold == min(initial, PROCESSES * ATTEMPTS)
    assert mini.stock(product, warehouse) == initial - sold >= 0
    with get_db(app).read() as connection:
        orders = get_registry(app).get(connection, "mini").tables.form("sales_order")
    assert count(app, orders) == sold
    assert count(app, change_log, change_log.c.form == "sales_order") == sold
    assert count(app, effect_ledger, effect_ledger.c.rule == "shipped_sales_line_decrements_stock") == sold
    from click.testing import CliRunner
    from engine.cli import main
    result = CliRunner().invoke(main, ["verify", "mini"], env={"LIANDONG_DATABASE_URL": postgres_url})
    assert result.exit_code == 0, result.output
    print(f"initial {initial}: sold {sold}, refused {refused}")
