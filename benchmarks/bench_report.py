"""Benchmark: the inventory app's monthly revenue by product report over N sales
lines (default 1,000,000) on SQLite, through the engine, against the same
query written by hand.

- **engine**: `run_report("inventory", "monthly_revenue_by_product", actor=SYSTEM)`
  (registry lookup, definition → SQL, typed Decimal results);
- **baseline**: the hand-written SQL a developer would run for the same answer
  (lines joined to shipped orders, GROUP BY month and product, same order),
  through the same SQLAlchemy engine, rows fetched.

Both sides run back to back, alternating which goes first; the ratio is the
median of the per-round CPU-time ratios (SQLite works in-process).
`RATIO report_monthly_revenue <engine/baseline> 1.2`; the absolute target is
an engine time under 1 s. Rows are seeded with bulk Core inserts (test data
setup, not a write path): 1 line in 10 orders ... 10 lines per order, 1,000
products, 2 years of dates, 3 orders in 4 shipped.

    python -m benchmarks.bench_report [--rows N] [--rounds R] [--database-url URL]
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert, text

from benchmarks.common import Result, command_line, fresh_app, interleaved, sqlite_url

TARGET_RATIO = 1.2
TARGET_SECONDS = 1.0
LINES_PER_ORDER = 10
PRODUCTS = 1_000
CUSTOMERS = 100
DAYS = 730
BATCH = 20_000
STATES = ("shipped", "shipped", "confirmed", "shipped")
REPORT = "monthly_revenue_by_product"

BASELINE_SQL = {
    "sqlite": """
        SELECT strftime('%Y-%m-01', o.date) AS month, l.product, sum(l.qty) AS qty,
               sum(l.amount) AS revenue, count(*) AS lines
        FROM inventory__sales_order__lines AS l
        JOIN inventory__sales_order AS o ON o.id = l.parent_id
        WHERE o.status = 'shipped'
        GROUP BY month, l.product
        ORDER BY month, revenue DESC, l.product""",
    "postgresql": """
        SELECT to_char(date_trunc('month', o.date), 'YYYY-MM-DD') AS month, l.product,
               sum(l.qty) AS qty, sum(l.amount) AS revenue, count(*) AS lines
        FROM inventory__sales_order__lines AS l
        JOIN inventory__sales_order AS o ON o.id = l.parent_id
        WHERE o.status = 'shipped'
        GROUP BY 1, l.product
        ORDER BY 1, revenue DESC, l.product""",
}


def build_app(database_url: str):
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.storage.install import install_app
    app = fresh_app(database_url)
    install_app(get_db(app), bundled_app_path("inventory"))
    return app


def seed(app, lines: int) -> None:
    from engine.db import get_db
    from engine.runtime.audit import utcnow
    from engine.runtime.registry import get_registry
    database = get_db(app)
    with database.transaction() as connection:
        tables = get_registry(app).get(connection, "inventory").tables
        now = utcnow()
        system = {"created_at": now, "updated_at": now, "version": 1}
        connection.execute(insert(tables.form("warehouse")), [{"code": "W1", "name": "Main", **system}])
        connection.execute(insert(tables.form("customer")),
                           [{"name": f"Customer {i:03d}", **system} for i in range(CUSTOMERS)])
        connection.execute(insert(tables.form("product")), [
            {"sku": f"P{i:04d}", "name": f"Product {i:04d}", "unit_price": Decimal(1 + i % 50),
             **system} for i in range(PRODUCTS)])
        orders, order_lines = tables.form("sales_order"), tables.subform("sales_order", "lines")
        count, start = -(-lines // LINES_PER_ORDER), date(2024, 1, 1)
        for first in range(0, count, BATCH // LINES_PER_ORDER):
            last = min(count, first + BATCH // LINES_PER_ORDER)
            connection.execute(insert(orders), [
                {"id": i + 1, "number": f"SO{i:07d}", "customer": 1 + i % CUSTOMERS, "warehouse": 1,
                 "date": start + timedelta(days=i % DAYS), "total": 0, "status": STATES[i % 4], **system}
                for i in range(first, last)])
            connection.execute(insert(order_lines), [
                _line(i, position) for i in range(first, last) for position in range(LINES_PER_ORDER)
                if i * LINES_PER_ORDER + position < lines])
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE") if database.dialect == "sqlite" else None


def _line(order: int, position: int) -> dict:
    product = (order * 7 + position * 13) % PRODUCTS
    qty = Decimal(1 + (order + position) % 9)
    price = Decimal(1 + product % 50) + Decimal("0.25")
    return {"parent_id": order + 1, "position": position, "product": product + 1, "qty": qty,
            "price": price, "amount": qty * price}


def measure(database_url: str, lines: int, rounds: int) -> list[Result]:
    from engine.db import get_db
    from engine.runtime.actor import SYSTEM
    from engine.runtime.reports import run_report
    app = build_app(database_url)
    started = time.perf_counter()
    seed(app, lines)
    seeded = time.perf_counter() - started
    database = get_db(app)
    sql = text(BASELINE_SQL[database.dialect])

    def engine():
        with app.app_context():
            return run_report("inventory", REPORT, actor=SYSTEM).rows

    def baseline():
        with database.engine.connect() as connection:
            return connection.execute(sql).all()

    engine_rows, baseline_rows = engine(), baseline()          # warm caches, check the answers
    assert len(engine_rows) == len(baseline_rows) and \
        [tuple(r[:2]) for r in engine_rows] == [tuple(r[:2]) for r in baseline_rows], "different answers"
    engine_s, baseline_s, ratio = interleaved(rounds, engine, baseline, cpu=database.dialect == "sqlite")
    database.engine.dispose()
    return [Result(
        "report_monthly_revenue", database.dialect, ratio, TARGET_RATIO,
        f"run_report {engine_s * 1000:.0f} ms", f"hand-written SQL {baseline_s * 1000:.0f} ms",
        notes=f"{lines:,} lines, {len(engine_rows):,} result rows, seeded in {seeded:.0f} s, "
              f"{rounds} rounds",
        absolute_target=f"engine < {TARGET_SECONDS:g} s", absolute_ok=engine_s < TARGET_SECONDS,
        extra={"engine_s": engine_s, "baseline_s": baseline_s, "lines": lines})]


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    return measure(database_url or sqlite_url(), 100_000 if quick else 1_000_000, 5 if quick else 7)


def main(argv=None) -> list[Result]:
    return command_line(__doc__, measure, argv, size=("rows", 1_000_000, "sales lines to seed"), rounds=("rounds", 7))


if __name__ == "__main__":
    main()
