"""API endpoints: `GET …/records/export` and `POST …/records/import`."""
from __future__ import annotations

from dataclasses import replace

from flask import Response, jsonify, request, send_file, stream_with_context

from engine.db import get_db
from engine.runtime.api import api
from engine.runtime.api.auth import caller_language, current_actor
from engine.runtime.errors import BadRequest, ErrorDetail
from engine.runtime.records.service import get_record_service
from engine.storage.system import log_operation
from engine.runtime.transfer import export as exporting
from engine.runtime.transfer.import_ import import_file
from engine.runtime.transfer.uploads import read_upload

RECORDS = "/apps/<app>/forms/<form>/records"
TRUE = ("1", "true", "yes", "on")


def log_transfer(action: str, app: str, form: str, actor, details: dict) -> None:
    with get_db().transaction() as connection:
        log_operation(connection, f"records.{action}", f"{app}.{form}", actor_id=actor.user_id,
                      details=details, address=request.remote_addr)


@api.get(RECORDS + "/export")
def export_records(app: str, form: str):
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in exporting.FORMATS:
        raise BadRequest("format must be csv or xlsx", [ErrorDetail("format", "expected csv or xlsx")])
    actor = current_actor()
    service = get_record_service()
    plan = exporting.plan_export(service, app, form, actor, filter=request.args.get("filter"),
                                 sort=request.args.get("sort"), subform=request.args.get("subform"),
                                 language=caller_language(actor))
    page = exporting.first_page(plan)
    log_transfer("export", app, form, actor, {"format": fmt, "filter": plan.filter, "sort": plan.sort,
                                              "subform": plan.subform})
    name = f"{app}-{form}" + (f"-{plan.subform}" if plan.subform else "")
    if fmt == "csv":
        response = Response(stream_with_context(exporting.csv_chunks(plan, page)),
                            mimetype="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    handle = exporting.xlsx_file(plan, page)
    return send_file(handle, as_attachment=True, download_name=f"{name}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@api.post(RECORDS + "/import")
def import_records(app: str, form: str):
    filename, data = read_upload()
    actor = current_actor()
    actor = replace(actor, language=caller_language(actor))     # warnings name records in it
    mode = request.form.get("mode") or request.args.get("mode") or "all"
    dry_run = (request.form.get("dry_run") or request.args.get("dry_run") or "").lower() in TRUE
    key = request.form.get("key") or request.args.get("key")
    confirm = (request.form.get("confirm") or request.args.get("confirm") or "").lower() in TRUE
    report, wrote = import_file(get_record_service(), app, form, actor, data, filename,
                                mode=mode, dry_run=dry_run, key=key, confirm=confirm)
    body = report.as_dict()
    body["dry_run"] = dry_run
    log_transfer("import", app, form, actor, {"file": filename, "mode": mode, "dry_run": dry_run,
                                              "confirm": confirm,
                                              "created": report.created, "updated": report.updated,
                                              "errors": len(report.errors), "written": wrote})
    header_errors = any(e["row"] == 1 for e in report.errors)
    status = 422 if report.errors and (mode == "all" or header_errors) else 200
    return jsonify(body), status
