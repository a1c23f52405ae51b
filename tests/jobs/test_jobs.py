"""Scheduled jobs: `jobs` in definitions (cron checked, with JSON paths), due
periods run once, and a period claimed by two processes at once runs once."""
from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import create_app
from engine.db import get_db
from engine.definitions.validate import validate_definition
from engine.runtime.jobs import ENGINE_JOBS, period_start, register_engine_job, run_due
from engine.runtime.jobs.store import job_runs
from engine.runtime.records.service import get_record_service
from engine.runtime.actor import SYSTEM
from engine.storage.install import install_app

MONDAY_0600 = datetime(2026, 11, 23, 6, 0)


def notes_app(jobs=None) -> dict:
    return {
        "app": "notes",
        "forms": [{"name": "note", "fields": [
            {"name": "title", "type": "text", "required": True},
            {"name": "due", "type": "date"},
            {"name": "size", "type": "integer", "formula": "len(title)"}]}],
        "jobs": jobs if jobs is not None else [
            {"name": "weekly", "cron": "0 6 * * 1",
             "action": {"create": "note", "values": {"title": "'weekly review'", "due": "today()"}}}],
    }


def _problems(jobs) -> dict[str, str]:
    return {p.path: p.message for p in validate_definition(notes_app(jobs))}


# ------------------------------------------------------------ definitions

def test_a_valid_job_definition_passes():
    assert _problems(None) == {}


@pytest.mark.parametrize("cron, fragment", [
    ("0 6 * *", "5 fields"),
    ("0 6 * * * *", "5 fields"),
    ("61 6 * * 1", "invalid cron expression"),
    ("0 25 * * 1", "invalid cron expression"),
    ("0 6 * * funday", "invalid cron expression"),
])
def test_invalid_cron_is_reported_at_its_path(cron, fragment):
    problems = _problems([{"name": "weekly", "cron": cron, "action": {"create": "note",
                                                                      "values": {"title": "'x'"}}}])
    assert list(problems) == ["jobs[0].cron"] and fragment in problems["jobs[0].cron"]


def test_job_actions_are_checked_against_the_target_form():
    problems = _problems([
        {"name": "a", "cron": "* * * * *", "action": {"create": "nots", "values": {"title": "'x'"}}},
        {"name": "b", "cron": "* * * * *", "action": {"create": "note", "values": {"titel": "'x'"}}},
        {"name": "c", "cron": "* * * * *", "action": {"create": "note", "values": {"title": "title"}}},
        {"name": "d", "cron": "* * * * *", "action": {"create": "note", "values": {"title": "'x'", "size": "1"}}},
        {"name": "e", "cron": "* * * * *", "action": {"report": "stock_cnt"}},
        {"name": "f", "cron": "* * * * *", "action": {"report": "stock_count"}},
        {"name": "f", "cron": "* * * * *", "action": {"create": "note", "report": "stock_count"}},
    ])
    assert "unknown form 'nots'" in problems["jobs[0].action.create"]
    assert "unknown field 'titel'" in problems["jobs[1].action.values.titel"]
    assert "title" in problems["jobs[2].action.values.title"]          # no record names in a job
    assert "formula" in problems["jobs[3].action.values.size"]
    assert "unknown report 'stock_cnt'" in problems["jobs[4].action.report"]
    assert "needs the form 'stock'" in problems["jobs[5].action.report"]
    assert "jobs[6].action" in problems                                 # create and report: schema
    assert any(path.startswith("jobs[6]") and "duplicate" in message.lower()
               for path, message in problems.items())


def test_period_start_is_the_latest_fire_time_at_or_before_now():
    assert period_start("0 6 * * 1", MONDAY_0600) == MONDAY_0600
    assert period_start("0 6 * * 1", datetime(2026, 11, 23, 5, 59, 59)) == datetime(2026, 11, 16, 6, 0)
    assert period_start("*/15 * * * *", datetime(2026, 11, 23, 6, 44, 10)) == datetime(2026, 11, 23, 6, 30)


