"""Run the benchmark suite (`make bench`): one `RATIO <name> <engine/baseline>
<target>` line per benchmark plus the absolute figures, and the results table
with this machine's details written into docs/performance.md.

    python -m benchmarks.run_all [--quick] [--only NAME,...] [--no-postgres] [--no-doc] [--strict]

Each benchmark module exposes `run(quick=False, database_url=None) -> list[Result]`;
this runner calls it, never parses printed text. PostgreSQL runs use a scratch
database on the server named by LIANDONG_BENCH_POSTGRES_URL (default: the
local server), and are skipped when none answers.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

from benchmarks.common import Result, git_revision, machine_details, postgres_server_url, scratch_postgres

# (module, backends it runs on by default)
SUITE = [
    ("bench_post_order_rules", ("sqlite", "postgresql")),
    ("bench_create_orders", ("sqlite",)),
    ("bench_create_http", ("sqlite", "postgresql")),
    ("bench_batch", ("sqlite", "postgresql")),
    ("bench_list_page", ("sqlite",)),
    ("bench_report", ("sqlite",)),
    ("bench_transfer", ("sqlite",)),
    ("bench_validate", ("none",)),
    ("bench_memory", ("sqlite",)),
    ("load_gunicorn", ("postgresql",)),
]
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def run_one(module_name: str, backend: str, quick: bool, pg_server: str | None) -> list[Result]:
    module = importlib.import_module(f"benchmarks.{module_name}")
    if module_name == "bench_validate":       # an absolute-only benchmark with its own run()
        seconds = module.run(repeat=1 if quick else 3)
        return [Result("validate_compile_200_forms", "-", None, None, f"{seconds:.2f} s", "-",
                       absolute_target=f"< {module.TARGET_SECONDS:g} s",
                       absolute_ok=seconds < module.TARGET_SECONDS)]
    if backend != "postgresql":
        return module.run(quick=quick)
    with scratch_postgres(pg_server) as url:
        return module.run(quick=quick, database_url=url)


def run_suite(quick: bool, only: set[str] | None, postgres: bool) -> tuple[list[Result], list[str]]:
    pg_server = postgres_server_url() if postgres else None
    results, failures = [], []
    for module_name, backends in SUITE:
        short = module_name.removeprefix("bench_")
        if only and short not in only and module_name not in only:
            continue
        if not Path(__file__).with_name(f"{module_name}.py").exists():
            print(f"-- {module_name}: not present, skipped")
            continue
        for backend in backends:
            if backend == "postgresql" and pg_server is None:
                print(f"-- {module_name} [postgresql]: no PostgreSQL server, skipped")
                continue
            print(f"-- {module_name} [{backend}] ...", flush=True)
            started = time.perf_counter()
            try:
                found = run_one(module_name, backend, quick, pg_server)
            except (Exception, SystemExit):          # noqa: BLE001 - report and go on
                failures.append(f"{module_name} [{backend}]")
                traceback.print_exc()
                continue
            for result in found:
                print(result.detail_line())
                print(result.ratio_line(), flush=True)
            print(f"   ({time.perf_counter() - started:.0f} s)")
            results.extend(found)
    return results, failures


def results_table(results: list[Result], details: dict[str, str], quick: bool) -> str:
    lines = [START, "", f"Last `make bench{' QUICK=1' if quick else ''}` run: {details['date']}, "
             f"commit `{git_revision()}`.", "", "| machine | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in details.items()]
    lines += ["", "| benchmark | backend | engine/baseline | target | engine | baseline | absolute target | ok |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        target = "-" if r.target is None else f"{'>' if r.higher_is_better else '≤'} {r.target:g}"
        lines.append(f"| {r.name} | {r.backend} | {ratio} | {target} | {r.engine} | {r.baseline} | "
                     f"{r.absolute_target or '-'} | {'yes' if r.ok else '**no**'} |")
    notes = [f"- {r.name} [{r.backend}]: {r.notes}" for r in results if r.notes]
    return "\n".join(lines + ["", *notes, "", END])


def write_doc(table: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if START in text and END in text:
        text = text[:text.index(START)] + table + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n## Latest results\n\n" + table + "\n"
    DOC.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data sets and fewer rounds")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (e.g. list_page,memory)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite runs only")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    results, failures = run_suite(args.quick, only, not args.no_postgres)
    details = machine_details(postgres_server_url() if not args.no_postgres else None)
    print(f"\n== summary ({time.perf_counter() - started:.0f} s; "
          f"{details['cpu']}, {details['cores']} cores, load {details['load average (1 min)']}) ==")
    for result in results:
        print(result.ratio_line() + ("" if result.ok else "   <-- MISSED"))
    if not args.no_doc and results:
        write_doc(results_table(results, details, args.quick))
        print(f"results written to {DOC}")
    for failure in failures:
        print(f"FAILED to run: {failure}")
    missed = [r for r in results if not r.ok]
    return 1 if failures or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
