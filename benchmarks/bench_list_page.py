"""Benchmark: list/filter/sort pages of sales orders over N rows (default
1,000,000), through the engine, against a hand-written baseline.

Per case (first page, a filtered page, a page of one customer, a deep page
through the keyset cursor), three timings in the same run, each the median of
`--repeat` requests through Flask's test client (server-side time, no network):

- **engine API**: `GET /api/v1/apps/orders/forms/sales_order/records?…`
  (bearer token, permissions, filter language, link titles, keyset cursor);
- **baseline**: a hand-written Flask endpoint in the same app that
  authenticates the same token and runs the raw SQL a careful developer would
  write (orders + customer name, 51 rows, same WHERE/ORDER BY), returning the
  same JSON; `RATIO list_page_<case> = engine API / baseline` (target ≤ 2);
- **screen**: the server-rendered list screen `/apps/orders/sales_order/`,
  signed in; target p50 < 30 ms.

The bare SQL time is printed too. Rows are seeded with bulk Core inserts.
On SQLite every server-side step runs in this process, so ratios and the
screen target use CPU time (a shared machine's waits left out); the wall p50
of the screen is printed beside it. On PostgreSQL: wall time.

    python -m benchmarks.bench_list_page [--rows N] [--repeat R] [--database-url URL]
"""
from __future__ import annotations

import re
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from flask import jsonify, request
from sqlalchemy import insert, select

from benchmarks.common import Result, command_line, fresh_app, sqlite_url

TARGET_RATIO = 2.0
TARGET_SCREEN_MS = 30.0
PAGE = 50
BATCH = 5_000
STATES = ("draft", "confirmed", "shipped", "cancelled")
API_URL = "/api/v1/apps/orders/forms/sales_order/records"
PAGE_URL = "/apps/orders/sales_order/"
BASELINE_URL = "/bench/raw/sales_order"


def build_app(database_url: str):
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.storage.install import install_app
    app = fresh_app(database_url)
    install_app(get_db(app), bundled_app_path("orders"))
    add_baseline_endpoint(app)
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
    if database.dialect == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")


def issue_token(app) -> str:
    from engine.db import get_db
    from engine.runtime import identity
    with get_db(app).transaction() as connection:
        return identity.create_token(connection, "bench", "bench")


