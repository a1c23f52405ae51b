"""Dashboard checks: names and roles, and every tile and chart against the
report it draws — the report exists, x/series are group columns, y and a
tile's measure are measure columns, a pie has no series, averages are not
added up, filters name fields of the report's source rows."""
from __future__ import annotations

from dataclasses import dataclass
from engine.definitions.semantic_context import Context, Path, as_dict, enumerate_dicts
from engine.definitions.semantic_expressions import suggest
from engine.definitions.semantic_names import check_duplicates, named_items

SERIES_TYPES = ("line", "bar", "stacked_bar")


@dataclass(frozen=True)
class _ReportColumns:
    """A report's columns as the definition states them: name → kind, measure → agg."""
    spec: dict
    kinds: dict[str, str]            # name -> "group" | "measure"
    aggs: dict[str, str]             # measure name -> agg

    @property
    def groups(self) -> list[str]:
        return [n for n, k in self.kinds.items() if k == "group"]


def _report_columns(definition: dict) -> dict[str, _ReportColumns]:
    from engine.definitions.model import report_group_name
    found = {}
    for _, report in enumerate_dicts(definition.get("reports")):
        name = report.get("name")
        if not isinstance(name, str):
            continue
        kinds: dict[str, str] = {}
        for _, group in enumerate_dicts(report.get("group_by")):
            if isinstance(group.get("field"), str):
                kinds[report_group_name(group)] = "group"
        aggs = {m["name"]: str(m.get("agg")) for _, m in enumerate_dicts(report.get("measures"))
                if isinstance(m.get("name"), str)}
        kinds.update({n: "measure" for n in aggs})
        found[name] = _ReportColumns(report, kinds, aggs)
    return found


def check_dashboards(ctx: Context) -> None:
    definition = as_dict(ctx.definition)
    dashboards = definition.get("dashboards")
    check_duplicates(ctx, named_items(dashboards, ("dashboards",)), "dashboard")
    reports = _report_columns(definition)
    for i, dashboard in enumerate_dicts(dashboards):
        path: Path = ("dashboards", i)
        for j, role in enumerate(ctx.value(dashboard, "roles", path, list) or []):
            if isinstance(role, str) and role not in ctx.index.roles:
                guess = suggest(role, ctx.index.roles)
                ctx.error(path + ("roles", j), f"unknown role '{role}'",
                          f"did you mean '{guess}'?" if guess else None)
        for j, tile in enumerate_dicts(dashboard.get("tiles")):
            _check_tile(ctx, tile, path + ("tiles", j), reports)
        for j, chart in enumerate_dicts(dashboard.get("charts")):
            _check_chart(ctx, chart, path + ("charts", j), reports)


def _report(ctx: Context, item: dict, path: Path, reports: dict[str, _ReportColumns]):
    name = ctx.value(item, "report", path, str)
    if name is None:
        return None
    found = reports.get(name)
    if found is None:
        guess = suggest(name, reports)
        ctx.error(path + ("report",), f"unknown report '{name}'",
                  f"did you mean '{guess}'?" if guess else
                  (f"known: {', '.join(sorted(reports))}" if reports else "the app has no reports"))
    return found


def _column(ctx: Context, item: dict, key: str, path: Path, report: _ReportColumns,
            kind: str) -> str | None:
    """The column named at item[key], which must exist and be of `kind`."""
    name = ctx.value(item, key, path, str)
    if name is None:
        return None
    found = report.kinds.get(name)
    wanted = [n for n, k in report.kinds.items() if k == kind]
    if found is None:
        guess = suggest(name, wanted)
        ctx.error(path + (key,), f"unknown column '{name}' in report '{item['report']}'",
                  f"did you mean '{guess}'?" if guess else f"{kind} columns: {', '.join(wanted) or 'none'}")
        return None
    if found != kind:
        ctx.error(path + (key,), f"'{name}' is a {found} column of report '{item['report']}'; "
                  f"'{key}' needs a {kind} column", f"{kind} columns: {', '.join(wanted) or 'none'}")
        return None
    return name


def _check_tile(ctx: Context, tile: dict, path: Path, reports: dict[str, _ReportColumns]) -> None:
    report = _report(ctx, tile, path, reports)
    if report is None:
        return
    measure = _column(ctx, tile, "measure", path, report, "measure")
    if measure is not None and report.aggs[measure] == "avg" and report.groups:
        ctx.error(path + ("measure",), f"'{measure}' is an average per group of report "
                  f"'{tile['report']}'; averages cannot be added up into one total",
                  "use a report without group_by for an average tile")
    _check_filter(ctx, tile, path, report)


def _check_chart(ctx: Context, chart: dict, path: Path, reports: dict[str, _ReportColumns]) -> None:
    report = _report(ctx, chart, path, reports)
    if report is None:
        return
    x = _column(ctx, chart, "x", path, report, "group")
    series = _column(ctx, chart, "series", path, report, "group")
    y = _column(ctx, chart, "y", path, report, "measure")
    kind = ctx.value(chart, "type", path, str)
    if kind == "pie" and "series" in chart:
        ctx.error(path + ("series",), "a pie shows one measure per slice and cannot have series",
                  "use a bar or stacked_bar chart to split by a second column")
    if x is not None and x == series:
        ctx.error(path + ("series",), f"'{series}' is already the x column")
    if kind == "stacked_bar" and "series" not in chart:
        ctx.warning(path, "a stacked_bar without series draws plain bars",
                    "add 'series': a second group column")
    unused = [g for g in report.groups if g not in (x, series)]
    if y is not None and unused and report.aggs[y] == "avg":
        ctx.error(path + ("y",), f"report '{chart['report']}' also groups by "
                  f"{', '.join(unused)}, which the chart does not show; averages per group "
                  f"cannot be combined", "use the report's groups as x and series, or sum/count")
    _check_filter(ctx, chart, path, report)


def _check_filter(ctx: Context, item: dict, path: Path, report: _ReportColumns) -> None:
    """The same check as a report's own filter: names of the source rows, and
    it must run as SQL (else the tile or chart would be refused at run time)."""
    from engine.definitions.semantic_reports import _check_filter as check_report_filter
    from engine.definitions.semantic_reports import _Source
    source = ctx.value(item, "filter", path, str)
    ref = report.spec.get("source")
    if source is None or not isinstance(ref, str):
        return
    form, subform = ctx.index.resolve_ref(ref)
    if form is None or ("." in ref and (subform is None or subform.opaque)):
        return                        # the report's own checks name the bad source
    check_report_filter(ctx, path + ("filter",), source, _Source(ctx, form, subform))
