"""The record paths of the OpenAPI document: per form, three schemas reusing the
record schema of the save pipeline (the stored record, the body of a create
and of an update) and the operations the caller's rights allow; plus the
app's batch endpoint."""
from __future__ import annotations

import copy
from typing import Any

from engine.definitions.model import FormModel
from engine.runtime.api.openapi import register_paths
from engine.runtime.api.openapi_schemas import (LABEL, RECORD_ID, STRING, array, batch_schemas, nullable,
                                                obj, ref)
from engine.runtime.permissions import access_for
from engine.runtime.records.coerce import MAX_INTEGER
from engine.runtime.records.queries import sortable_fields
from engine.runtime.records.schema import record_schema

RECORD_ID_PARAM = {"name": "record_id", "in": "path", "required": True, "schema": RECORD_ID}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "The version you read, as the ETag (`\"3\"`): a stale one answers 409"}
LOCATION = {"Location": {"description": "The new record's URL", "schema": {"type": "string"}},
            "ETag": {"description": "The record's version", "schema": {"type": "string"}}}
RESTORE_BODY = obj({"to": {**RECORD_ID, "description": "A history entry id"}}, additionalProperties=False)
AVAILABLE_TRANSITIONS = {"readOnly": True, **array(obj({
    "name": STRING, "label": LABEL, "to": STRING,
    "comment": {"type": "string", "enum": ["optional", "required", "none"]},
    "required_fields": array(STRING)}, optional=["label", "comment", "required_fields"]))}
TITLES = {"type": "object", "additionalProperties": {"type": ["string", "number", "null"]},
          "description": "The title of each linked record, by link field"}


@register_paths
def add_record_paths(document: dict[str, Any], loaded, actor, operation) -> None:
    model = loaded.model
    writable = False
    for form in model.forms.values():
        access = access_for(actor, model, form)
        if access.can("read"):
            _add_form(document, model, form, access, operation)
            writable = writable or any(access.can(r) for r in ("create", "update", "delete"))
    if writable:
        document["components"]["schemas"].update(batch_schemas())
        document["paths"][f"/apps/{model.name}/batch"] = {"post": operation(
            [f"{model.name}.batch"], f"Up to 500 writes to {model.name} in one transaction, all or nothing",
            ref("BatchAnswer"), body=ref("BatchRequest"), operation_id=f"{model.name}_batch",
            description="Every operation's status and body in order; on a failure the first failing "
                        "operation's status and error, with `error.index`, and nothing written")}