def sign_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    response = client.post("/login", data={"username": "bench", "password": "bench-password",
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 302, response.status_code
    return client


# ------------------------------------------------------------------ baseline
def raw_query(tables, case: str, after_id: int | None):
    """The query a hand-written app runs: orders + customer name, newest first."""
    orders, customers = tables.form("sales_order"), tables.form("customer").alias("c")
    query = (select(orders, customers.c.name.label("customer__title"))
             .select_from(orders.outerjoin(customers, customers.c.id == orders.c.customer))
             .order_by(orders.c.id.desc()).limit(PAGE + 1))
    if case == "filtered":
        query = query.where(orders.c.status == "confirmed", orders.c.total > 500)
    if case == "customer":
        query = query.where(orders.c.customer == 17)
    if after_id is not None:
        query = query.where(orders.c.id < after_id)
    return query


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def add_baseline_endpoint(app) -> None:
    """Hand-written Flask + Core: check the token, run the raw SQL, send JSON."""
    from engine.db import get_db
    from engine.runtime import identity
    from engine.runtime.registry import get_registry

    @app.get(BASELINE_URL)
    def baseline_list():
        database = get_db(app)
        token = request.headers.get("Authorization", "").partition(" ")[2]
        with database.read() as connection:
            if identity.actor_for_token(connection, token) is None:
                return jsonify({"error": "unauthorized"}), 401
            tables = get_registry(app).get(connection, "orders").tables
            after = request.args.get("after_id", type=int)
            rows = connection.execute(raw_query(tables, request.args["case"], after)).mappings().all()
        items = []
        for row in rows[:PAGE]:
            item = {k: _plain(v) for k, v in row.items() if k != "customer__title"}
            item["_titles"] = {"customer": row["customer__title"]}
            items.append(item)
        next_id = rows[PAGE - 1]["id"] if len(rows) > PAGE else None
        return jsonify({"items": items, "next": next_id})


# ------------------------------------------------------------------- timing
def p50_ms(client, url: str, repeat: int, headers=None) -> tuple[float, float]:
    """(wall p50, CPU p50) in ms. SQLite runs in this process, so the CPU time
    is the server-side work without the waits a shared machine adds."""
    response = client.get(url, headers=headers)            # warm caches (registry, templates)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def sql_p50_ms(app, case: str, after_id: int | None, repeat: int) -> float:
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    database = get_db(app)
    with database.read() as connection:
        query = raw_query(get_registry(app).get(connection, "orders").tables, case, after_id)
    samples = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        with database.read() as connection:
            connection.execute(query).mappings().all()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples[1:]) * 1000


def cases(rows: int) -> dict[str, tuple[str, int | None]]:
    """case -> (query string for the engine, keyset position for the baseline)."""
    from engine.runtime.records.queries import encode_cursor
    middle = rows // 2
    return {"first": ("", None),
            "filtered": ("filter=status == 'confirmed' and total > 500", None),
            "customer": ("filter=customer == 17", None),
            "deep": (f"sort=-id&after={encode_cursor([middle], '-id')}", middle)}


def measure(database_url: str, rows: int, repeat: int) -> list[Result]:
    from engine.db import get_db
    app = build_app(database_url)
    started = time.perf_counter()
    seed(app, rows)
    seeded = time.perf_counter() - started
    token = issue_token(app)
    headers = {"Authorization": f"Bearer {token}"}
    api, screen = app.test_client(), sign_in(app)
    backend = get_db(app).dialect
    cpu_clock = backend == "sqlite"        # all server-side work happens in this process
    results = []
    for case, (query, after_id) in cases(rows).items():
        baseline_query = f"case={case}" + (f"&after_id={after_id}" if after_id else "")
        rounds = []                                  # engine and baseline back to back
        for number in range(3):
            engine = lambda: p50_ms(api, f"{API_URL}?{query}", repeat, headers)        # noqa: E731
            baseline = lambda: p50_ms(api, f"{BASELINE_URL}?{baseline_query}", repeat, headers)  # noqa: E731
            if number % 2:
                engine_ms, baseline_ms = engine(), baseline()
            else:
                baseline_ms, engine_ms = baseline(), engine()
            rounds.append((engine_ms, baseline_ms))
        which = 1 if cpu_clock else 0
        engine_ms = statistics.median(e[which] for e, _ in rounds)
        baseline_ms = statistics.median(b[which] for _, b in rounds)
        ratio = statistics.median(e[which] / b[which] for e, b in rounds)
        screen_wall, screen_cpu = p50_ms(screen, f"{PAGE_URL}?{query}", repeat)
        screen_ms = screen_cpu if cpu_clock else screen_wall
        sql_ms = sql_p50_ms(app, case, after_id, repeat)
        clock = "CPU" if cpu_clock else "wall"
        results.append(Result(
            f"list_page_{case}", backend, ratio, TARGET_RATIO,
            f"API p50 {engine_ms:.2f} ms, screen p50 {screen_ms:.2f} ms ({clock}; wall {screen_wall:.1f} ms)",
            f"hand-written endpoint p50 {baseline_ms:.2f} ms (bare SQL {sql_ms:.2f} ms)",
            notes=f"{rows:,} rows seeded in {seeded:.0f} s, {repeat} requests x 3 rounds, {clock} time",
            absolute_target=f"screen p50 < {TARGET_SCREEN_MS:.0f} ms",
            absolute_ok=screen_ms < TARGET_SCREEN_MS,
            extra={"api_ms": engine_ms, "baseline_ms": baseline_ms, "screen_ms": screen_ms,
                   "screen_wall_ms": screen_wall, "sql_ms": sql_ms}))
    get_db(app).engine.dispose()
    return results


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    rows = 100_000 if quick else 1_000_000
    return measure(database_url or sqlite_url(), rows, 15 if quick else 30)


def main(argv=None) -> list[Result]:
    return command_line(__doc__, measure, argv, size=("rows", 1_000_000, "orders to seed"), rounds=("repeat", 30))


if __name__ == "__main__":
    main()
