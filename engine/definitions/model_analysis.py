"""Compiled analysis definitions: reports, forecasts and dashboards.

Split from model.py, which keeps the forms, rules and workflow; AppModel holds
these in its `reports`, `forecasts` and `dashboards` tuples.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from engine.definitions.labels import SourcePath, label_dict


@dataclass(frozen=True, eq=False)
class ReportGroup:
    """A grouping column: a field path (`product`, `parent.date`, `product.name`),
    optionally bucketed (day/week/month/quarter/year) for date fields."""
    name: str
    field: str
    label: Mapping[str, str] | None = None
    bucket: str | None = None


@dataclass(frozen=True, eq=False)
class ReportMeasure:
    name: str
    agg: str                       # sum | count | avg | min | max
    expression: str | None         # None: count rows
    label: Mapping[str, str] | None = None


@dataclass(frozen=True, eq=False)
class Report(SourcePath):
    """A report: one GROUP BY query over the rows of `source` (engine/runtime/reports/)."""
    name: str
    label: Mapping[str, str]
    source: str                    # "form" or "form.subform"
    measures: tuple[ReportMeasure, ...]
    group_by: tuple[ReportGroup, ...] = ()
    filter: str | None = None
    sort: str | None = None
    limit: int | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.group_by) + tuple(m.name for m in self.measures)


def report_group_name(spec: Mapping[str, Any]) -> str:
    """A group column's name: explicit, else the field path with '_' and the bucket."""
    if spec.get("name"):
        return spec["name"]
    base = str(spec.get("field", "")).replace(".", "_")
    return f"{base}_{spec['bucket']}" if spec.get("bucket") else base


@dataclass(frozen=True)
class PurchaseSettings:
    """How a forecast turns into suggested purchase quantities (engine/runtime/analysis/suggestions.py)."""
    stock_form: str
    available: str
    request_form: str
    quantity: str
    incoming: str | None = None
    reason: str | None = None
    warehouse: str | None = None
    lead_time_field: str | None = None       # item field or link.field, e.g. supplier.lead_time_days
    lead_time_days: int = 7
    service_level: float = 0.95


@dataclass(frozen=True)
class ForecastModel:
    """A sales forecast over a daily report (engine/runtime/analysis/forecasting.py)."""
    name: str
    label: Mapping[str, str]
    report: str
    date: str
    value: str
    item: str | None = None
    season_length: int = 7
    horizon: int = 28
    folds: int = 3
    purchase: PurchaseSettings | None = None


@dataclass(frozen=True)
class DashboardTile:
    """A KPI: the total of one measure of a report, optionally over filtered rows."""
    report: str
    measure: str
    label: Mapping[str, str] | None = None
    format: str = "number"            # number | integer | money | percent
    filter: str | None = None


@dataclass(frozen=True)
class DashboardChart:
    """A chart of a report's rows: x (and series) are group columns, y a measure."""
    report: str
    type: str                         # line | bar | stacked_bar | pie
    x: str
    y: str
    series: str | None = None
    label: Mapping[str, str] | None = None
    filter: str | None = None
    drill: bool = True
    limit: int | None = None


@dataclass(frozen=True)
class Dashboard:
    """KPI tiles and charts over reports (engine/runtime/dashboards/)."""
    name: str
    label: Mapping[str, str]
    roles: tuple[str, ...] = ()       # empty: everyone who may open the app
    tiles: tuple[DashboardTile, ...] = ()
    charts: tuple[DashboardChart, ...] = ()


def compile_report(spec: Mapping[str, Any]) -> Report:
    return Report(
        name=spec["name"], label=label_dict(spec.get("label"), spec["name"]), source=spec["source"],
        measures=tuple(ReportMeasure(m["name"], m["agg"], m.get("expression"),
                                     label_dict(m["label"], m["name"]) if "label" in m else None)
                       for m in spec.get("measures", ())),
        group_by=tuple(ReportGroup(report_group_name(g), g["field"],
                                   label_dict(g["label"], g["field"]) if "label" in g else None,
                                   g.get("bucket"))
                       for g in spec.get("group_by", ())),
        filter=spec.get("filter"), sort=spec.get("sort"), limit=spec.get("limit"),
    )


def compile_forecast(spec: Mapping[str, Any]) -> ForecastModel:
    purchase = spec.get("purchase")
    return ForecastModel(
        name=spec["name"], label=label_dict(spec.get("label"), spec["name"]), report=spec["report"],
        date=spec["date"], value=spec["value"], item=spec.get("item"),
        season_length=spec.get("season_length", 7), horizon=spec.get("horizon", 28),
        folds=spec.get("folds", 3),
        purchase=PurchaseSettings(**purchase) if purchase else None,
    )


def compile_dashboard(spec: Mapping[str, Any]) -> Dashboard:
    def maybe_label(item: Mapping[str, Any]) -> Mapping[str, str] | None:
        return label_dict(item["label"], "") if "label" in item else None
    tiles = tuple(DashboardTile(t["report"], t["measure"], maybe_label(t), t.get("format", "number"),
                                t.get("filter")) for t in spec.get("tiles", ()))
    charts = tuple(DashboardChart(c["report"], c["type"], c["x"], c["y"], c.get("series"),
                                  maybe_label(c), c.get("filter"), c.get("drill", True), c.get("limit"))
                   for c in spec.get("charts", ()))
    return Dashboard(spec["name"], label_dict(spec.get("label"), spec["name"]),
                     tuple(spec.get("roles", ())), tiles, charts)
