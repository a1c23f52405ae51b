"""Benchmark: post a 10-line sales order whose lines each drive 2 contribution
rules (stock on_hand −qty, product sold_qty +qty), through the record service,
against a hand-written SQLAlchemy Core baseline doing the same writes: order and
lines, 20 atomic target updates, 20 ledger rows and the change-log entries.

    python -m benchmarks.bench_post_order_rules [--orders N] [--rounds R] [--database-url URL]
"""
from __future__ import annotations

import os
import tempfile
import time
from decimal import Decimal

from sqlalchemy import insert, update

from benchmarks.common import Result, command_line, median_ratio, sqlite_url

TARGET = 1.5
LINES = 10
DEFINITION = {
    "app": "bench", "version": "1.0.0",
    "forms": [
        {"name": "product", "title": "name", "fields": [
            {"name": "name", "type": "text", "required": True},
            {"name": "sold_qty", "type": "decimal", "scale": 3, "default": 0}]},
        {"name": "warehouse", "title": "code", "fields": [{"name": "code", "type": "text", "required": True}]},
        {"name": "stock", "unique": [["product", "warehouse"]], "fields": [
            {"name": "product", "type": "link", "form": "product", "required": True},
            {"name": "warehouse", "type": "link", "form": "warehouse", "required": True},
            {"name": "on_hand", "type": "decimal", "scale": 3, "default": 0}],
         "checks": [{"when": "on_hand < 0", "message": "Insufficient stock"}]},
        {"name": "sales_order", "fields": [
            {"name": "warehouse", "type": "link", "form": "warehouse", "required": True},
            {"name": "status", "type": "select", "options": ["draft", "shipped"], "default": "shipped"},
            {"name": "lines", "type": "subform", "fields": [
                {"name": "product", "type": "link", "form": "product", "required": True},
                {"name": "qty", "type": "decimal", "scale": 3, "required": True}]}]}],
    "rules": [
        {"name": "ship_decrements_stock", "source": "sales_order.lines", "when": "parent.status == 'shipped'",
         "target": "stock", "match": {"product": "product", "warehouse": "parent.warehouse"},
         "adjust": {"on_hand": "-qty"}},
        {"name": "ship_counts_sales", "source": "sales_order.lines", "when": "parent.status == 'shipped'",
         "target": "product", "match": {"id": "product"}, "adjust": {"sold_qty": "qty"}}],
}


def setup(database_url: str):
    os.environ.setdefault("LIANDONG_INSTANCE_PATH", tempfile.mkdtemp(prefix="ld-bench-"))
    from engine import create_app
    from engine.db import get_db
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    from engine.runtime.registry import get_registry
    from engine.storage.install import install_app
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    install_app(get_db(app), DEFINITION)
    service = get_record_service(app)
    warehouse = service.create("bench", "warehouse", {"code": "W"}, actor=SYSTEM)["id"]
    products = [service.create("bench", "product", {"name": f"P{i}"}, actor=SYSTEM)["id"] for i in range(LINES)]
    with get_db(app).transaction() as connection:
        stock = get_registry(app).get(connection, "bench").tables.form("stock")
        # Opening balance straight into the table: both runs then only post orders.
        connection.execute(insert(stock), [{"product": p, "warehouse": warehouse, "on_hand": 10**6,
                                            "version": 1} for p in products])
    with get_db(app).read() as connection:
        loaded = get_registry(app).get(connection, "bench")
    return app, service, loaded, warehouse, products


def run_engine(service, warehouse, products, count) -> float:
    from engine.runtime.actor import SYSTEM
    body = {"warehouse": warehouse, "lines": [{"product": p, "qty": 1} for p in products]}
    started = time.perf_counter()
    for _ in range(count):
        service.create("bench", "sales_order", body, actor=SYSTEM)
    return time.perf_counter() - started