def test_engine_jobs_reject_bad_cron():
    with pytest.raises(ValueError, match="5 fields"):
        register_engine_job("broken", "every monday", lambda app, start: None)
    assert "broken" not in ENGINE_JOBS and "prune_change_log" in ENGINE_JOBS


# ------------------------------------------------------------ running

def _notes(app):
    return get_record_service(app).list("notes", "note", actor=SYSTEM, limit=100).items


def test_jobs_run_runs_due_periods_once(app, cli_env):
    install_app(get_db(app), notes_app())
    runner = CliRunner()
    from engine.cli import main
    first = runner.invoke(main, ["jobs", "run", "--now", "2026-11-23T06:00:30"])
    assert first.exit_code == 0, first.output
    assert "app:notes:weekly 2026-11-23T06:00 done: created note" in first.output
    assert "engine:prune_change_log 2026-11-23T03:30 done" in first.output
    notes = _notes(app)
    assert [(n["title"], n["due"]) for n in notes] == [("weekly review", notes[0]["due"])]
    again = runner.invoke(main, ["jobs", "run", "--now", "2026-11-23T23:59"])   # same periods
    assert again.exit_code == 0 and "app:notes:weekly" not in again.output
    assert "prune_change_log" not in again.output
    assert len(_notes(app)) == 1
    later = runner.invoke(main, ["jobs", "run", "--now", "2026-11-29T23:59"])   # same week, next day
    assert "app:notes:weekly" not in later.output and "engine:prune_change_log 2026-11-29T03:30" in later.output
    listed = runner.invoke(main, ["jobs", "list", "--now", "2026-11-29T23:59"])
    assert "app:notes:weekly\t0 6 * * 1\tperiod 2026-11-23T06:00\tlast 2026-11-23T06:00 done" in listed.output
    outcomes = run_due(app, datetime(2026, 11, 30, 6, 0))                       # next Monday
    assert {"app:notes:weekly", "engine:prune_change_log"} <= {o.key for o in outcomes}
    assert len(_notes(app)) == 2
    bad = runner.invoke(main, ["jobs", "run", "--now", "Monday"])
    assert bad.exit_code == 1 and "not an ISO date-time" in bad.output


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(app, monkeypatch):
    install_app(get_db(app), notes_app())
    monkeypatch.setitem(ENGINE_JOBS, "explodes", ENGINE_JOBS["prune_change_log"].__class__(
        "explodes", "* * * * *", lambda flask_app, start: 1 / 0))
    outcomes = {o.key: o for o in run_due(app, MONDAY_0600)}
    assert outcomes["engine:explodes"].status == "failed"
    assert "ZeroDivisionError" in outcomes["engine:explodes"].detail
    assert outcomes["app:notes:weekly"].status == "done" and len(_notes(app)) == 1
    assert run_due(app, MONDAY_0600) == []                                   # claimed, not retried


def _worker(database_url, barrier, queue):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x"})
    barrier.wait(timeout=60)
    try:
        queue.put([o.key for o in run_due(app, MONDAY_0600)])
    except Exception as exc:           # pragma: no cover - reported by the test
        queue.put(f"error: {exc!r}")
    finally:
        get_db(app).dispose()


def test_two_concurrent_processes_run_a_period_exactly_once(app, database_url):
    install_app(get_db(app), notes_app())
    context = multiprocessing.get_context("spawn")
    workers = 3
    barrier, queue = context.Barrier(workers), context.Queue()
    processes = [context.Process(target=_worker, args=(database_url, barrier, queue))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert all(isinstance(r, list) for r in results), results
    ran = Counter(key for result in results for key in result)
    assert {"app:notes:weekly", "engine:prune_change_log"} <= set(ran) and set(ran.values()) == {1}, ran
    assert len(_notes(app)) == 1
    with get_db(app).read() as connection:
        assert connection.execute(select(func.count()).select_from(job_runs)).scalar() == len(ran)


def test_scheduler_is_off_in_tests_and_configurable(app):
    from engine.runtime.jobs import scheduler
    assert scheduler.start(app) is None
    app.config.update(TESTING=False, JOBS_SCHEDULER=False)
    assert scheduler.start(app) is None
