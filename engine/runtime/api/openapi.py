"""OpenAPI 3.1 document generated from the installed definitions.

Each form gets concrete paths and three schemas reusing the record schema of
the save pipeline: the stored record, the body of a create and of an update.
"""
from __future__ import annotations

import copy
from typing import Any

from flask import jsonify

import engine
from engine.db import get_db
from engine.definitions.model import FormModel
from engine.runtime.actor import SYSTEM, Actor
from engine.runtime.api import api
from engine.runtime.api.auth import current_actor
from engine.runtime.errors import Unauthorized
from engine.runtime.permissions import access_for
from engine.runtime.records.coerce import MAX_INTEGER
from engine.runtime.records.queries import sortable_fields
from engine.runtime.records.schema import record_schema
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
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Liandong API", "version": engine.__version__},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR_SCHEMA}},
        "security": [{"bearer": []}],
        "paths": {},
    }
    document["paths"]["/apps"] = {"get": _operation(["apps"], "Installed apps", APPS_PAGE)}
    for loaded in apps if actor is not None else ():
        model = loaded.model
        readable = [a for a in (access_for(actor, model, f) for f in model.forms.values()) if a.can("read")]
        if not readable:
            continue
        document["paths"][f"/apps/{model.name}/forms"] = {"get": _operation(
            ["apps"], f"Forms of {model.name} and their fields", FORMS_PAGE)}
        for access in readable:
            _add_form(document, model, access.form, access)
        from engine.runtime.reports.openapi import add_report_paths
        add_report_paths(document, loaded, actor, _operation)
        from engine.runtime.analysis.inventory_openapi import add_inventory_paths
        add_inventory_paths(document, loaded, actor, _operation)
        from engine.runtime.analysis.forecast_openapi import add_forecast_paths
        add_forecast_paths(document, loaded, actor, _operation)
    return document


def _add_form(document, model, form: FormModel, access) -> None:
    base = f"/apps/{model.name}/forms/{form.name}/records"
    key = f"{model.name}.{form.name}"
    # The caller's view: hidden fields left out, fields they may not write read-only.
    readonly = model.adjusted_fields(form.name) | (frozenset(access.levels) - access.writable)
    hidden = access.hidden
    schemas = document["components"]["schemas"]
    schemas[key] = _without(output_schema(form, readonly), hidden)
    schemas[f"{key}.create"] = _without(input_schema(form, readonly, creating=True), hidden)
    schemas[f"{key}.update"] = _without(input_schema(form, readonly, creating=False), hidden)
    schemas[f"{key}.page"] = {"type": "object", "required": ["items", "next"], "properties": {
        "items": {"type": "array", "items": _list_item(schemas[key], form)},
        "next": {"type": ["string", "null"]}}}
    ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
    record_id = [{"name": "record_id", "in": "path", "required": True,
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}}]
    tag = [f"{model.name}.{form.name}"]
    document["paths"][base] = {
        "get": _operation(tag, f"List {form.name} records", ref(f"{key}.page"),
                          params=list_params(form, hidden)),
        "post": _operation(tag, f"Create a {form.name} record", ref(key), status="201",
                           body=ref(f"{key}.create")),
    }
    document["paths"][base + "/{record_id}"] = {
        "get": _operation(tag, f"Read a {form.name} record", ref(key), params=record_id),
        "patch": _operation(tag, f"Update a {form.name} record", ref(key), params=record_id,
                            body=ref(f"{key}.update")),
        "delete": _operation(tag, f"Delete a {form.name} record", None, status="204", params=record_id),
    }
    document["paths"][base + "/{record_id}/history"] = {
        "get": _operation(tag, f"History of a {form.name} record", HISTORY_PAGE, params=record_id)}
    if form.workflow is not None:
        names = [t.name for t in form.workflow.transitions]
        document["paths"][base + "/{record_id}/transitions/{name}"] = {
            "post": _operation(tag, f"Take a workflow transition of a {form.name} record", ref(key),
                               params=record_id + [{"name": "name", "in": "path", "required": True,
                                                    "schema": {"type": "string", "enum": names}}],
                               body=_without(transition_body(form, readonly), hidden))}
    document["paths"][base + "/{record_id}/restore"] = {
        "post": _operation(tag, f"Restore a {form.name} record to a history entry (undeletes too)",
                           ref(key), params=record_id, body=RESTORE_BODY)}
    _drop_forbidden_operations(document, base, access)


def _without(schema: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    """A schema without the caller's hidden fields (a new dict: schemas are cached)."""
    if not hidden:
        return schema
    schema = dict(schema)
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in hidden}
    if "required" in schema:
        schema["required"] = [name for name in schema["required"] if name not in hidden]
    return schema


# operation -> the right it needs (reads need `read`, which every listed form has)
NEEDED_RIGHTS = {("", "post"): "create", ("/{record_id}", "patch"): "update",
                 ("/{record_id}", "delete"): "delete", ("/{record_id}/restore", "post"): "update"}


