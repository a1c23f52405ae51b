"""Reports (definition key `reports`): one GROUP BY query each, with the
caller's row scope and field rights applied.

- `result.py`   — `ReportColumn`, `ReportResult`
- `source.py`   — the source rows for one actor: names → columns, field levels
- `measures.py` — measure expressions (fields, + - * /, coalesce) → SQL
- `buckets.py`  — date buckets (day/week/month/quarter/year) on SQLite and PostgreSQL
- `query.py`    — the statement (`plan_report`)
- `titles.py`   — link titles for screens (one query per link column)
- `api.py`, `screens.py`, `export.py` — REST, pages and CSV/XLSX
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.exc import DataError

from engine.definitions.model import Report
from engine.runtime.errors import BadRequest, ErrorDetail, NotFound, ServiceError
from engine.runtime.permissions.access import access_for
from engine.runtime.reports.result import ReportColumn, ReportResult

__all__ = ["ReportColumn", "ReportResult", "run_report", "runnable_reports", "init_app"]


def _services(flask_app: Flask | None = None):
    from engine.runtime.records.service import get_record_service
    return get_record_service(flask_app)


def _actor_for(service, actor):
    """A service without a permission policy reads with system rights (like record reads)."""
    if service.policy is None:
        from engine.runtime.actor import SYSTEM
        return SYSTEM
    return actor


def run_report(app_name: str, report_name: str, *, actor, filter: str | None = None,
               limit: int | None = None, titles: bool = False, export: bool = False) -> ReportResult:
    """Run a report of an installed app as `actor`.

    Raises NotFound (no app / report), Forbidden (no read right on the source
    form, or a group/measure reading a field hidden from the actor) and
    BadRequest (a bad `filter`). `titles`: also fetch the titles of linked
    records grouped by; `export`: also require the export right (files)."""
    from engine.runtime.reports.query import plan_report
    service = _services()
    actor = _actor_for(service, actor)
    with service.database.read(time_limit=True) as connection:    # report API, screen, export
        loaded = service.registry.get(connection, app_name)
        report = _report(loaded, report_name)
        plan = plan_report(loaded, report, actor, connection.dialect.name,
                           extra_filter=filter, limit=limit, export=export)
        rows = plan.convert(_execute(connection, plan.statement))
        link_titles = {}
        if titles:
            from engine.runtime.reports.titles import link_titles as fetch_titles
            link_titles = fetch_titles(connection, plan, rows)
        return ReportResult(plan.columns, rows, link_titles)


def _execute(connection, statement):
    try:
        return connection.execute(statement).all()
    except DataError as error:     # what only the stored values reveal (PostgreSQL)
        reason = str(error.orig).splitlines()[0]
        raise BadRequest(f"The report cannot be computed ({reason})",
                         [ErrorDetail("filter", reason)]) from None


def _report(loaded, name: str) -> Report:
    report = loaded.model.report(name)
    if report is None:
        raise NotFound(f"No report {name!r} in app {loaded.model.name!r}")
    return report


def runnable_reports(app_name: str, *, actor) -> list[dict[str, Any]]:
    """The reports `actor` may run: read right on the source form and no group or
    measure on a field hidden from them. [{name, label, source}] in definition order."""
    from engine.runtime.reports.query import plan_report
    service = _services()
    actor = _actor_for(service, actor)
    with service.database.read() as connection:
        loaded = service.registry.get(connection, app_name)
        found = []
        for report in loaded.model.reports:
            form = loaded.model.form(report.source_form)
            if form is None or not access_for(actor, loaded.model, form).can("read"):
                continue
            try:
                plan_report(loaded, report, actor, connection.dialect.name)
            except (ServiceError, KeyError, ValueError):   # a hidden field, a broken definition
                continue
            found.append({"name": report.name, "label": dict(report.label), "source": report.source})
        return found


def init_app(app: Flask) -> None:
    """Attach the REST routes (API blueprint) and the pages (screens blueprint);
    called by the API's init_app, before either blueprint is registered."""
    from engine.runtime.reports import api, screens  # noqa: F401  (routes)
