"""The report paths of the OpenAPI document: the list, and each report the caller may run."""
from __future__ import annotations

from typing import Any

from engine.runtime.errors import ServiceError

RESULT_SCHEMA = {
    "type": "object", "required": ["columns", "column_info", "rows"],
    "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "column_info": {"type": "array", "items": {
            "type": "object", "required": ["name", "label", "kind", "type"],
            "properties": {"name": {"type": "string"},
                           "label": {"type": "object", "additionalProperties": {"type": "string"}},
                           "kind": {"enum": ["group", "measure"]}, "type": {"type": "string"},
                           "bucket": {"enum": ["day", "week", "month", "quarter", "year"]}}}},
        "rows": {"type": "array", "items": {"type": "array"}},
        "titles": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {"type": "string"}}},
    },
}
LIST_SCHEMA = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["name", "label", "source"],
    "properties": {"name": {"type": "string"}, "source": {"type": "string"},
                   "label": {"type": "object", "additionalProperties": {"type": "string"}}}}}}}
PARAMS = [
    {"name": "filter", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "An extra filter expression over the source rows, AND-ed with the report's"},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
]


def add_report_paths(document: dict[str, Any], loaded, actor, operation) -> None:
    """`operation(tags, summary, schema, params=)` is the document's operation builder."""
    from engine.runtime.reports.query import plan_report
    model = loaded.model
    if not model.reports:
        return
    tag = [f"{model.name}.reports"]
    base = f"/apps/{model.name}/reports"
    document["paths"][base] = {"get": operation(tag, f"Reports of {model.name} the caller may run",
                                                LIST_SCHEMA)}
    for report in model.reports:
        try:
            plan_report(loaded, report, actor, "sqlite")
        except (ServiceError, KeyError, ValueError):
            continue
        titles = {"name": "titles", "in": "query", "required": False, "schema": {"type": "boolean"},
                  "description": "Also answer the titles of linked records grouped by"}
        document["paths"][f"{base}/{report.name}"] = {"get": operation(
            tag, f"Run the report {report.name}", RESULT_SCHEMA, params=PARAMS + [titles])}
        fmt = {"name": "format", "in": "query", "required": False,
               "schema": {"enum": ["csv", "xlsx"], "default": "csv"}}
        document["paths"][f"{base}/{report.name}/export"] = {"get": operation(
            tag, f"Export the report {report.name} as CSV or XLSX", None, params=PARAMS + [fmt])}
