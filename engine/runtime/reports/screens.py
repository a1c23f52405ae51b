"""Report pages: /apps/<app>/reports/ (the reports the user may run) and
/apps/<app>/reports/<name> (the table, a filter box, export links)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import request, url_for
from flask_babel import gettext as _

from engine.definitions.model import FieldModel
from engine.runtime.errors import BadRequest
from engine.runtime.permissions.access import access_for
from engine.runtime.reports import ReportResult, run_report, runnable_reports
from engine.runtime.reports.source import ReportSource
from engine.runtime.web import context
from engine.runtime.web.i18n import label
from engine.runtime.web.refusals import refusal_lines
from engine.runtime.web.screens import screens
from engine.runtime.web.widgets import display_value


SCREEN_ROWS = 1000        # a page shows at most this many rows; the export has them all


@dataclass(frozen=True)
class ShownColumn:
    name: str
    label: str
    numeric: bool


@screens.get("/apps/<app>/reports/")
def reports_index(app: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    items = [(label(r["label"], r["name"]), url_for("screens.report_page", app=app, name=r["name"]))
             for r in runnable_reports(app, actor=actor)]
    return context.render_screen("runtime/reports.html", loaded=loaded, items=items)


@screens.get("/apps/<app>/reports/<name>")
def report_page(app: str, name: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    raw_filter = (request.args.get("filter") or "").strip()
    errors: list[str] = []
    try:
        result = run_report(app, name, actor=actor, filter=raw_filter or None, titles=True,
                            limit=SCREEN_ROWS + 1)
    except BadRequest as error:          # the extra filter: shown next to the box, not an error page
        errors = refusal_lines(error) or [d.message for d in error.details] or [error.message]
        result = ReportResult(run_report(app, name, actor=actor, limit=1).columns, [])
    report = loaded.model.report(name)
    source = ReportSource(loaded, report, actor)
    fields = [_field(source, report, column) for column in result.columns]
    titles = {(field.form, row_id): title for field, column in zip(fields, result.columns)
              for row_id, title in result.titles.get(column.name, {}).items()}
    truncated = len(result.rows) > SCREEN_ROWS
    rows = [[display_value(_scaled(field, value), value, titles) for field, value in zip(fields, row)]
            for row in result.rows[:SCREEN_ROWS]]
    columns = [ShownColumn(c.name, label(c.label, c.name), c.kind == "measure") for c in result.columns]
    return context.render_screen(
        "runtime/report.html", status=400 if errors else 200, loaded=loaded,
        title=label(report.label, report.name), columns=columns, rows=rows, raw_filter=raw_filter,
        errors=errors, export_urls=_export_urls(loaded, report, actor, raw_filter),
        truncated=SCREEN_ROWS if truncated else None)


def _field(source: ReportSource, report, column) -> FieldModel:
    """The field behind a column (select options, link target), else one of its type."""
    group = next((g for g in report.group_by if g.name == column.name), None)
    if group is not None and not group.bucket:
        found = source.resolve(tuple(group.field.split("."))).field
        if found is not None:
            return found
    return FieldModel(name=column.name, type="text" if column.bucket else column.type, label={})


def _scaled(field: FieldModel, value) -> FieldModel:
    if field.type == "decimal" and isinstance(value, Decimal) and field.scale is None:
        exponent = value.as_tuple().exponent
        return FieldModel(name=field.name, type="decimal", label={},
                          scale=-exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return field


def _export_urls(loaded, report, actor, raw_filter: str) -> list[tuple[str, str]]:
    form = loaded.model.form(report.source_form)
    if form is None or not access_for(actor, loaded.model, form).can("export"):
        return []
    extra = {"filter": raw_filter} if raw_filter else {}
    return [(text, url_for("api.export_report", app=loaded.name, name=report.name, format=fmt, **extra))
            for fmt, text in (("csv", "CSV"), ("xlsx", "Excel"))]


def report_links(loaded, actor) -> list[tuple[str, str]]:
    """(label, url) for the sidebar: the reports list, when the actor may run any report."""
    if actor is None or not loaded.model.reports or not runnable_reports(loaded.name, actor=actor):
        return []
    return [(_("Reports"), url_for("screens.reports_index", app=loaded.name))]
