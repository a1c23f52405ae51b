"""Benchmark: peak resident memory (VmHWM) of one worker process with the
inventory app loaded and every screen and API list rendered once.

The app is installed by a separate process first (installing loads Alembic and
the validator, which a serving worker never needs), then a fresh process
builds the app the way gunicorn does (`create_app()` from the environment),
signs in, renders the app home, every form's list and new-record screens,
every form's API list and the OpenAPI document, and reports its peak RSS.
Target: < 150 MiB.

    python -m benchmarks.bench_memory [--database-url URL]

`--database-url` may point at a database that already holds the inventory app
(e.g. one made with `liandong install inventory --demo-data`), for a worker
that has served real data.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.common import Result, peak_rss_mib, sqlite_url

TARGET_MIB = 150.0


def install(database_url: str, instance: str) -> None:
    env = dict(os.environ, LIANDONG_DATABASE_URL=database_url, LIANDONG_INSTANCE_PATH=instance)
    subprocess.run([sys.executable, "-m", "engine.cli", "install", "inventory"], env=env, check=True,
                   capture_output=True)


def serve_everything() -> dict:
    """Runs inside the measured worker process."""
    import re

    from engine import create_app
    from engine.db import get_db
    from engine.runtime import identity
    from engine.runtime.errors import NotFound
    from engine.runtime.registry import get_registry
    app = create_app()
    with get_db(app).transaction() as connection:
        try:
            identity.find_user(connection, "rss")
        except NotFound:
            identity.create_user(connection, "rss", "rss-password", is_admin=True)
        token = identity.create_token(connection, "rss", "rss")
        forms = list(get_registry(app).get(connection, "inventory").model.forms)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    client.post("/login", data={"username": "rss", "password": "rss-password",
                                "csrf_token": csrf.group(1) if csrf else ""})
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [client.get("/apps/inventory/").status_code]
    for form in forms:
        statuses.append(client.get(f"/apps/inventory/{form}/").status_code)
        statuses.append(client.get(f"/apps/inventory/{form}/new").status_code)
        statuses.append(client.get(f"/api/v1/apps/inventory/forms/{form}/records",
                                   headers=headers).status_code)
    statuses.append(client.get("/api/v1/openapi.json", headers=headers).status_code)
    return {"peak_mib": peak_rss_mib(), "requests": len(statuses),
            "errors": sum(1 for s in statuses if s >= 500)}


def measure(database_url: str | None) -> Result:
    instance = tempfile.mkdtemp(prefix="ld-rss-")
    url = database_url or sqlite_url()
    if database_url is None:
        install(url, instance)
    env = dict(os.environ, LIANDONG_DATABASE_URL=url, LIANDONG_INSTANCE_PATH=instance,
               LIANDONG_JOBS_SCHEDULER="0")
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_memory", "--worker"], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the measured worker failed:\n{done.stderr[-3000:]}")
    out = done.stdout
    figures = json.loads(out.strip().splitlines()[-1])
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    return Result("worker_peak_rss", backend, None, None, f"{figures['peak_mib']:.0f} MiB peak RSS",
                  "-", notes=f"inventory app, {figures['requests']} screens and API lists rendered, "
                             f"{figures['errors']} server errors",
                  absolute_target=f"< {TARGET_MIB:.0f} MiB",
                  absolute_ok=figures["peak_mib"] < TARGET_MIB and figures["errors"] == 0,
                  extra=figures)


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    return [measure(database_url)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(serve_everything()))
        return
    result = measure(args.database_url)
    print(result.detail_line())


if __name__ == "__main__":
    main()
