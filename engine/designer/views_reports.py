"""The report editor: each report's source, filter (the condition builder or
an expression), groups (with a date bucket), measures, sort and limit, told as
a sentence, with a link to the published report."""
from __future__ import annotations

from engine.db import get_db
from engine.designer import conditions, service
from engine.designer.pages import render
from engine.designer.report_text import AGGREGATES, BUCKETS, DATES, NUMBERS, report_sentence, \
    report_sources, source_fields
from engine.designer.views import _actor, designer


def _published_reports(app: str) -> set[str]:
    """Names of the reports the published version has (those can be previewed)."""
    from engine.runtime.errors import ServiceError
    from engine.runtime.registry import get_registry
    try:
        with get_db().read() as connection:
            loaded = get_registry().get(connection, app)
    except ServiceError:
        return set()
    return {r.name for r in loaded.model.reports}


def _report_view(definition: dict, index: int, report: dict, language: str) -> dict:
    source = report.get("source") if isinstance(report.get("source"), str) else ""
    fields = source_fields(definition, source)
    return {"index": index, "report": report,
            "sentence": report_sentence(definition, report, language),
            "sentence_zh": report_sentence(definition, report, "zh"),
            "sentence_en": report_sentence(definition, report, "en"),
            "fields": list(fields), "date_fields": [n for n, t in fields.items() if t in DATES],
            "number_fields": [n for n, t in fields.items() if t in NUMBERS],
            "conditions": conditions.parse(report.get("filter") if isinstance(report.get("filter"), str) else ""),
            "columns": _columns(report), "groups": _indexed(report.get("group_by")),
            "measures": _indexed(report.get("measures"))}


def _indexed(value) -> list[tuple[int, dict]]:
    """(position, item) of the objects of a list: a broken draft's other items are left to its problems."""
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []


def _columns(report: dict) -> list[str]:
    """The report's column names, offered to the sort box."""
    from engine.definitions.model import report_group_name
    names = []
    for group in report.get("group_by") or [] if isinstance(report.get("group_by"), list) else []:
        if isinstance(group, dict) and isinstance(group.get("field"), str):
            names.append(report_group_name(group))
    names += [m.get("name") for m in report.get("measures") or [] if isinstance(m, dict) and m.get("name")] \
        if isinstance(report.get("measures"), list) else []
    return [n for n in names if isinstance(n, str)]


@designer.get("/apps/<app>/reports")
def reports(app: str):
    definition = service.load_draft(get_db(), app, _actor()).definition
    listed = definition.get("reports") if isinstance(definition.get("reports"), list) else []
    views = [_report_view(definition, i, r, _actor().language) for i, r in enumerate(listed) if isinstance(r, dict)]
    return render("designer/reports.html", app, report_views=views, sources=report_sources(definition),
                  aggregates=AGGREGATES, buckets=BUCKETS, published=_published_reports(app), tab="reports")
