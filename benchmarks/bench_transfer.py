"""Benchmark: import N rows from CSV and export M rows as CSV (and XLSX) through
the transfer module and the record service (rules, validation, change log).

    python -m benchmarks.bench_transfer [--import-rows N] [--export-rows M] [--database-url URL]

Prints time, rows/s and peak traced memory (tracemalloc) per step. Targets:
import >= 1,000 rows/s on SQLite; export peak memory flat (the same for M/10 and M rows).
Timing runs are separate from the traced runs (tracemalloc slows Python down).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
import tracemalloc

from benchmarks.common import Result

IMPORT_TARGET = 1000.0


def build_app(database_url: str):
    os.environ.setdefault("LIANDONG_INSTANCE_PATH", tempfile.mkdtemp(prefix="ld-bench-"))
    from engine import create_app
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.storage.install import install_app
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    install_app(get_db(app), bundled_app_path("examples/field_types"))
    return app


def make_csv(count: int, start: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Title (title)", "Count (count)", "Price (price)", "Active (active)",
                     "Day (day)", "Colour (colour)", "Category (category)", "Tags (tags)"])
    for i in range(start, start + count):
        writer.writerow([f"Row {i}", i % 1000, f"{i % 97}.25", "true" if i % 2 else "false",
                         "2026-01-15", ("red", "green", "blue")[i % 3], "Bench", "new; sale"])
    return buffer.getvalue().encode()


def run_import(app, actor, count: int, start: int = 0, traced: bool = False):
    from engine.runtime.records.service import get_record_service
    from engine.runtime.transfer.import_ import import_file
    data = make_csv(count, start)
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    with app.test_request_context():
        report, _ = import_file(get_record_service(app), "field_types", "sample", actor, data,
                                "bench.csv", mode="all")
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    assert not report.errors and report.created == count, report.errors[:3]
    return elapsed, peak


def run_baseline_import(app, count: int, start: int = 0) -> float:
    """A hand-written CSV import of the same rows: parse, convert, number each
    record, insert rows and change-log entries in batches, one transaction."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from engine.db import get_db
    from engine.runtime import audit
    from engine.runtime.records import autonumber
    from engine.runtime.registry import get_registry
    data = make_csv(count, start).decode()
    started = time.perf_counter()
    database = get_db(app)
    with database.transaction() as connection:
        loaded = get_registry(app).get(connection, "field_types")
        table, categories = loaded.tables.form("sample"), loaded.tables.form("category")
        pattern = loaded.form("sample").field("code").pattern
        category_ids = dict(connection.execute(select(categories.c.name, categories.c.id)).all())
        reader = csv.reader(io.StringIO(data))
        next(reader)
        rows, entries, tx = [], [], audit.new_transaction_id()
        for title, count_, price, active, day, colour, category, tags in reader:
            now = audit.utcnow()
            rows.append({"code": autonumber.next_number(connection, "field_types", "sample", "code",
                                                        pattern, date.today()),
                         "title": title, "count": int(count_), "price": Decimal(price),
                         "active": active == "true", "day": date.fromisoformat(day), "colour": colour,
                         "category": category_ids[category], "tags": [t.strip() for t in tags.split(";")],
                         "total": Decimal(0), "created_at": now, "updated_at": now, "version": 1})
            if len(rows) == 1000:
                _flush_baseline(connection, table, rows, entries, tx)
        _flush_baseline(connection, table, rows, entries, tx)
    return time.perf_counter() - started


def _flush_baseline(connection, table, rows, entries, tx) -> None:
    from sqlalchemy import insert

    from engine.runtime import audit
    from engine.runtime.records.values import record_to_json
    if not rows:
        return
    ids = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                             rows).scalars().all()
    connection.execute(insert(audit.change_log), [
        {"tx_id": tx, "at": row["created_at"], "actor_id": None, "actor_name": "system",
         "app": "field_types", "form": "sample", "record_id": record_id, "action": "create",
         "cause_kind": "import", "cause_detail": "bench.csv", "changes": {"fields": {}},
         "snapshot": record_to_json({**row, "id": record_id})} for row, record_id in zip(rows, ids)])
    rows.clear()


