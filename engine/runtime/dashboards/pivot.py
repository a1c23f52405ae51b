"""A report's rows reshaped for one chart: x values in order, series values,
and a cell per (x, series). Group columns the chart does not show are combined
(sums and counts add up, min/max take the extreme; the definition check keeps
averages out). Many categories are cut to the chart's limit; with sums and
counts the rest are added up in one "Other" bar or slice (without a link)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from engine.definitions.model import DashboardChart, FieldModel, Report
from engine.runtime.dashboards.drill import bucket_end
from engine.runtime.reports import ReportColumn, ReportResult
from engine.runtime.web.i18n import label

MAX_SERIES = 8
MAX_SLICES = 10
MAX_BUCKETS = 400
OTHER = ("__other__",)          # a key no report value can equal


@dataclass
class Pivot:
    x_values: list
    x_labels: list[str]
    x_is_date: bool
    series_values: list
    series_labels: list[str]
    cells: dict[tuple, Any]
    links: dict[tuple, str] = field(default_factory=dict)
    filled: set[tuple] = field(default_factory=set)     # buckets without rows, drawn as 0
    bucket: str | None = None                             # x is a date bucket (month, ...)

    def value(self, x: Any, series: Any) -> Any:
        return self.cells.get((x, series))


def combine(agg: str, old: Any, new: Any) -> Any:
    if old is None or new is None:
        return new if old is None else old
    if agg in ("sum", "count"):
        return old + new
    return min(old, new) if agg == "min" else max(old, new) if agg == "max" else old


def pivot(result: ReportResult, report: Report, chart: DashboardChart, model) -> Pivot:
    names = result.names
    columns = {c.name: c for c in result.columns}
    agg = next(m.agg for m in report.measures if m.name == chart.y)
    ix, iy = names.index(chart.x), names.index(chart.y)
    iseries = names.index(chart.series) if chart.series else None
    cells: dict[tuple, Any] = {}
    xs, ss = [], []
    for row in result.rows:
        x, s = row[ix], row[iseries] if iseries is not None else None
        if x not in xs:
            xs.append(x)
        if s not in ss:
            ss.append(s)
        cells[(x, s)] = combine(agg, cells.get((x, s)), row[iy])
    x_column = columns[chart.x]
    filled: set[tuple] = set()
    if x_column.bucket:
        xs.sort(key=lambda v: (v is None, str(v)))
        if agg in ("sum", "count"):
            xs, filled = _fill_buckets(xs, ss, cells, x_column.bucket)
    if chart.type == "pie" and agg in ("sum", "count"):
        xs.sort(key=lambda x: -(cells.get((x, None)) or 0))     # biggest slices first
    limit = chart.limit or (MAX_SLICES if chart.type == "pie" else None)
    xs = _cut(xs, limit, cells, agg, axis=0)
    ss = _cut(ss, MAX_SERIES, cells, agg, axis=1) if chart.series else ss
    groups = {g.name: g for g in report.group_by}
    x_labels = [_("Other") if x == OTHER else
                value_label(x_column, x, result, group_field(model, report, groups[chart.x].field))
                for x in xs]
    if chart.series:
        s_column = columns[chart.series]
        s_field = group_field(model, report, groups[chart.series].field)
        s_labels = [_("Other") if s == OTHER else value_label(s_column, s, result, s_field) for s in ss]
    else:
        s_labels = [label(columns[chart.y].label, chart.y)]
    return Pivot(xs, x_labels, bool(x_column.bucket) or x_column.type in ("date", "datetime"),
                 ss, s_labels, cells, filled=filled, bucket=x_column.bucket)


def _fill_buckets(xs: list, ss: list, cells: dict, bucket: str) -> tuple[list, set]:
    """Every bucket between the first and the last, so a month without sales
    shows as 0 instead of a line drawn straight across it (sums and counts
    only: an empty bucket has no minimum or maximum)."""
    dated = [v for v in xs if v is not None]
    if not dated:
        return xs, set()
    day, last = date.fromisoformat(str(dated[0])[:10]), date.fromisoformat(str(dated[-1])[:10])
    every, filled = [], set()
    while day <= last and len(every) < MAX_BUCKETS:
        every.append(day.isoformat())
        day = bucket_end(day, bucket)
    known = {str(v)[:10]: v for v in dated}
    result = [known.get(text, text) for text in every] + [v for v in xs if v is None]
    for x in result:
        for s in ss:
            if (x, s) not in cells:
                cells[(x, s)] = 0
                filled.add((x, s))
    return result, filled


def _cut(values: list, limit: int | None, cells: dict, agg: str, axis: int) -> list:
    """Keep the first `limit` values; with sums and counts add the rest up as OTHER."""
    if not limit or len(values) <= limit:
        return values
    if agg not in ("sum", "count"):
        return values[:limit]
    kept, rest = values[:limit - 1], set(values[limit - 1:])
    for key in [k for k in cells if k[axis] in rest]:
        other = (OTHER, key[1]) if axis == 0 else (key[0], OTHER)
        cells[other] = combine(agg, cells.get(other), cells[key])
    return kept + [OTHER]


def group_field(model, report: Report, path: str):
    """The field a group column reads (`product`, `parent.date`, `product.category`),
    or the workflow states (options) for a form's state field; None if neither."""
    form = model.form(report.source_form)
    chain = path.split(".")
    fields = form.fields
    if report.source_subform:
        sub = form.field(report.source_subform)
        fields = sub.fields if chain[0] != "parent" else form.fields
        chain = chain[1:] if chain[0] == "parent" else chain
    owner, found = form, next((f for f in fields if f.name == chain[0]), None)
    for name in chain[1:]:
        owner = model.form(found.form) if found is not None and found.type == "link" else None
        found = owner.field(name) if owner is not None else None
    if found is None and owner is not None and owner.workflow and chain[-1] == owner.workflow.field \
            and (len(chain) > 1 or not report.source_subform or path.startswith("parent.")):
        return owner.workflow.states
    return found


def value_label(column: ReportColumn, value: Any, result: ReportResult, field_model) -> str:
    """A group value as a reader sees it: link titles, option or workflow state
    labels (`field_model` is a FieldModel or the states), bucket names
    (2026-03, 2026 Q1, 2026), Yes/No."""
    if value is None:
        return _("(empty)")
    if column.bucket:
        day = date.fromisoformat(str(value)[:10])
        return {"month": f"{day:%Y-%m}", "quarter": f"{day.year} Q{(day.month - 1) // 3 + 1}",
                "year": str(day.year)}.get(column.bucket, day.isoformat())
    if column.type == "link":
        title = result.titles.get(column.name, {}).get(value)
        return str(title) if title not in (None, "") else f"#{value}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    options = field_model.options if isinstance(field_model, FieldModel) else field_model or ()
    option = next((o for o in options if o.value == value), None)
    return label(option.label, str(value)) if option is not None else str(value)
