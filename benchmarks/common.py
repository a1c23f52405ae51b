"""What every benchmark shares: the result record the runner collects, medians
over repeats, scratch databases, and the machine's description.

A benchmark module exposes `run(quick=False, database_url=None) -> list[Result]`
(or for PostgreSQL, whatever URL the runner hands it); its `main()` prints the
same results for a person. The runner (`benchmarks/run_all.py`) never parses text.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

PG_URL_ENV = "LIANDONG_BENCH_POSTGRES_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Result:
    """One measured comparison. `ratio` is engine/baseline (time, lower is better);
    `target` is the ratio it must stay under, or None for an absolute-only line."""
    name: str
    backend: str
    ratio: float | None
    target: float | None
    engine: str                    # absolute figures, already formatted with units
    baseline: str
    notes: str = ""
    absolute_target: str = ""      # e.g. "p50 < 30 ms", checked by the benchmark itself
    absolute_ok: bool | None = None
    extra: dict = field(default_factory=dict)
    higher_is_better: bool = False  # e.g. a throughput ratio, which must exceed its target

    @property
    def ok(self) -> bool:
        if self.ratio is None or self.target is None:
            ratio_ok = True
        else:
            ratio_ok = self.ratio > self.target if self.higher_is_better else self.ratio <= self.target
        return ratio_ok and self.absolute_ok is not False

    def ratio_line(self) -> str:
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        target = "-" if self.target is None else f"{'>' if self.higher_is_better else ''}{self.target:g}"
        return f"RATIO {self.name} {ratio} {target}"

    def detail_line(self) -> str:
        line = f"  {self.name} [{self.backend}]: engine {self.engine}; baseline {self.baseline}"
        if self.absolute_target:
            line += f"; {self.absolute_target}: {'ok' if self.absolute_ok else 'MISSED'}"
        return line + (f" ({self.notes})" if self.notes else "")


def median_ratio(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Median engine time, median baseline time, median of the per-round ratios.

    Each round times engine and baseline back to back, so a busy machine slows
    both sides of a round alike; the median round ratio is what we report."""
    engine = statistics.median(e for e, _ in pairs)
    baseline = statistics.median(b for _, b in pairs)
    ratio = statistics.median(e / b for e, b in pairs)
    return engine, baseline, ratio


def interleaved(rounds: int, engine, baseline, *, cpu: bool):
    """Run `engine()` and `baseline()` back to back `rounds` times, alternating
    which goes first; returns (engine wall, baseline wall, ratio), medians.

    With `cpu` the ratio comes from this process's CPU time (SQLite: all the
    work is in-process, and other processes on a shared machine barely disturb
    it); otherwise from wall time (PostgreSQL: the server does part of the work)."""
    import time
    clock = time.process_time if cpu else time.perf_counter
    ratios, walls = [], []
    for number in range(rounds):
        spent = {}
        for side, func in ((("baseline", baseline), ("engine", engine)) if number % 2 == 0
                           else (("engine", engine), ("baseline", baseline))):
            started, wall = clock(), time.perf_counter()
            func()
            spent[side] = (clock() - started, time.perf_counter() - wall)
        ratios.append(spent["engine"][0] / spent["baseline"][0])
        walls.append((spent["engine"][1], spent["baseline"][1]))
    return (statistics.median(e for e, _ in walls), statistics.median(b for _, b in walls),
            statistics.median(ratios))


def command_line(doc: str, measure, argv=None, *, size: tuple[str, int, str],
                 rounds: tuple[str, int]) -> list[Result]:
    """What every benchmark's `main()` does: parse `--<size> N --<rounds> N
    --database-url URL`, call `measure(url, size, rounds)` and print its results."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(f"--{size[0]}", type=int, default=size[1], help=size[2])
    parser.add_argument(f"--{rounds[0]}", type=int, default=rounds[1])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    measured = measure(args.database_url or sqlite_url(), getattr(args, size[0]), getattr(args, rounds[0]))
    results = measured if isinstance(measured, list) else [measured]
    for result in results:
        print(result.detail_line())
        print(result.ratio_line())
    return results


def sqlite_url() -> str:
    return f"sqlite:///{tempfile.mkdtemp(prefix='ld-bench-')}/bench.db"


def postgres_server_url() -> str | None:
    """A PostgreSQL server the benchmarks may create scratch databases on, or None."""
    url = os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)
    try:
        from sqlalchemy import create_engine, text
        engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return url
    except Exception:            # noqa: BLE001 - no server: PostgreSQL runs are skipped
        return None


@contextmanager
def scratch_postgres(server_url: str):
    """A fresh database for one benchmark, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    name = f"ld_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fresh_app(database_url: str, config: dict | None = None):
    os.environ.setdefault("LIANDONG_INSTANCE_PATH", tempfile.mkdtemp(prefix="ld-bench-"))
    from engine import create_app
    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench",
                       "JOBS_SCHEDULER": False, **(config or {})})


def machine_details(postgres_url: str | None = None) -> dict[str, str]:
    import sqlite3

    import sqlalchemy
    details = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "ram": _ram(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(postgres_url) if postgres_url else "not reachable",
        "load average (1 min)": f"{os.getloadavg()[0]:.2f}",
    }
    return details


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        with open("/proc/meminfo") as handle:
            kib = int(re.search(r"MemTotal:\s+(\d+)", handle.read()).group(1))
        return f"{kib / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        return "unknown"


def _postgres_version(url: str) -> str:
    from sqlalchemy import create_engine, text
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            version = connection.execute(text("show server_version")).scalar()
        engine.dispose()
        return str(version)
    except Exception:            # noqa: BLE001
        return "unknown"


def peak_rss_mib(pid: int | str = "self") -> float:
    """VmHWM: the most resident memory the process ever had."""
    with open(f"/proc/{pid}/status") as handle:
        kib = int(re.search(r"VmHWM:\s+(\d+)", handle.read()).group(1))
    return kib / 1024


def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
