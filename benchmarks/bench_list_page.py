"""Benchmark: render the sales-order list screen over 100,000 orders (first
page, a filtered page, a deep page through the keyset cursor) and compare the
server-side time with the raw SQL query a hand-written app would run for the
same rows (one SELECT with the customer title joined, 51 rows).

    python -m benchmarks.bench_list_page [--rows N] [--repeat R] [--database-url URL]

Rows are seeded with bulk Core inserts (the service would take minutes).
Prints p50 per page and `RATIO list_page_<case> <page p50 / SQL p50> <target>`;
the target for the page itself is a p50 under 100 ms.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, insert, or_, select

TARGET_MS = 100.0
PAGE = 50
BATCH = 5_000
STATES = ("draft", "confirmed", "shipped", "cancelled")


def build_app(database_url: str):
    os.environ.setdefault("LIANDONG_INSTANCE_PATH", tempfile.mkdtemp(prefix="ld-bench-"))
    from engine import create_app
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.storage.install import install_app
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    install_app(get_db(app), bundled_app_path("orders"))
    return app


def seed(app, rows: int) -> None:
    from engine.db import get_db
    from engine.runtime import identity
    from engine.runtime.audit import utcnow
    from engine.runtime.registry import get_registry
    database = get_db(app)
    with database.transaction() as connection:
        identity.create_user(connection, "bench", "bench-password", is_admin=True)
        tables = get_registry(app).get(connection, "orders").tables
        now = utcnow()
        system = {"created_at": now, "updated_at": now, "version": 1}
        connection.execute(insert(tables.form("customer")),
                           [{"name": f"Customer {i:04d}", **system} for i in range(200)])
        connection.execute(insert(tables.form("warehouse")), [{"code": "W1", "name": "Main", **system}])
        orders, start = tables.form("sales_order"), date(2024, 1, 1)
        for first in range(0, rows, BATCH):
            connection.execute(insert(orders), [
                {"number": f"SO-{i:06d}", "customer": 1 + i % 200, "warehouse": 1,
                 "date": start + timedelta(days=i % 365), "total": Decimal(i % 1000) + Decimal("0.50"),
                 "status": STATES[i % 4], **system}
                for i in range(first, min(rows, first + BATCH))])


def sign_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    response = client.post("/login", data={"username": "bench", "password": "bench-password",
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, response.status_code
    return client


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def time_page(client, url: str, repeat: int) -> float:
    client.get(url)                                        # warm caches (registry, templates)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return p50(samples)


def time_sql(app, case: str, after_id: int | None, repeat: int) -> float:
    """The hand-written query: orders + customer name, newest first, 51 rows."""
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    database = get_db(app)
    with database.read() as connection:
        tables = get_registry(app).get(connection, "orders").tables
    orders, customers = tables.form("sales_order"), tables.form("customer").alias("c")
    query = (select(orders, customers.c.name.label("customer__title"))
             .select_from(orders.outerjoin(customers, customers.c.id == orders.c.customer))
             .order_by(orders.c.id.desc()).limit(PAGE + 1))
    if case == "filtered":
        query = query.where(and_(orders.c.status == "confirmed", orders.c.total > 500))
    if after_id is not None:
        query = query.where(or_(orders.c.id < after_id))
    samples = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        with database.read() as connection:
            connection.execute(query).mappings().all()
        samples.append(time.perf_counter() - started)
    return p50(samples[1:])


def deep_cursor(client, rows: int) -> tuple[str, int]:
    """A cursor half-way down the table, as the list's own "next page" link encodes it."""
    from engine.runtime.records.queries import encode_cursor
    middle = rows // 2
    return encode_cursor([middle], "-id"), middle


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='ld-bench-')}/bench.db"
    app = build_app(url)
    started = time.perf_counter()
    seed(app, args.rows)
    print(f"seeded {args.rows} sales orders in {time.perf_counter() - started:.1f} s")
    client = sign_in(app)
    cursor, after_id = deep_cursor(client, args.rows)
    base = "/apps/orders/sales_order/"
    cases = {"first": (base, None), "filtered": (base + "?filter=status == 'confirmed' and total > 500", None),
             "deep": (base + f"?sort=-id&after={cursor}", after_id)}
    results = {}
    from engine.db import get_db
    backend = get_db(app).dialect
    for case, (page_url, after) in cases.items():
        page_ms = time_page(client, page_url, args.repeat)
        sql_ms = time_sql(app, case, after, args.repeat)
        results[case] = page_ms
        verdict = "ok" if page_ms < TARGET_MS else "SLOW"
        print(f"list_page {case} ({backend}, {args.rows} rows): page p50 {page_ms:.1f} ms, "
              f"raw SQL p50 {sql_ms:.2f} ms, target < {TARGET_MS:.0f} ms: {verdict}")
        print(f"RATIO list_page_{case} {page_ms / sql_ms:.1f} {TARGET_MS:.0f}ms")
    return results


if __name__ == "__main__":
    main()
