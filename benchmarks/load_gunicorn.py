"""Load test: posting throughput of `gunicorn -w N 'engine:create_app()'` on
PostgreSQL, with 1 and then 2 workers, on loopback only; then the books must
balance: no lost update, no oversell, `liandong verify` clean.

A posting is what a sales desk does over the REST API: create a sales order
(inventory app), `confirm` it (reserves stock), `ship` it (takes stock out).
Client processes (http.client, keep-alive where the server allows) post for a
fixed time; every 10th posting sells 1 unit of a scarce product so that, under
contention, some shipments must be refused (`Insufficient stock`).

After each run: for every stock row, on_hand == received − shipped and
reserved == confirmed-but-not-shipped (recomputed from the documents by SQL),
on_hand ≥ 0, the orders the clients saw shipped == the orders stored as
shipped, and `liandong verify` exits 0. Also the peak RSS of each worker.

    python -m benchmarks.load_gunicorn [--seconds S] [--clients C] [--rounds R] [--database-url URL]

Prints `RATIO scaleout_2w_vs_1w <postings/s with 2 workers / with 1> 1` (must
rise above 1). Traffic goes to 127.0.0.1 only, bounded in time and count.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from benchmarks.common import Result, fresh_app, peak_rss_mib, postgres_server_url, scratch_postgres

HOST = "127.0.0.1"
API = "/api/v1/apps/inventory/forms"
PRODUCTS, OPENING, SCARCE_OPENING = 40, 1_000_000, 10
MAX_POSTINGS_PER_CLIENT = 5_000          # a bound on count as well as on time


# ----------------------------------------------------------------- fixture
def prepare(database_url: str) -> dict:
    """Install the inventory app, master data, opening stock and a token."""
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.runtime import identity
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    from engine.storage.install import install_app
    app = fresh_app(database_url)
    install_app(get_db(app), bundled_app_path("inventory"))
    service = get_record_service(app)

    def create(form, **values):
        return service.create("inventory", form, values, actor=SYSTEM)
    supplier = create("supplier", name="Load supplier", lead_time_days=3)
    customer = create("customer", name="Load customer")
    warehouse = create("warehouse", code="LD", name="Load warehouse")
    products = [create("product", sku=f"L-{i}", name=f"Load {i}", unit_price=2, cost_price=1)["id"]
                for i in range(PRODUCTS)]
    scarce = create("product", sku="SCARCE", name="Scarce", unit_price=5, cost_price=1)["id"]
    receipt = create("purchase_receipt", supplier=supplier["id"], warehouse=warehouse["id"],
                     date=date.today().isoformat(),
                     lines=[{"product": p, "qty": OPENING} for p in products]
                     + [{"product": scarce, "qty": SCARCE_OPENING}])
    service.transition("inventory", "purchase_receipt", receipt["id"], "receive", {}, actor=SYSTEM)
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "loader", "loader-password", is_admin=True)
        token = identity.create_token(connection, "loader", "load test")
    get_db(app).engine.dispose()
    return {"customer": customer["id"], "warehouse": warehouse["id"], "products": products,
            "scarce": scarce, "token": token}


# ------------------------------------------------------------------ server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, workers: int, port: int, instance: str) -> subprocess.Popen:
    env = dict(os.environ, LIANDONG_DATABASE_URL=database_url, LIANDONG_INSTANCE_PATH=instance,
               LIANDONG_SECRET_KEY="load-test", LIANDONG_JOBS_SCHEDULER="0")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "-b", f"{HOST}:{port}", "--worker-class", "sync",
         "--timeout", "60", "--log-level", "warning", "engine:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(Path(instance) / "gunicorn.log", "w"),
        start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {(Path(instance) / 'gunicorn.log').read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/login")
            if connection.getresponse().status == 200 and len(worker_pids(server.pid)) == workers:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(server)
    raise RuntimeError("gunicorn did not answer within 60 s")


def worker_pids(master_pid: int) -> list[int]:
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as handle:
            return [int(pid) for pid in handle.read().split()]
    except OSError:
        return []


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)          # graceful: the master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# ------------------------------------------------------------------ client
class Api:
    def __init__(self, port: int, token: str):
        self.port, self.headers = port, {"Authorization": f"Bearer {token}",
                                         "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        for attempt in range(2):
            try:
                self.connection.request("POST", API + path, body=json.dumps(body), headers=self.headers)
                response = self.connection.getresponse()
                return response.status, json.loads(response.read() or b"{}")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection before this request: a
                # POST that never reached it, so sending it again is safe.
                self.connection.close()
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def client_loop(port: int, fixture: dict, seconds: float, seed: int) -> dict:
    """Post until the time is up; return what this client saw."""
    import random
    rng = random.Random(seed)
    api = Api(port, fixture["token"])
    seen = {"shipped": [], "confirmed_only": [], "refused": 0, "errors": []}
    deadline = time.monotonic() + seconds
    postings = 0
    while time.monotonic() < deadline and postings < MAX_POSTINGS_PER_CLIENT:
        postings += 1
        scarce = postings % 10 == 0
        lines = ([{"product": fixture["scarce"], "qty": 1}] if scarce else
                 [{"product": rng.choice(fixture["products"]), "qty": rng.randint(1, 3)}])
        status, order = api.post("/sales_order/records", {
            "customer": fixture["customer"], "warehouse": fixture["warehouse"],
            "date": date.today().isoformat(), "lines": lines})
        if status != 201:
            seen["errors"].append(("create", status, order))
            continue
        path = f"/sales_order/records/{order['id']}/transitions/"
        status, body = api.post(path + "confirm", {})
        if status != 200:
            seen["errors"].append(("confirm", status, body))
            continue
        status, body = api.post(path + "ship", {})
        if status == 200:
            seen["shipped"].append(order["id"])
        elif status == 422 and "Insufficient stock" in json.dumps(body):
            seen["refused"] += 1
            seen["confirmed_only"].append(order["id"])
        else:
            seen["errors"].append(("ship", status, body))
    return seen


def load(port: int, fixture: dict, clients: int, seconds: float) -> tuple[dict, float]:
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(clients) as pool:
        results = pool.starmap(client_loop, [(port, fixture, seconds, i) for i in range(clients)])
    elapsed = time.perf_counter() - started
    total = {"shipped": [], "confirmed_only": [], "refused": 0, "errors": []}
    for seen in results:
        for key in ("shipped", "confirmed_only", "errors"):
            total[key] += seen[key]
        total["refused"] += seen["refused"]
    return total, elapsed


# ------------------------------------------------------------------ checks
def check_books(database_url: str, fixture: dict, seen: dict) -> list[str]:
    """What the documents say must be what the stock rows say."""
    from sqlalchemy import text

    from engine.db import get_db
    from engine.runtime.registry import get_registry
    app = fresh_app(database_url)
    database = get_db(app)
    problems = []
    with database.read() as connection:
        tables = get_registry(app).get(connection, "inventory").tables
        names = {key: tables.form(key).name for key in ("stock", "sales_order", "purchase_receipt")}
        names["so_lines"] = tables.subform("sales_order", "lines").name
        names["pr_lines"] = tables.subform("purchase_receipt", "lines").name
        stock = connection.execute(text(
            f'SELECT product, on_hand, reserved FROM "{names["stock"]}" WHERE warehouse = :w'),
            {"w": fixture["warehouse"]}).all()
        expected = {}
        for product, received, shipped, reserved in connection.execute(text(f"""
            SELECT p.product,
                   COALESCE((SELECT SUM(l.qty) FROM "{names['pr_lines']}" l JOIN "{names['purchase_receipt']}" r
                             ON r.id = l.parent_id WHERE l.product = p.product AND r.status = 'received'), 0),
                   COALESCE((SELECT SUM(l.qty) FROM "{names['so_lines']}" l JOIN "{names['sales_order']}" o
                             ON o.id = l.parent_id WHERE l.product = p.product AND o.status = 'shipped'), 0),
                   COALESCE((SELECT SUM(l.qty) FROM "{names['so_lines']}" l JOIN "{names['sales_order']}" o
                             ON o.id = l.parent_id WHERE l.product = p.product AND o.status = 'confirmed'), 0)
            FROM (SELECT DISTINCT product FROM "{names['stock']}") p""")):
            expected[product] = (Decimal(received) - Decimal(shipped), Decimal(reserved))
        shipped_ids = set(connection.execute(text(
            f"""SELECT id FROM "{names['sales_order']}" WHERE status = 'shipped'""")).scalars())
    for product, on_hand, reserved in stock:
        if (Decimal(on_hand), Decimal(reserved)) != expected[product]:
            problems.append(f"product {product}: stock says on_hand={on_hand} reserved={reserved}, "
                            f"documents say {expected[product]} (lost update)")
        if Decimal(on_hand) < 0:
            problems.append(f"product {product}: on_hand {on_hand} < 0 (oversold)")
    if shipped_ids != set(seen["shipped"]):
        problems.append(f"{len(shipped_ids)} orders stored as shipped, clients saw {len(seen['shipped'])}")
    database.engine.dispose()
    verify = subprocess.run([sys.executable, "-m", "engine.cli", "verify", "inventory"],
                            env=dict(os.environ, LIANDONG_DATABASE_URL=database_url,
                                     LIANDONG_INSTANCE_PATH=tempfile.mkdtemp(prefix="ld-load-")),
                            capture_output=True, text=True)
    if verify.returncode != 0:
        problems.append(f"liandong verify failed: {verify.stdout[-1000:]}{verify.stderr[-1000:]}")
    return problems


# --------------------------------------------------------------------- run
def measure(database_url: str, seconds: float, clients: int, rounds: int) -> list[Result]:
    """Both servers up at once (an idle one costs nothing); rounds alternate
    which goes first, and the ratio is the median of the per-round ratios, so
    a neighbour's load on a shared machine hits both sides of a round alike."""
    fixture = prepare(database_url)
    servers, instances = {}, {}
    problems, shipped = [], []
    rates = {1: [], 2: []}
    counts = {1: [0, 0], 2: [0, 0]}                       # postings, refused
    try:
        for workers in (1, 2):
            instances[workers], port = tempfile.mkdtemp(prefix="ld-gunicorn-"), free_port()
            servers[workers] = (start_gunicorn(database_url, workers, port, instances[workers]), port)
        for workers in (1, 2):                            # every worker connected and compiled
            warm, _ = load(servers[workers][1], fixture, clients, 2)
            shipped += warm["shipped"]
            problems += _errors(workers, warm)
        for number in range(rounds):
            for workers in ((1, 2) if number % 2 == 0 else (2, 1)):
                seen, elapsed = load(servers[workers][1], fixture, clients, seconds)
                postings = len(seen["shipped"]) + seen["refused"]
                rates[workers].append(postings / elapsed)
                counts[workers][0] += postings
                counts[workers][1] += seen["refused"]
                shipped += seen["shipped"]
                problems += _errors(workers, seen)
        rss = max(peak_rss_mib(pid) for server, _ in servers.values() for pid in worker_pids(server.pid))
    finally:
        for server, _ in servers.values():
            stop_gunicorn(server)
    problems += check_books(database_url, fixture, {"shipped": shipped})
    ratio = statistics.median(two / one for one, two in zip(rates[1], rates[2]))
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    notes = (f"{clients} client processes, {rounds} rounds x {seconds:g} s per server, inventory sales "
             f"order create+confirm+ship over HTTP; 1w: {counts[1][0]} postings ({counts[1][1]} refused "
             f"for stock), 2w: {counts[2][0]} ({counts[2][1]} refused); peak worker RSS {rss:.0f} MiB; "
             + ("books balance, verify clean" if not problems else "PROBLEMS: " + "; ".join(problems[:5])))
    return [Result("scaleout_2w_vs_1w", "postgresql", ratio, 1.0,
                   f"2 workers {two:.1f} postings/s", f"1 worker {one:.1f} postings/s", notes=notes,
                   absolute_target="no lost update, no oversell, verify clean, no 5xx",
                   absolute_ok=not problems, higher_is_better=True,
                   extra={"problems": problems, "rss": rss, "rates": rates})]


def _errors(workers: int, seen: dict) -> list[str]:
    return [f"{workers}w: {kind} HTTP {status}: {str(body)[:200]}" for kind, status, body in seen["errors"][:5]]


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    seconds, clients, rounds = (5, 3, 2) if quick else (8, 4, 4)
    if database_url:
        return measure(database_url, seconds, clients, rounds)
    server = postgres_server_url()
    if server is None:
        raise RuntimeError("the load test needs PostgreSQL (LIANDONG_BENCH_POSTGRES_URL)")
    with scratch_postgres(server) as url:
        return measure(url, seconds, clients, rounds)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="per round and server")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args(argv)
    if args.database_url:
        results = measure(args.database_url, args.seconds, args.clients, args.rounds)
    else:
        server = postgres_server_url()
        if server is None:
            raise SystemExit("the load test needs PostgreSQL (LIANDONG_BENCH_POSTGRES_URL)")
        with scratch_postgres(server) as url:
            results = measure(url, args.seconds, args.clients, args.rounds)
    for result in results:
        print(result.detail_line())
        print(result.ratio_line())
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