def run_baseline(database, loaded, warehouse, products, count) -> float:
    """The writes a careful hand-written app makes for the same posting."""
    from engine.runtime import audit, ledger
    orders, lines = loaded.tables.form("sales_order"), loaded.tables.subform("sales_order", "lines")
    stock, product = loaded.tables.form("stock"), loaded.tables.form("product")
    started = time.perf_counter()
    for _ in range(count):
        with database.transaction() as connection:
            now, tx = audit.utcnow(), audit.new_transaction_id()
            order_id = connection.execute(insert(orders), {"warehouse": warehouse, "status": "shipped",
                                                           "created_at": now, "version": 1}).inserted_primary_key[0]
            line_ids = connection.execute(insert(lines).returning(lines.c.id, sort_by_parameter_order=True),
                                          [{"parent_id": order_id, "position": i, "product": p, "qty": Decimal(1)}
                                           for i, p in enumerate(products)]).scalars().all()
            movements, entries = [], [_entry(tx, "sales_order", order_id)]
            for line_id, p in zip(line_ids, products):
                stock_id, on_hand = connection.execute(
                    update(stock).where(stock.c.product == p, stock.c.warehouse == warehouse)
                    .values(on_hand=stock.c.on_hand - 1).returning(stock.c.id, stock.c.on_hand)).one()
                assert on_hand >= 0
                connection.execute(update(product).where(product.c.id == p).values(sold_qty=product.c.sold_qty + 1))
                movements += [_move(tx, now, "ship_decrements_stock", line_id, order_id, "stock", stock_id, "on_hand", -1),
                              _move(tx, now, "ship_counts_sales", line_id, order_id, "product", p, "sold_qty", 1)]
                entries += [_entry(tx, "stock", stock_id), _entry(tx, "product", p)]
            connection.execute(insert(ledger.effect_ledger), movements)
            connection.execute(insert(audit.change_log), entries)
    return time.perf_counter() - started


def _move(tx, now, rule, source_id, record_id, target, target_id, field, delta):
    return {"tx_id": tx, "at": now, "app": "bench", "rule": rule, "source_form": "sales_order.lines",
            "source_id": source_id, "source_record_id": record_id, "target_form": target,
            "target_id": target_id, "field": field, "delta": Decimal(delta), "actor_id": None,
            "cause_kind": "rule", "cause_detail": rule}


def _entry(tx, form, record_id):
    from engine.runtime import audit
    return {"tx_id": tx, "at": audit.utcnow(), "actor_id": None, "actor_name": "system", "app": "bench",
            "form": form, "record_id": record_id, "action": "update", "cause_kind": "rule",
            "cause_detail": None, "changes": {"fields": {}}, "snapshot": {"id": record_id}}


def measure(database_url: str, orders: int, rounds: int) -> Result:
    """`rounds` rounds of baseline and engine back to back (alternating which goes
    first), `orders` orders each; the median of the per-round ratios.

    On SQLite all the work happens in this process, so the ratio is taken from
    CPU time, which other processes on a shared machine barely disturb; on
    PostgreSQL half the work is in the server, so wall time it is."""
    app, service, loaded, warehouse, products = setup(database_url)
    from engine.db import get_db
    database = get_db(app)
    clock = time.process_time if database.dialect == "sqlite" else time.perf_counter
    run_engine(service, warehouse, products, 5)                     # warm caches
    run_baseline(database, loaded, warehouse, products, 5)
    pairs, walls = [], []
    for round_number in range(rounds):
        sides = {}
        for side in (("baseline", "engine") if round_number % 2 == 0 else ("engine", "baseline")):
            started, wall = clock(), time.perf_counter()
            if side == "engine":
                run_engine(service, warehouse, products, orders)
            else:
                run_baseline(database, loaded, warehouse, products, orders)
            sides[side] = (clock() - started, time.perf_counter() - wall)
        pairs.append((sides["engine"][0], sides["baseline"][0]))
        walls.append((sides["engine"][1], sides["baseline"][1]))
    _, _, ratio = median_ratio(pairs)
    engine_wall, baseline_wall, _ = median_ratio(walls)
    database.engine.dispose()
    return Result("post_order_rules", database.dialect, ratio, TARGET,
                  f"{engine_wall * 1000 / orders:.2f} ms/order",
                  f"{baseline_wall * 1000 / orders:.2f} ms/order",
                  notes=f"{LINES} lines x 2 rules; ratio: median of {rounds} rounds x {orders} orders, "
                        f"{'CPU' if clock is time.process_time else 'wall'} time")


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    return [measure(database_url or sqlite_url(), 30 if quick else 40, 5 if quick else 11)]


def main(argv=None) -> list[Result]:
    return command_line(__doc__, measure, argv, size=("orders", 40, "orders per round"), rounds=("rounds", 11))


if __name__ == "__main__":
    main()
