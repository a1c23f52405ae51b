"""REST: `GET /api/v1/apps/{app}/reports` (what the caller may run),
`GET …/reports/{name}?filter=…&limit=…` (DESIGN §5: `columns` and `rows`, with
`column_info` alongside) and `GET …/reports/{name}/export?format=csv|xlsx`."""
from __future__ import annotations

import re

from flask import Response, jsonify, request, send_file

from engine.runtime.api import api
from engine.db import get_db
from engine.runtime.api.auth import caller_language, current_actor
from engine.runtime.errors import BadRequest, ErrorDetail
from engine.runtime.records.values import json_value
from engine.runtime.reports import export as exporting
from engine.runtime.reports import run_report, runnable_reports
from engine.runtime.reports import openapi as _openapi  # noqa: F401  (registers the report paths)
from engine.storage.system import log_operation

REPORTS = "/apps/<app>/reports"
REPORT = REPORTS + "/<name>"
WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
MAX_LIMIT = 100_000
TRUE = ("1", "true", "yes", "on")


def report_limit() -> int | None:
    raw = request.args.get("limit")
    if raw is None:
        return None
    if not WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}",
                         [ErrorDetail("limit", f"expected 1..{MAX_LIMIT}")])
    return int(raw)


def result_json(result, *, titles: bool) -> dict:
    body = {"columns": result.names,
            "column_info": [column.as_dict() for column in result.columns],
            "rows": [[json_value(value) for value in row] for row in result.rows]}
    if titles:
        body["titles"] = {name: {str(k): v for k, v in found.items()}
                          for name, found in result.titles.items()}
    return body


@api.get(REPORTS)
def list_reports(app: str):
    return jsonify({"items": runnable_reports(app, actor=current_actor())})


@api.get(REPORT)
def get_report(app: str, name: str):
    titles = (request.args.get("titles") or "").lower() in TRUE
    result = run_report(app, name, actor=current_actor(), filter=request.args.get("filter"),
                        limit=report_limit(), titles=titles)
    return jsonify(result_json(result, titles=titles))


@api.get(REPORT + "/export")
def export_report(app: str, name: str):
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in exporting.FORMATS:
        raise BadRequest("format must be csv or xlsx", [ErrorDetail("format", "expected csv or xlsx")])
    actor = current_actor()
    result = run_report(app, name, actor=actor, filter=request.args.get("filter"),
                        limit=report_limit(), titles=True, export=True)
    with get_db().transaction() as connection:
        log_operation(connection, "reports.export", f"{app}.{name}", actor_id=actor.user_id,
                      details={"format": fmt, "filter": request.args.get("filter"),
                               "rows": len(result.rows)}, address=request.remote_addr)
    language = caller_language(actor)
    filename = f"{app}-{name}"
    if fmt == "csv":
        response = Response(exporting.csv_text(result, language), mimetype="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    handle = exporting.xlsx_file(result, language, name)
    return send_file(handle, as_attachment=True, download_name=f"{filename}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