def measure(database_url: str, rows: int) -> Result:
    """Engine import and hand-written import of `rows` rows, each into its own
    fresh app (so both start from an empty table), timed once each."""
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    timings = {}
    for side in ("baseline", "engine"):
        app = build_app(database_url() if callable(database_url) else database_url)
        get_record_service(app).create("field_types", "category", {"name": "Bench"}, actor=SYSTEM)
        clock = time.process_time
        started = clock()
        wall = run_import(app, SYSTEM, rows)[0] if side == "engine" else run_baseline_import(app, rows)
        timings[side] = (clock() - started, wall)
        from engine.db import get_db
        get_db(app).engine.dispose()
    rate = rows / timings["engine"][1]
    return Result("import", "sqlite" if "sqlite" in str(database_url) else "postgresql",
                  timings["engine"][0] / timings["baseline"][0], None,
                  f"{rate:.0f} rows/s ({timings['engine'][1]:.1f} s)",
                  f"{rows / timings['baseline'][1]:.0f} rows/s ({timings['baseline'][1]:.1f} s)",
                  notes=f"{rows:,} CSV rows, field_types sample; ratio from CPU time, one run each",
                  absolute_target=f">= {IMPORT_TARGET:.0f} rows/s", absolute_ok=rate >= IMPORT_TARGET)


def run(quick: bool = False, database_url: str | None = None) -> list[Result]:
    from benchmarks.common import sqlite_url
    return [measure(database_url or sqlite_url, 10_000 if quick else 50_000)]


def run_export(app, actor, fmt: str, limit: int | None, traced: bool):
    from engine.runtime.records.service import get_record_service
    from engine.runtime.transfer import export as exporting
    service = get_record_service(app)
    flt = f"count < {limit}" if limit is not None else None     # count = i % 1000
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    plan = exporting.plan_export(service, "field_types", "sample", actor, filter=flt, sort="id")
    page = exporting.first_page(plan)
    rows = 0
    if fmt == "csv":
        for chunk in exporting.csv_chunks(plan, page):
            rows += chunk.count("\n")
        rows -= 1
    else:
        handle = exporting.xlsx_file(plan, page)
        handle.seek(0, 2)
        rows = handle.tell()           # bytes, for xlsx
        handle.close()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    return elapsed, peak, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="ld-bench-"), "bench.db")
    app = build_app(url)
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    get_record_service(app).create("field_types", "category", {"name": "Bench"}, actor=SYSTEM)

    elapsed, _ = run_import(app, SYSTEM, args.import_rows)
    rate = args.import_rows / elapsed
    print(f"import  {args.import_rows:>7} rows  {elapsed:8.2f} s  {rate:8.0f} rows/s  "
          f"(target >= {IMPORT_TARGET:.0f}: {'OK' if rate >= IMPORT_TARGET else 'MISSED'})")
    small = min(2000, args.import_rows)
    _, peak = run_import(app, SYSTEM, small, start=args.import_rows, traced=True)
    print(f"import  {small:>7} rows  peak traced memory {peak / 2**20:.1f} MiB (traced run)")
    total = args.import_rows + small
    while total < args.export_rows:               # top up with more imported rows
        batch = min(args.import_rows, args.export_rows - total)
        run_import(app, SYSTEM, batch, start=total)
        total += batch

    elapsed, _, rows = run_export(app, SYSTEM, "csv", None, traced=False)
    print(f"export  {rows:>7} rows  {elapsed:8.2f} s  {rows / elapsed:8.0f} rows/s  (csv)")
    _, peak_small, rows_small = run_export(app, SYSTEM, "csv", 100, traced=True)
    _, peak_all, rows_all = run_export(app, SYSTEM, "csv", None, traced=True)
    print(f"export  csv peak traced memory: {rows_small} rows {peak_small / 2**20:.1f} MiB, "
          f"{rows_all} rows {peak_all / 2**20:.1f} MiB  (flat: {'OK' if peak_all < 2 * peak_small else 'NO'})")
    elapsed, _, size = run_export(app, SYSTEM, "xlsx", None, traced=False)
    print(f"export  {rows:>7} rows  {elapsed:8.2f} s  {rows / elapsed:8.0f} rows/s  (xlsx, {size / 2**20:.1f} MiB file)")


if __name__ == "__main__":
    main()
