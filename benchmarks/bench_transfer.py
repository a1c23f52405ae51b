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
