"""The report paths of the OpenAPI document: the list, and each report the caller may run."""
from __future__ import annotations

from typing import Any

from engine.runtime.api.openapi import register_paths
from engine.runtime.api.openapi_schemas import CELL, LABEL, STRING, array, obj, ref
from engine.runtime.errors import ServiceError

COLUMN = obj({"name": STRING, "label": LABEL, "kind": {"type": "string", "enum": ["group", "measure"]},
              "type": {"type": "string", "description": "A field type: date, link, decimal, integer, text, …"},
              "bucket": {"type": "string", "enum": ["day", "week", "month", "quarter", "year"]}},
             optional=["bucket"])
RESULT_SCHEMA = obj({
    "columns": array(STRING),
    "column_info": array(ref("ReportColumn")),
    "rows": array(array(CELL), description="One value per column, in the order of `columns`"),
    "titles": {"type": "object", "description": "With titles=1: {COLUMN: {ID: TITLE}} for link columns",
               "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}},
}, optional=["titles"], examples=[{
    "columns": ["month", "product", "qty", "revenue"],
    "column_info": [{"name": "month", "label": {"zh": "月份", "en": "Month"}, "kind": "group", "type": "date",
                     "bucket": "month"}],
    "rows": [["2024-01-01", 3, 6.0, 13.0]]}])
LIST_SCHEMA = obj({"items": array(obj({"name": STRING, "source": STRING, "label": LABEL}))})
FILE_CONTENT = {"text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                    {"schema": {"type": "string", "format": "binary"}}}
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
    schemas = document["components"]["schemas"]
    schemas.update({"ReportColumn": COLUMN, "ReportResult": RESULT_SCHEMA, "ReportList": LIST_SCHEMA})
    document["paths"][base] = {"get": operation(tag, f"Reports of {model.name} the caller may run",
                                                ref("ReportList"), operation_id=f"{model.name}_reports")}
    for report in model.reports:
        try:
            plan_report(loaded, report, actor, "sqlite")
        except (ServiceError, KeyError, ValueError):
            continue
        titles = {"name": "titles", "in": "query", "required": False, "schema": {"type": "boolean"},
                  "description": "Also answer the titles of linked records grouped by"}
        document["paths"][f"{base}/{report.name}"] = {"get": operation(
            tag, f"Run the report {report.name}", ref("ReportResult"), params=PARAMS + [titles],
            operation_id=f"{model.name}_report_{report.name}")}
        fmt = {"name": "format", "in": "query", "required": False,
               "schema": {"enum": ["csv", "xlsx"], "default": "csv"}}
        document["paths"][f"{base}/{report.name}/export"] = {"get": operation(
            tag, f"Export the report {report.name} as CSV or XLSX", None, params=PARAMS + [fmt],
            content=FILE_CONTENT, operation_id=f"{model.name}_report_{report.name}_export")}


register_paths(add_report_paths)
