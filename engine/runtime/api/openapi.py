"""OpenAPI 3.1 document generated from the installed definitions, for the caller.

Paths come from builders that features register (`register_paths` per app,
`register_global_paths` once): the records of each form (openapi_records.py),
reports, analyses, forecasts, import/export, notifications, batch. Every
answer and body is typed (openapi_schemas.py). A last pass gives each
operation an `operationId` (when its builder did not) and the
`Idempotency-Key` header on every POST, PATCH and DELETE.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from flask import jsonify

import engine
from engine.db import get_db
from engine.runtime.actor import SYSTEM, Actor
from engine.runtime.api import api
from engine.runtime.api.auth import current_actor
from engine.runtime.api.openapi_schemas import ref, shared_schemas
from engine.runtime.errors import Unauthorized
from engine.runtime.permissions import access_for
from engine.runtime.registry import get_registry

ERROR_STATUSES = {"400": "Bad request (an unknown key in a body is named in details)",
                  "401": "Not signed in",
                  "403": "Forbidden (also: a read-only field or a system key such as id or "
                         "created_by set on a create or changed on an update, named in details)",
                  "404": "Not found",
                  "409": "code `conflict`: a stale version, or a record others refer to; "
                         "code `duplicate`: a unique value another record holds (details name "
                         "each field with its value)",
                  "413": "Body too large", "422": "Validation failed"}
WRITE_METHODS = ("post", "patch", "delete")
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Repeat a write safely: the same key and request answer the first answer "
                   "(kept at least 24 hours); the same key with another request is 422 "
                   "`idempotency_key_reused`. Keys are per user.",
}

AppPaths = Callable[[dict, Any, Actor, Callable], None]       # (document, loaded app, actor, operation)
GlobalPaths = Callable[[dict, Actor, Callable], None]          # (document, actor, operation)
APP_PATH_BUILDERS: list[AppPaths] = []
GLOBAL_PATH_BUILDERS: list[GlobalPaths] = []


def register_paths(builder: AppPaths) -> AppPaths:
    """Add a builder of per-app paths (a feature registering its endpoints)."""
    if builder not in APP_PATH_BUILDERS:
        APP_PATH_BUILDERS.append(builder)
    return builder


def register_global_paths(builder: GlobalPaths) -> GlobalPaths:
    if builder not in GLOBAL_PATH_BUILDERS:
        GLOBAL_PATH_BUILDERS.append(builder)
    return builder


@api.get("/openapi.json")
def openapi_document():
    """The document for the caller: the forms, fields and operations they may
    use (anonymous callers see no app at all)."""
    try:
        actor = current_actor()
    except Unauthorized:
        actor = None
    registry = get_registry()
    with get_db().read() as connection:
        apps = [registry.get(connection, name) for name in registry.names(connection)]
    return jsonify(build_document(apps, actor))


def build_document(apps, actor: Actor | None = SYSTEM) -> dict[str, Any]:
    from engine.runtime.api import openapi_records  # noqa: F401  (registers the record paths first)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Liandong API", "version": engine.__version__,
                 "description": "Records, workflow, history, reports and analyses of the installed apps. "
                                "Errors answer the `Error` schema. See docs/api.md."},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": shared_schemas()},
        "security": [{"bearer": []}],
        "paths": {},
    }
    document["paths"]["/apps"] = {"get": operation(["apps"], "Installed apps", ref("AppsPage"),
                                                   operation_id="list_apps")}
    for loaded in apps if actor is not None else ():
        model = loaded.model
        if not any(access_for(actor, model, form).can("read") for form in model.forms.values()):
            continue
        document["paths"][f"/apps/{model.name}/forms"] = {"get": operation(
            ["apps"], f"Forms of {model.name} and their fields", ref("FormsPage"),
            operation_id=f"{model.name}_forms")}
        for builder in APP_PATH_BUILDERS:
            builder(document, loaded, actor, operation)
    if actor is not None:
        for global_builder in GLOBAL_PATH_BUILDERS:
            global_builder(document, actor, operation)
    finish_operations(document)
    return document


def operation(tags, summary, schema, *, status="200", params=(), body=None, operation_id=None,
              content=None, body_content=None, description=None) -> dict[str, Any]:
    """One operation. `schema`: the JSON answer (None: no body); `content`: other
    answer media types; `body`: the JSON request body, `body_content` another."""
    responses: dict[str, Any] = {status: {"description": description or "OK"}}
    if schema is not None:
        responses[status]["content"] = {"application/json": {"schema": schema}}
    if content is not None:
        responses[status]["content"] = content
    for code, text in ERROR_STATUSES.items():
        responses.setdefault(code, {"description": text, "content": {
            "application/json": {"schema": ref("Error")}}})
    result = {"tags": list(tags), "summary": summary, "parameters": list(params), "responses": responses}
    if operation_id:
        result["operationId"] = operation_id
    if body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if body_content is not None:
        result["requestBody"] = {"required": True, "content": body_content}
    return result


def finish_operations(document: dict[str, Any]) -> None:
    """Operation ids where missing (unique), and Idempotency-Key on writes."""
    seen: set[str] = set()
    for path, item in document["paths"].items():
        for method, op in item.items():
            op_id = op.get("operationId") or derived_operation_id(method, path)
            while op_id in seen:
                op_id += "_"
            op["operationId"] = op_id
            seen.add(op_id)
            if method in WRITE_METHODS and not any(p.get("name") == "Idempotency-Key" for p in op["parameters"]):
                op["parameters"].append(dict(IDEMPOTENCY_HEADER))


def derived_operation_id(method: str, path: str) -> str:
    """`GET /apps/inventory/reports/{name}` → `get_inventory_reports_by_name`."""
    words = [method]
    for segment in path.strip("/").split("/"):
        if segment in ("apps", "forms", ""):
            continue
        words.append("by_" + segment[1:-1] if segment.startswith("{") else segment)
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(words))
