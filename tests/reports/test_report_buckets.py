"""Date buckets and measure arithmetic on a small app, compared with Python on
SQLite and PostgreSQL: every bucket gives the ISO date of its first day."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from engine.db import get_db
from engine.runtime.actor import SYSTEM
from engine.runtime.records.service import get_record_service
from engine.runtime.reports import run_report
from engine.storage.install import install_app

BUCKETS = ("day", "week", "month", "quarter", "year")
EVENTS = [  # day, at, n, price, note
    (date(2023, 12, 31), datetime(2023, 12, 31, 23, 59, 59), 1, "1.50", "b"),    # a Sunday
    (date(2024, 1, 1), datetime(2024, 1, 1, 0, 0, 0), 2, "2.25", "a"),           # a Monday
    (date(2024, 2, 29), datetime(2024, 2, 29, 12, 30), 3, None, None),
    (date(2024, 3, 31), datetime(2024, 3, 31, 8, 0), 4, "0.10", "c"),
    (date(2024, 4, 1), datetime(2024, 4, 1, 9, 15), 5, "0.20", "d"),
    (date(2024, 12, 30), datetime(2024, 12, 30, 1, 0), 6, "3.00", "e"),          # ISO week 2025-W01
    (date(2025, 6, 15), datetime(2025, 6, 15, 18, 45, 30), 0, "7.00", "f"),
]


def bucket_of(day: date, bucket: str) -> str:
    start = {"day": day, "week": day - timedelta(days=day.weekday()), "month": day.replace(day=1),
             "quarter": day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1),
             "year": day.replace(month=1, day=1)}[bucket]
    return start.isoformat()


def definition() -> dict:
    reports = []
    for bucket in BUCKETS:
        for field in ("day", "at"):
            reports.append({"name": f"{field}_{bucket}", "source": "event",
                            "group_by": [{"field": field, "bucket": bucket}],
                            "measures": [{"name": "n", "agg": "sum", "expression": "n"},
                                         {"name": "rows", "agg": "count"}]})
    reports += [
        {"name": "arithmetic", "source": "event",
         "measures": [{"name": "value", "agg": "sum", "expression": "n * price + 1"},
                      {"name": "ratio", "agg": "max", "expression": "price / n"},
                      {"name": "priced", "agg": "count", "expression": "price"},
                      {"name": "fallback", "agg": "sum", "expression": "coalesce(price, 0) * -n"},
                      {"name": "first_note", "agg": "min", "expression": "note"},
                      {"name": "mean", "agg": "avg", "expression": "n"}]},
        {"name": "by_note", "source": "event", "group_by": [{"field": "note"}],
         "measures": [{"name": "n", "agg": "sum", "expression": "n"}], "sort": "-note"},
    ]
    return {"app": "rtest", "forms": [{"name": "event", "fields": [
        {"name": "day", "type": "date"}, {"name": "at", "type": "datetime"},
        {"name": "n", "type": "integer"}, {"name": "price", "type": "decimal", "scale": 2},
        {"name": "note", "type": "text"}]}], "reports": reports}


@pytest.fixture
def events(app):
    install_app(get_db(app), definition())
    service = get_record_service(app)
    for day, at, n, price, note in EVENTS:
        service.create("rtest", "event", {"day": day.isoformat(), "at": at.isoformat(), "n": n,
                                          "price": price, "note": note}, actor=SYSTEM)
    return app


@pytest.mark.parametrize("bucket", BUCKETS)
@pytest.mark.parametrize("field", ["day", "at"])
def test_each_bucket_starts_on_the_iso_date_python_computes(events, field, bucket):
    expected = defaultdict(lambda: [0, 0])
    for day, at, n, *_ in EVENTS:
        key = bucket_of(day if field == "day" else at.date(), bucket)
        expected[key][0] += n
        expected[key][1] += 1
    with events.app_context():
        result = run_report("rtest", f"{field}_{bucket}", actor=SYSTEM)
    assert result.rows == [[k, *v] for k, v in sorted(expected.items())]
    assert result.columns[0].type == "date" and result.columns[0].bucket == bucket
    assert all(isinstance(row[1], int) for row in result.rows)


def test_measure_arithmetic_follows_the_documented_empty_and_zero_rules(events):
    priced = [(n, Decimal(p)) for _, _, n, p, _ in EVENTS if p is not None]
    with events.app_context():
        result = run_report("rtest", "arithmetic", actor=SYSTEM)
    value, ratio, count, fallback, first_note, mean = result.rows[0]
    assert value == sum(n * p + 1 for n, p in priced)                       # empty price: left out
    assert ratio == max(p / n for n, p in priced if n).quantize(Decimal("0.000001"))   # n == 0: empty
    assert count == len(priced)
    assert fallback == sum(-(Decimal(p or 0) * n) for _, _, n, p, _ in EVENTS)
    assert first_note == "a"
    assert mean == (Decimal(sum(e[2] for e in EVENTS)) / len(EVENTS)).quantize(Decimal("0.0001"))
    assert [c.type for c in result.columns] == ["decimal", "decimal", "integer", "decimal", "text",
                                                "decimal"]


def test_sort_descending_puts_empty_groups_last_on_every_backend(events):
    with events.app_context():
        rows = run_report("rtest", "by_note", actor=SYSTEM).rows
    assert [r[0] for r in rows] == ["f", "e", "d", "c", "b", "a", None]
