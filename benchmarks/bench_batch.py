"""Benchmark: 500 creates as one `POST /api/v1/apps/orders/batch` against 500
single `POST …/customer/records` and against a hand-written SQLAlchemy Core
insert of the same 500 rows (one executemany in one transaction, system
columns filled, no change log), on the same database, over Flask's test client.

    python -m benchmarks.bench_batch [--rows N] [--rounds R] [--database-url URL]

Prints rows/s of each and `RATIO batch_create <batch time/Core time> 40` and
`RATIO batch_vs_single_posts <batch time/single POSTs time> 0.8`.
"""
from __future__ import annotations

import itertools
import statistics
import time

from benchmarks.common import Result, command_line, sqlite_url

TARGET_VS_CORE = 40.0           # the whole pipeline per row (parse, validate, change log, webhooks)
TARGET_VS_SINGLE = 0.8          # one request and one transaction must beat 500 of each
URL = "/api/v1/apps/orders/forms/customer/records"
counter = itertools.count()


def rows(count: int) -> list[dict]:
    start = next(counter) * count
    return [{"name": f"Customer {start + i}", "contact": "Li", "email": f"c{start + i}@example.com"}
            for i in range(count)]


def measure(database_url: str, count: int, rounds: int) -> list[Result]:
    from engine import create_app
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.runtime import identity
    from engine.runtime.registry import get_registry
    from engine.storage.install import install_app
    from engine.storage.types import utcnow
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "TESTING": True})
    database = get_db(app)
    install_app(database, bundled_app_path("orders"))
    with database.transaction() as connection:
        identity.create_user(connection, "bench", "bench-password", is_admin=True)
        token = identity.create_token(connection, "bench", "bench")
        table = get_registry(app).get(connection, "orders").tables.form("customer")
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}

    def batch():
        operations = [{"method": "POST", "form": "customer", "body": row} for row in rows(count)]
        response = client.post("/api/v1/apps/orders/batch", json={"operations": operations}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

    def singles():
        for row in rows(count):
            response = client.post(URL, json=row, headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)[:300]

    def core():
        now = utcnow()
        values = [{**row, "created_at": now, "updated_at": now, "created_by": 1, "updated_by": 1, "version": 1}
                  for row in rows(count)]
        with database.transaction() as connection:
            connection.execute(table.insert(), values)

    timings = {"batch": [], "singles": [], "core": []}
    for name, func in (("batch", batch), ("singles", singles), ("core", core)):
        func()                                             # warm caches
    for number in range(rounds):
        order = [("batch", batch), ("singles", singles), ("core", core)]
        for name, func in order[number % 3:] + order[:number % 3]:
            started = time.perf_counter()
            func()
            timings[name].append(time.perf_counter() - started)
    database.engine.dispose()
    batch_s, singles_s, core_s = (statistics.median(timings[k]) for k in ("batch", "singles", "core"))
    vs_core = statistics.median(b / c for b, c in zip(timings["batch"], timings["core"]))
    vs_single = statistics.median(b / s for b, s in zip(timings["batch"], timings["singles"]))
    notes = f"{count} customer creates; median of {rounds} rounds; Flask test client, one process"
    rate = lambda seconds: f"{count / seconds:.0f} rows/s ({seconds * 1000:.0f} ms)"  # noqa: E731
    return [
        Result("batch_create", database.dialect, vs_core, TARGET_VS_CORE, f"batch {rate(batch_s)}",
               f"Core insert {rate(core_s)}", notes=notes),
        Result("batch_vs_single_posts", database.dialect, vs_single, TARGET_VS_SINGLE, f"batch {rate(batch_s)}",
               f"single POSTs {rate(singles_s)}", notes=notes),
    ]


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    return measure(database_url or sqlite_url(), 500, 3 if quick else 5)


def main(argv=None) -> list[Result]:
    return command_line(__doc__, measure, argv, size=("rows", 500, "creates per round"), rounds=("rounds", 5))


if __name__ == "__main__":
    main()
