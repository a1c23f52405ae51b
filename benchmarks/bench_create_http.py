"""Benchmark: create throughput over HTTP — `POST /api/v1/apps/orders/forms/
sales_order/records` (a 10-line order, bearer token) through Flask's test
client, against a minimal hand-written Flask + SQLAlchemy Core endpoint doing
the same insert (same token check, same number/prices/link checks, order and
line rows, one change-log entry) on the same database. `create_http_session`
posts the same order signed in by the session cookie (with the page's CSRF
token), so it includes the per-request server-side session check.

    python -m benchmarks.bench_create_http [--orders N] [--rounds R] [--database-url URL]

Prints orders/s for both and `RATIO create_http <engine time/baseline time> 2`
(and the same for `create_http_session`).
"""
from __future__ import annotations


import re

from flask import Flask, jsonify, request

from benchmarks.bench_create_orders import LINES, baseline_insert, build_app, seed
from benchmarks.common import Result, command_line, interleaved, sqlite_url

TARGET = 2.0
URL = "/api/v1/apps/orders/forms/sales_order/records"


def baseline_app(database, loaded) -> Flask:
    """The hand-written service: one route, no framework of our own."""
    from engine.runtime import identity
    app = Flask("baseline")

    @app.post("/orders")
    def create_order():
        token = request.headers.get("Authorization", "").partition(" ")[2]
        body = request.get_json()
        with database.transaction() as connection:
            if identity.actor_for_token(connection, token) is None:
                return jsonify({"error": "unauthorized"}), 401
            lines = body["lines"]
            order = baseline_insert(connection, loaded, int(body["customer"]), int(body["warehouse"]),
                                    [int(line["product"]) for line in lines], lines[0]["qty"])
        return jsonify(order), 201
    return app


def measure(database_url: str, orders: int, rounds: int) -> list[Result]:
    from engine.db import get_db
    from engine.runtime import identity
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    from engine.runtime.registry import get_registry
    app = build_app(database_url)
    database = get_db(app)
    customer, warehouse, products = seed(get_record_service(app), SYSTEM)
    with database.transaction() as connection:
        identity.create_user(connection, "bench", "bench-password", is_admin=True)
        token = identity.create_token(connection, "bench", "bench")
        loaded = get_registry(app).get(connection, "orders")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"customer": customer, "warehouse": warehouse,
            "lines": [{"product": pid, "qty": 2} for pid, _ in products]}
    engine_client, baseline_client = app.test_client(), baseline_app(database, loaded).test_client()
    session_client, session_headers = signed_in(app)

    def post(client, url, count, sent=headers):
        for _ in range(count):
            response = client.post(url, json=body, headers=sent)
            assert response.status_code == 201, response.get_data(as_text=True)[:300]

    post(engine_client, URL, 5)                                # warm caches
    post(session_client, URL, 5, session_headers)
    post(baseline_client, "/orders", 5)
    results = []
    for name, client, sent in (("create_http", engine_client, headers),
                               ("create_http_session", session_client, session_headers)):
        engine_wall, baseline_wall, ratio = interleaved(
            rounds, lambda: post(client, URL, orders, sent), lambda: post(baseline_client, "/orders", orders),
            cpu=database.dialect == "sqlite")
        results.append(Result(
            name, database.dialect, ratio, TARGET,
            f"{orders / engine_wall:.0f} orders/s ({engine_wall * 1000 / orders:.2f} ms/order)",
            f"{orders / baseline_wall:.0f} orders/s ({baseline_wall * 1000 / orders:.2f} ms/order)",
            notes=f"{LINES}-line orders, Flask test client, one process, "
                  f"{'session cookie' if sent is session_headers else 'bearer token'}; "
                  f"median of {rounds} rounds x {orders} requests"))
    database.engine.dispose()
    return results


def signed_in(app):
    """A test client signed in by the session cookie, and the CSRF header its API writes send."""
    client = app.test_client()
    pattern = r'name="csrf_token"[^>]*value="([^"]+)"'
    token = re.search(pattern, client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": "bench", "password": "bench-password",
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    page = client.get("/logout").get_data(as_text=True)          # any page of the session
    return client, {"X-CSRFToken": re.search(pattern, page).group(1)}


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    return measure(database_url or sqlite_url(), 30 if quick else 40, 5 if quick else 9)


def main(argv=None) -> list[Result]:
    return command_line(__doc__, measure, argv, size=("orders", 40, "requests per round"), rounds=("rounds", 9))


if __name__ == "__main__":
    main()