def _add_form(document, model, form: FormModel, access, operation) -> None:
    base = f"/apps/{model.name}/forms/{form.name}/records"
    key, name = f"{model.name}.{form.name}", f"{model.name}_{form.name}"
    # The caller's view: hidden fields left out, fields they may not write read-only.
    readonly = model.adjusted_fields(form.name) | (frozenset(access.levels) - access.writable)
    hidden = access.hidden
    schemas = document["components"]["schemas"]
    schemas[key] = _without(output_schema(form, readonly), hidden)
    schemas[f"{key}.create"] = _without(input_schema(form, readonly, creating=True), hidden)
    schemas[f"{key}.update"] = _without(input_schema(form, readonly, creating=False), hidden)
    schemas[f"{key}.item"] = _list_item(schemas[key], form)
    schemas[f"{key}.page"] = obj({"items": array(ref(f"{key}.item")), "next": nullable(STRING)})
    tag = [key]
    record_id = [RECORD_ID_PARAM]
    created = operation(tag, f"Create a {form.name} record", ref(key), status="201",
                        body=ref(f"{key}.create"), operation_id=f"{name}_create")
    created["responses"]["201"]["headers"] = LOCATION
    document["paths"][base] = {
        "get": operation(tag, f"List {form.name} records", ref(f"{key}.page"),
                         params=list_params(form, hidden), operation_id=f"{name}_list"),
        "post": created,
    }
    document["paths"][base + "/{record_id}"] = {
        "get": operation(tag, f"Read a {form.name} record", ref(key), params=record_id,
                         operation_id=f"{name}_get"),
        "patch": operation(tag, f"Update a {form.name} record", ref(key), params=record_id + [IF_MATCH],
                           body=ref(f"{key}.update"), operation_id=f"{name}_update"),
        "delete": operation(tag, f"Delete a {form.name} record", None, status="204",
                            params=record_id + [IF_MATCH], operation_id=f"{name}_delete",
                            description="Deleted"),
    }
    document["paths"][base + "/{record_id}/history"] = {"get": operation(
        tag, f"History of a {form.name} record, newest first", ref("HistoryPage"), params=record_id,
        operation_id=f"{name}_history")}
    document["paths"][base + "/{record_id}/ledger"] = {"get": operation(
        tag, f"Effect-ledger movements of a {form.name} record (rule targets), newest first",
        ref("LedgerPage"), params=record_id, operation_id=f"{name}_ledger")}
    if form.workflow is not None:
        names = [t.name for t in form.workflow.transitions]
        document["paths"][base + "/{record_id}/transitions/{name}"] = {"post": operation(
            tag, f"Take a workflow transition of a {form.name} record", ref(key),
            params=record_id + [{"name": "name", "in": "path", "required": True,
                                 "schema": {"type": "string", "enum": names}}],
            body=_without(transition_body(form, readonly), hidden), operation_id=f"{name}_transition")}
    document["paths"][base + "/{record_id}/restore"] = {"post": operation(
        tag, f"Restore a {form.name} record to a history entry (undeletes too)", ref(key),
        params=record_id, body=RESTORE_BODY, operation_id=f"{name}_restore")}
    if not access.is_row_limited:
        document["paths"][base + "/deleted"] = {"get": operation(
            tag, f"Deleted {form.name} records (tombstones for sync), oldest first", ref("DeletionPage"),
            params=DELETION_PARAMS, operation_id=f"{name}_deleted")}
    _drop_forbidden_operations(document, base, access)


DELETION_PARAMS = [
    {"name": "since", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
     "description": "Only deletions at or after this moment"},
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "after", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "The `next` cursor of the previous page"},
]


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


def output_schema(form: FormModel, readonly: frozenset[str]) -> dict[str, Any]:
    schema = copy.deepcopy(record_schema(form, readonly))
    schema.pop("title", None)       # class names come from the component key (apps share form labels)
    schema["required"] = ["id", "version"]
    if form.workflow is not None:
        schema["properties"]["available_transitions"] = AVAILABLE_TRANSITIONS
    return schema


def _list_item(record: dict[str, Any], form: FormModel) -> dict[str, Any]:
    """List items carry the scalar fields (no subform rows) plus link titles."""
    item = copy.deepcopy(record)
    subforms = {f.name for f in form.subforms}
    item["properties"] = {k: v for k, v in item["properties"].items() if k not in subforms}
    item["properties"]["_titles"] = TITLES
    return item


def input_schema(form: FormModel, readonly: frozenset[str], *, creating: bool) -> dict[str, Any]:
    """What a client may send: writable fields only; `version` on updates. A
    field the engine fills (default, fill_from) is optional even if required.
    (A record as read may also be sent back whole: its system keys are ignored
    when unchanged, DESIGN §7.1; the schema documents what a client sets.)"""
    stored = record_schema(form, readonly)
    properties = {}
    for name, spec in stored["properties"].items():
        if spec.get("readOnly") or name in readonly:
            continue
        properties[name] = _writable(spec, form.field(name))
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if creating:
        schema["required"] = [n for n in stored["required"]
                              if n in properties and not _filled_by_engine(form.field(n))]
    else:
        properties["version"] = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
    return schema


def _filled_by_engine(field) -> bool:
    return field is not None and (field.default is not None or bool(field.default_expr) or bool(field.fill_from))


def _writable(spec: dict[str, Any], field) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    items = spec.get("items") if spec.get("type") == "array" else None
    if field is not None and field.is_subform and isinstance(items, dict) and "properties" in items:
        items["properties"] = {k: v for k, v in items["properties"].items() if not v.get("readOnly")}
        engine_filled = {f.name for f in field.fields if _filled_by_engine(f)}
        items["required"] = [n for n in items.get("required", [])
                             if n in items["properties"] and n not in engine_filled]
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
