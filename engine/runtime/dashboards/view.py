"""A dashboard as one actor sees it: tiles with totals, charts as SVG with
drill-down links. Every number comes from `run_report`, which applies the
actor's form rights, row scopes and hidden fields; a tile or chart whose report
the actor may not run is left out, without an error."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from engine.definitions.model import Dashboard, DashboardChart, DashboardTile, Report
from engine.runtime import charts
from engine.runtime.dashboards import drill
from engine.runtime.dashboards.pivot import OTHER, Pivot, pivot
from engine.runtime.errors import BadRequest, Forbidden, NotFound
from engine.runtime.reports import ReportResult, run_report
from engine.runtime.web.i18n import label

LEFT_OUT = (Forbidden, NotFound, BadRequest)    # no right, or a filter naming a hidden field
# Drawn for a half-width card: text keeps about its nominal size on a laptop screen.
CHART_WIDTH, CHART_HEIGHT = 520, 300


@dataclass(frozen=True)
class TileView:
    label: str
    text: str                 # the formatted total
    value: Any                # the total (Decimal/int/None)
    href: str | None = None   # the list of the rows it totals (parent records for subform sources)


@dataclass(frozen=True)
class ChartView:
    label: str
    svg: Markup
    exact_drill: bool         # False: the linked lists show the parent records of a group


@dataclass(frozen=True)
class DashboardView:
    name: str
    label: str
    tiles: list[TileView]
    charts: list[ChartView]


def visible(model, dashboard: Dashboard, actor) -> bool:
    """A dashboard with roles is for those roles (and admins) only."""
    return not dashboard.roles or actor.is_admin or bool(set(dashboard.roles) & actor.roles_in(model.name))


def visible_dashboards(model, actor) -> list[Dashboard]:
    return [d for d in model.dashboards if visible(model, d, actor)]


class _Reports:
    """`run_report` for one page: tiles and charts often read the same report
    with the same filter (a total and a chart of it), which then runs once.
    A refusal is remembered too: the actor's rights do not change mid-page."""

    def __init__(self, app: str, actor):
        self.app, self.actor = app, actor
        self.answers: dict[tuple, ReportResult | Exception] = {}

    def run(self, report: str, filter: str | None) -> ReportResult | None:
        key = (report, filter)
        if key not in self.answers:
            try:
                self.answers[key] = run_report(self.app, report, actor=self.actor, filter=filter, titles=True)
            except LEFT_OUT as refusal:
                self.answers[key] = refusal
        answer = self.answers[key]
        return None if isinstance(answer, Exception) else answer


def build(app: str, model, dashboard: Dashboard, actor) -> DashboardView:
    reports = _Reports(app, actor)
    tiles = [t for t in (_tile(app, model, tile, reports) for tile in dashboard.tiles) if t]
    panels = [c for c in (_chart(app, model, chart, reports) for chart in dashboard.charts) if c]
    return DashboardView(dashboard.name, label(dashboard.label, dashboard.name), tiles, panels)


# ------------------------------------------------------------------ tiles

def total(result: ReportResult, measure: str, agg: str) -> Any:
    """A measure over all the report's rows: sums and counts add up, min/max
    take the extreme; an average only comes from a report without groups."""
    index = result.names.index(measure)
    values = [row[index] for row in result.rows if row[index] is not None]
    if agg in ("sum", "count"):
        return sum(values, Decimal(0) if any(isinstance(v, Decimal) for v in values) else 0)
    if not values:
        return None
    return {"min": min, "max": max}.get(agg, lambda v: v[0])(values)


def format_value(value: Any, kind: str = "number") -> str:
    if value is None:
        return "—"
    number = Decimal(str(value))
    if kind == "integer":
        return f"{number.quantize(Decimal(1)):,}"
    if kind == "money":
        return f"{number.quantize(Decimal('0.01')):,}"
    if kind == "percent":
        return f"{(number * 100).quantize(Decimal('0.1'))}%"
    if number == number.to_integral_value():
        # quantize, not normalize: Decimal("35420").normalize() prints as 3.542E+4
        return f"{number.quantize(Decimal(1)):,}"
    return f"{number:,}"


def _tile(app: str, model, tile: DashboardTile, reports: _Reports) -> TileView | None:
    report = model.report(tile.report)
    measure = next((m for m in report.measures if m.name == tile.measure), None) if report else None
    if measure is None:
        return None
    result = reports.run(report.name, tile.filter)
    if result is None:
        return None
    value = total(result, measure.name, measure.agg)
    column = next(c for c in result.columns if c.name == measure.name)
    title = label(tile.label) if tile.label else label(column.label, measure.name)
    found = drill.drill_filter(report, (), (report.filter, tile.filter))
    href = url_for("screens.list_records", app=app, form=found.form,
                   **({"filter": found.expression} if found.expression else {}))
    return TileView(title, format_value(value, tile.format), value, href)


# ------------------------------------------------------------------ charts

def _chart(app: str, model, chart: DashboardChart, reports: _Reports) -> ChartView | None:
    report = model.report(chart.report)
    if report is None:
        return None
    result = reports.run(report.name, chart.filter)
    if result is None:
        return None
    data = pivot(result, report, chart, model)
    title = label(chart.label) if chart.label else label(report.label, report.name)
    exact = True
    if chart.drill:
        exact = _add_links(app, report, chart, data)
    return ChartView(title, _draw(chart, data, title), exact)


def _add_links(app: str, report: Report, chart: DashboardChart, data: Pivot) -> bool:
    """A list URL per cell; returns whether the lists show exactly the cells' rows."""
    groups = {g.name: g for g in report.group_by}
    exact = True
    for key in data.cells:
        if key in data.filled or OTHER in key:
            continue
        x_value, series_value = key
        pairs = [(groups[chart.x], x_value)]
        if chart.series:
            pairs.append((groups[chart.series], series_value))
        found = drill.drill_filter(report, pairs, (report.filter, chart.filter))
        exact = exact and found.exact
        params = {"filter": found.expression} if found.expression else {}
        data.links[key] = url_for("screens.list_records", app=app, form=found.form, **params)
    return exact


def _draw(chart: DashboardChart, data: Pivot, title: str) -> Markup:
    texts = {"title": title, "empty_text": _("No data"), "width": CHART_WIDTH, "height": CHART_HEIGHT}
    if chart.type == "pie":
        slices = [charts.Slice(data.x_labels[i], data.value(x, None), data.links.get((x, None)))
                  for i, x in enumerate(data.x_values)]
        return charts.pie_chart(slices, omitted_text=_("{count} value(s) ≤ 0 not shown"), **texts)
    series = [charts.Series(name, [data.value(x, s) for x in data.x_values],
                            [data.links.get((x, s)) for x in data.x_values])
              for s, name in zip(data.series_values, data.series_labels)]
    if chart.type == "line":
        return charts.line_chart(_line_x(data), series, **texts)
    return charts.bar_chart(data.x_labels, series, stacked=chart.type == "stacked_bar", **texts)


def _line_x(data: Pivot) -> list:
    """Bucket names ("2024-03") for date buckets (every bucket is there, evenly
    spaced); a time axis for plain dates; else the category labels."""
    if data.bucket is None and data.x_is_date and all(isinstance(v, (str, date)) for v in data.x_values):
        return [v if isinstance(v, date) else date.fromisoformat(str(v)[:10]) for v in data.x_values]
    return data.x_labels
