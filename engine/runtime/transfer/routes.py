"""API endpoints: `GET …/records/export` and `POST …/records/import`."""
from __future__ import annotations

from dataclasses import replace

from flask import Response, current_app, jsonify, request, send_file, stream_with_context

from engine.db import get_db
from engine.runtime.api import api
from engine.runtime.api.auth import caller_language, current_actor
from engine.runtime.api.limits import accepts_body
from engine.runtime.errors import BadRequest, ErrorDetail
from engine.runtime.records.service import get_record_service
from engine.storage.system import log_operation
from engine.runtime.transfer import export as exporting
from engine.runtime.transfer.import_ import import_file
from engine.runtime.transfer.uploads import DEFAULT_IMPORT_MAX_BYTES, MULTIPART_OVERHEAD, read_upload

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


def _upload_limit() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES) + MULTIPART_OVERHEAD


@api.post(RECORDS + "/import")
@accepts_body(_upload_limit)      # the Idempotency-Key hook hashes the upload before the view
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


def transfer_paths(document, loaded, actor, operation) -> None:
    """Export and import of each form the caller may export or import."""
    from engine.runtime.api.openapi_records import list_params
    from engine.runtime.api.openapi_schemas import IMPORT_REPORT, ref
    from engine.runtime.permissions import access_for
    model = loaded.model
    for form in model.forms.values():
        access = access_for(actor, model, form)
        base, name, tag = (f"/apps/{model.name}/forms/{form.name}/records", f"{model.name}_{form.name}",
                           [f"{model.name}.{form.name}"])
        if access.can("read") and access.can("export"):
            params = [p for p in list_params(form, access.hidden) if p["name"] in ("filter", "sort")] + [
                {"name": "format", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(exporting.FORMATS), "default": "csv"}},
                {"name": "subform", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "One row per row of this subform"}]
            document["paths"][base + "/export"] = {"get": operation(
                tag, f"Export {form.name} records as CSV or XLSX", None, params=params, content=FILE_CONTENT,
                operation_id=f"{name}_export")}
        if access.can("import"):
            document["components"]["schemas"]["ImportReport"] = IMPORT_REPORT
            imported = operation(tag, f"Import {form.name} records from CSV or XLSX", ref("ImportReport"),
                                 body_content=IMPORT_BODY, operation_id=f"{name}_import",
                                 description="Imported (or, with mode=skip, the good rows imported); errors listed")
            # mode=all with bad rows: 422 and the report listing every error
            imported["responses"]["422"]["content"]["application/json"]["schema"] = {
                "oneOf": [ref("ImportReport"), ref("Error")]}
            document["paths"][base + "/import"] = {"post": imported}


FILE_CONTENT = {"text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                    {"schema": {"type": "string", "format": "binary"}}}
IMPORT_BODY = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "CSV (UTF-8) or XLSX"},
        "mode": {"type": "string", "enum": ["all", "skip"], "default": "all"},
        "dry_run": {"type": "boolean", "default": False},
        "key": {"type": "string", "description": "The field grouping subform rows into records"}}}}}


from engine.runtime.api.openapi import register_paths  # noqa: E402  (after the routes)
register_paths(transfer_paths)
