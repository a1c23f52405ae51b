"""Benchmark: create sales orders with 10 lines through the record service,
against a hand-written SQLAlchemy Core baseline doing the same writes
(order row, 10 line rows, autonumber, change-log entry) in one transaction each.

    python -m benchmarks.bench_create_orders [--orders N] [--rounds R] [--database-url URL]

Prints both times and `RATIO create_order <engine/baseline> <target>`.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select

from benchmarks.common import Result, command_line, interleaved, sqlite_url

TARGET = 2.0
LINES = 10


def build_app(database_url: str):
    os.environ.setdefault("LIANDONG_INSTANCE_PATH", tempfile.mkdtemp(prefix="ld-bench-"))
    from engine import create_app
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.storage.install import install_app
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    install_app(get_db(app), bundled_app_path("orders"))
    return app


def seed(service, actor):
    customer = service.create("orders", "customer", {"name": "Bench customer"}, actor=actor)
    warehouse = service.create("orders", "warehouse", {"code": "B1", "name": "Bench"}, actor=actor)
    products = [service.create("orders", "product", {"sku": f"B{i}", "name": f"Bench {i}",
                                                     "unit_price": 1 + i}, actor=actor)
                for i in range(LINES)]
    return customer["id"], warehouse["id"], [(p["id"], Decimal(1 + i)) for i, p in enumerate(products)]


def run_engine(service, actor, customer, warehouse, products, count) -> float:
    lines = [{"product": pid, "qty": 2} for pid, _ in products]
    started = time.perf_counter()
    for _ in range(count):
        service.create("orders", "sales_order",
                       {"customer": customer, "warehouse": warehouse, "lines": lines}, actor=actor)
    return time.perf_counter() - started


def run_baseline(database, loaded, customer, warehouse, products, count) -> float:
    """What a careful hand-written app would execute for the same orders."""
    started = time.perf_counter()
    for _ in range(count):
        with database.transaction() as connection:
            baseline_insert(connection, loaded, customer, warehouse, [pid for pid, _ in products], 2)
    return time.perf_counter() - started


def baseline_insert(connection, loaded, customer, warehouse, product_ids, qty) -> dict:
    """One order with its lines, hand-written: number, prices, link checks, rows,
    change-log entry. Returns the stored order as JSON-ready values."""
    from engine.runtime import audit
    from engine.runtime.records import autonumber
    orders = loaded.tables.form("sales_order")
    lines_table = loaded.tables.subform("sales_order", "lines")
    product_table, customer_table, warehouse_table = (
        loaded.tables.form(name) for name in ("product", "customer", "warehouse"))
    number = autonumber.next_number(connection, "orders", "sales_order", "number",
                                    "SO{YYYY}{MM}-{seq:4}", date.today())
    # The same lookups the engine needs: prices to fill in, links to check.
    prices = dict(connection.execute(
        select(product_table.c.id, product_table.c.unit_price)
        .where(product_table.c.id.in_(product_ids))).all())
    linked = connection.execute(select(customer_table.c.id).where(customer_table.c.id == customer)).all()
    linked += connection.execute(select(warehouse_table.c.id).where(warehouse_table.c.id == warehouse)).all()
    assert len(prices) == len(set(product_ids)) and len(linked) == 2
    rows = [{"product": pid, "qty": Decimal(qty), "price": prices[pid], "amount": prices[pid] * qty}
            for pid in product_ids]
    total = sum(r["amount"] for r in rows)
    now = audit.utcnow()
    order_id = connection.execute(insert(orders).values(
        number=number, customer=customer, warehouse=warehouse, date=date.today(),
        total=total, status="draft", created_at=now, updated_at=now, version=1)
    ).inserted_primary_key[0]
    connection.execute(insert(lines_table), [dict(r, parent_id=order_id, position=i)
                                             for i, r in enumerate(rows)])
    snapshot = {"id": order_id, "number": number, "total": float(total), "customer": customer,
                "warehouse": warehouse, "status": "draft", "version": 1,
                "lines": [{k: float(v) if isinstance(v, Decimal) else v for k, v in r.items()}
                          for r in rows]}
    connection.execute(insert(audit.change_log).values(
        tx_id=audit.new_transaction_id(), at=now, actor_id=None, actor_name="system",
        app="orders", form="sales_order", record_id=order_id, action="create",
        cause_kind="system", cause_detail=None, changes=json.loads(json.dumps(snapshot)),
        snapshot=snapshot))
    return snapshot


def measure(database_url: str, orders: int, rounds: int) -> Result:
    app = build_app(database_url)
    from engine.db import get_db
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    from engine.runtime.registry import get_registry
    service, database = get_record_service(app), get_db(app)
    customer, warehouse, products = seed(service, SYSTEM)
    with database.read() as connection:
        loaded = get_registry(app).get(connection, "orders")
    run_engine(service, SYSTEM, customer, warehouse, products, 5)          # warm caches
    run_baseline(database, loaded, customer, warehouse, products, 5)
    engine_wall, baseline_wall, ratio = interleaved(
        rounds, lambda: run_engine(service, SYSTEM, customer, warehouse, products, orders),
        lambda: run_baseline(database, loaded, customer, warehouse, products, orders),
        cpu=database.dialect == "sqlite")
    database.engine.dispose()
    return Result("create_order", database.dialect, ratio, TARGET,
                  f"{engine_wall * 1000 / orders:.2f} ms/order", f"{baseline_wall * 1000 / orders:.2f} ms/order",
                  notes=f"{LINES} lines, record service; median of {rounds} rounds x {orders} orders")


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    return [measure(database_url or sqlite_url(), 30 if quick else 40, 5 if quick else 9)]


def main(argv=None) -> list[Result]:
    return command_line(__doc__, measure, argv, size=("orders", 40, "orders per round"), rounds=("rounds", 9))


if __name__ == "__main__":
    main()