def _drop_forbidden_operations(document, base: str, access) -> None:
    for (suffix, method), right in NEEDED_RIGHTS.items():
        if not access.can(right):
            path = document["paths"].get(base + suffix, {})
            path.pop(method, None)
            if not path:
                document["paths"].pop(base + suffix, None)


def transition_body(form: FormModel, readonly: frozenset[str]) -> dict[str, Any]:
    """A comment, plus values for the form's writable fields (e.g. required_fields)."""
    body = input_schema(form, readonly, creating=False)
    body["properties"].pop("version", None)
    body["properties"]["comment"] = {"type": ["string", "null"], "maxLength": 2000}
    return body


AVAILABLE_TRANSITIONS = {"type": "array", "readOnly": True, "items": {
    "type": "object", "required": ["name", "to"], "properties": {
        "name": {"type": "string"}, "label": {"type": "object"}, "to": {"type": "string"},
        "comment": {"enum": ["optional", "required", "none"]},
        "required_fields": {"type": "array", "items": {"type": "string"}}}}}


def _operation(tags, summary, schema, *, status="200", params=(), body=None) -> dict[str, Any]:
    responses: dict[str, Any] = {status: {"description": "OK"}}
    if schema is not None:
        responses[status]["content"] = {"application/json": {"schema": schema}}
    for code, text in ERROR_STATUSES.items():
        responses[code] = {"description": text, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    operation = {"tags": tags, "summary": summary, "parameters": list(params), "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def output_schema(form: FormModel, readonly: frozenset[str]) -> dict[str, Any]:
    schema = copy.deepcopy(record_schema(form, readonly))
    schema["required"] = ["id", "version"]
    if form.workflow is not None:
        schema["properties"]["available_transitions"] = AVAILABLE_TRANSITIONS
    return schema


def _list_item(record: dict[str, Any], form: FormModel) -> dict[str, Any]:
    """List items carry the scalar fields (no subform rows) plus link titles."""
    item = copy.deepcopy(record)
    subforms = {f.name for f in form.subforms}
    item["properties"] = {k: v for k, v in item["properties"].items() if k not in subforms}
    item["properties"]["_titles"] = {"type": "object"}
    return item


def input_schema(form: FormModel, readonly: frozenset[str], *, creating: bool) -> dict[str, Any]:
    """What a client may send: writable fields only; `version` on updates. (A
    record as read may also be sent back whole: its system keys are ignored
    when unchanged, DESIGN §7.1; the schema documents what a client sets.)"""
    stored = record_schema(form, readonly)
    properties = {}
    for name, spec in stored["properties"].items():
        if spec.get("readOnly") or name in readonly:
            continue
        properties[name] = _writable(spec)
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if creating:
        schema["required"] = [n for n in stored["required"] if n in properties]
    else:
        properties["version"] = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
    return schema


def _writable(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    if spec.get("type") == "array" and isinstance(spec.get("items"), dict):
        items = spec["items"]
        if items.get("type") == "object" and "properties" in items:
            items["properties"] = {k: _writable(v) for k, v in items["properties"].items()
                                   if not v.get("readOnly")}
    return spec


def list_params(form: FormModel, hidden: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    names = "|".join(name for name in sortable_fields(form) if name not in hidden)
    sort = {"type": "string", "pattern": f"^ *[-+]?({names}) *(, *[-+]?({names}) *)*$"}
    return [
        {"name": "filter", "in": "query", "schema": {"type": "string"},
         "description": "An expression, e.g. status == 'draft' and total > 100"},
        {"name": "sort", "in": "query", "schema": sort,
         "description": "Comma-separated fields, '-' for descending (default -id)"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
        {"name": "after", "in": "query", "schema": {"type": "string"},
         "description": "The `next` cursor of the previous page"},
    ]


RESTORE_BODY = {"type": "object", "required": ["to"], "additionalProperties": False, "properties": {
    "to": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER, "description": "A history entry id"}}}
APPS_PAGE = {"type": "object", "required": ["items", "next"], "properties": {
    "items": {"type": "array", "items": {"type": "object", "required": ["name", "version", "forms"],
                                         "properties": {"name": {"type": "string"},
                                                        "label": {"type": "object"},
                                                        "version": {"type": "string"},
                                                        "forms": {"type": "array",
                                                                  "items": {"type": "string"}}}}},
    "next": {"type": "null"}}}
FORMS_PAGE = {"type": "object", "required": ["items", "next"], "properties": {
    "items": {"type": "array", "items": {"type": "object", "required": ["name", "fields"]}},
    "next": {"type": "null"}}}
ERROR_SCHEMA = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message", "details"], "properties": {
        "code": {"type": "string", "examples": ["bad_request", "forbidden", "conflict", "duplicate"]},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": ["string", "null"]}, "message": {"type": "string"},
            "value": {"description": "the offending value (code duplicate)"}}}}}}}}
HISTORY_PAGE = {"type": "object", "properties": {"items": {"type": "array"}, "next": {"type": ["null", "string"]}}}
