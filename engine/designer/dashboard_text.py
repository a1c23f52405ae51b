"""What the dashboard editor needs beyond the generic controls: each report's
columns (group columns for a chart's x and series, measures for y and a
tile), and a dashboard told as a plain sentence in the reader's language:

    经理看板（经理、管理员可见）：指标 本月销售额、已发货订单；图表 月度销售额（折线图，按月份）
    Manager dashboard (for Manager, Administrator): tiles Revenue this month,
    Shipped orders; charts Monthly revenue (line chart by Month).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.designer.sentences import _text

CHART_TYPES = ("line", "bar", "stacked_bar", "pie")
TILE_FORMATS = ("number", "integer", "money", "percent")
_TYPE_TEXT = {"zh": {"line": "折线图", "bar": "柱状图", "stacked_bar": "堆叠柱状图", "pie": "饼图"},
              "en": {"line": "line chart", "bar": "bar chart", "stacked_bar": "stacked bar chart", "pie": "pie chart"}}


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass
class ReportColumns:
    """One report of the draft as a chart or tile sees it."""
    source: str = ""
    groups: dict[str, Any] = field(default_factory=dict)      # column name -> label
    measures: dict[str, Any] = field(default_factory=dict)    # column name -> label


def report_columns(definition: dict) -> dict[str, ReportColumns]:
    """Report name -> its source, group columns and measure columns (in order)."""
    from engine.definitions.model import report_group_name
    found: dict[str, ReportColumns] = {}
    for report in _dicts(definition.get("reports") if isinstance(definition, dict) else None):
        if not isinstance(report.get("name"), str):
            continue
        columns = ReportColumns(source=report["source"] if isinstance(report.get("source"), str) else "")
        for group in _dicts(report.get("group_by")):
            if isinstance(group.get("field"), str):
                columns.groups[report_group_name(group)] = group.get("label")
        for measure in _dicts(report.get("measures")):
            if isinstance(measure.get("name"), str):
                columns.measures[measure["name"]] = measure.get("label")
        found[report["name"]] = columns
    return found


def _column_text(reports: dict[str, ReportColumns], item: dict, key: str, language: str) -> str:
    report = reports.get(str(item.get("report")))
    name = str(item.get(key) or "?")
    if report is None:
        return name
    return _text(report.groups.get(name) or report.measures.get(name), language, name)


def _role_labels(definition: dict, names: list, language: str) -> list[str]:
    roles = {r.get("name"): r.get("label") for r in _dicts(definition.get("roles"))}
    return [_text(roles.get(n), language, str(n)) for n in names]


def _chart_text(reports: dict[str, ReportColumns], chart: dict, language: str) -> str:
    zh = language == "zh"
    what = _text(chart.get("label"), language, "") or _column_text(reports, chart, "y", language)
    kind = _TYPE_TEXT[language].get(str(chart.get("type")), str(chart.get("type") or "?"))
    by = _column_text(reports, chart, "x", language)
    if chart.get("series"):
        series = _column_text(reports, chart, "series", language)
        by += f"、{series}" if zh else f" and {series}"
    return f"{what}（{kind}，按{by}）" if zh else f"{what} ({kind} by {by})"


def dashboard_sentence(definition: dict, dashboard: dict, language: str | None = "en") -> str:
    """The sentence; "" for a dashboard too broken to tell (its problems say why)."""
    language = "zh" if (language or "").startswith("zh") else "en"
    if not isinstance(dashboard, dict) or not isinstance(definition, dict):
        return ""
    try:
        return _sentence(definition, dashboard, language)
    except (TypeError, AttributeError, KeyError, ValueError):
        return ""


def _sentence(definition: dict, dashboard: dict, language: str) -> str:
    zh = language == "zh"
    reports = report_columns(definition)
    name = _text(dashboard.get("label"), language, str(dashboard.get("name") or "?"))
    roles = dashboard.get("roles") if isinstance(dashboard.get("roles"), list) else []
    tiles = [_text(t.get("label"), language, "") or _column_text(reports, t, "measure", language)
             for t in _dicts(dashboard.get("tiles"))]
    charts = [_chart_text(reports, c, language) for c in _dicts(dashboard.get("charts"))]
    if zh:
        who = f"（{'、'.join(_role_labels(definition, roles, language))}可见）" if roles else "（所有用户可见）"
        parts = ([f"指标 {'、'.join(tiles)}"] if tiles else []) + ([f"图表 {'、'.join(charts)}"] if charts else [])
        return name + who + "：" + ("；".join(parts) or "尚无指标和图表")
    who = f" (for {', '.join(_role_labels(definition, roles, language))})" if roles else " (for everyone)"
    parts = ([f"tiles {', '.join(tiles)}"] if tiles else []) + ([f"charts {', '.join(charts)}"] if charts else [])
    return name + who + ": " + ("; ".join(parts) or "no tiles or charts yet") + "."
