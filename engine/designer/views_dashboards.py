"""The dashboard editor: each dashboard's name, label, roles, KPI tiles (a
report's measure, label, format, filter) and charts (a report's group columns
as x and series, a measure as y, type, filter, drill-down, limit), told as a
sentence, with a link to the published dashboard. The pickers offer only the
columns of the chosen report: choosing another report reloads the page."""
from __future__ import annotations

from engine.db import get_db
from engine.designer import service
from engine.designer.dashboard_text import CHART_TYPES, TILE_FORMATS, ReportColumns, dashboard_sentence, \
    report_columns
from engine.designer.pages import render
from engine.designer.report_text import source_fields
from engine.designer.views import _actor, designer


def _published_dashboards(app: str) -> set[str]:
    """Names of the dashboards the published version has (those can be opened)."""
    from engine.runtime.errors import ServiceError
    from engine.runtime.registry import get_registry
    try:
        with get_db().read() as connection:
            loaded = get_registry().get(connection, app)
    except ServiceError:
        return set()
    return {d.name for d in getattr(loaded.model, "dashboards", ())}


def _indexed(value) -> list[tuple[int, dict]]:
    """(position, item) of the objects of a list: a broken draft's other items are left to its problems."""
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []


def _item_view(definition: dict, reports: dict[str, ReportColumns], index: int, item: dict) -> dict:
    """A tile or chart with what its pickers offer: its report's columns and source fields."""
    report = reports.get(item.get("report")) if isinstance(item.get("report"), str) else None
    columns = report or ReportColumns()
    return {"index": index, "item": item, "groups": list(columns.groups), "measures": list(columns.measures),
            "fields": list(source_fields(definition, columns.source)) if report else []}


def _dashboard_view(definition: dict, reports: dict[str, ReportColumns], index: int, dashboard: dict) -> dict:
    return {"index": index, "dashboard": dashboard,
            "sentence_zh": dashboard_sentence(definition, dashboard, "zh"),
            "sentence_en": dashboard_sentence(definition, dashboard, "en"),
            "tiles": [_item_view(definition, reports, i, t) for i, t in _indexed(dashboard.get("tiles"))],
            "charts": [_item_view(definition, reports, i, c) for i, c in _indexed(dashboard.get("charts"))]}


@designer.get("/apps/<app>/dashboards")
def dashboards(app: str):
    definition = service.load_draft(get_db(), app, _actor()).definition
    reports = report_columns(definition)
    views = [_dashboard_view(definition, reports, i, d) for i, d in _indexed(definition.get("dashboards"))]
    first = next(iter(reports.items()), None)
    return render("designer/dashboards.html", app, dashboard_views=views, report_names=list(reports),
                  first_report=first, chart_types=CHART_TYPES, tile_formats=TILE_FORMATS,
                  published=_published_dashboards(app), tab="dashboards")
