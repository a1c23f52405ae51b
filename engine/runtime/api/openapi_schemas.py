"""Shared component schemas of the OpenAPI document: every answer typed down to
its leaves (DESIGN §7.6), so generated clients get a model for each of them.

Helpers keep the schemas short: `obj()` an object (its properties required
unless `optional` names them), `array()`, `nullable()`, `ref()`.
"""
from __future__ import annotations

from typing import Any, Iterable

from engine.runtime.records.coerce import MAX_INTEGER

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def nullable(schema: Schema) -> Schema:
    schema = dict(schema)
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        schema["type"] = [*kind, "null"]
    return schema


def obj(properties: dict[str, Schema], *, optional: Iterable[str] = (), description: str | None = None,
        **extra: Any) -> Schema:
    skipped = set(optional)
    schema: Schema = {"type": "object", "properties": properties,
                      "required": [name for name in properties if name not in skipped]}
    if description:
        schema["description"] = description
    schema.update(extra)
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
RECORD_ID = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
ANY_VALUE: Schema = {"description": "A field value: string, number, boolean, list, object or null"}
CELL = {"type": ["string", "number", "boolean", "null"]}
LABEL = {"type": "object", "additionalProperties": {"type": "string"},
         "description": "Text per language", "examples": [{"zh": "客户", "en": "Customer"}]}
CURSOR = nullable(STRING)
NO_CURSOR = {"type": "null"}


def page(item: Schema, *, paged: bool = True) -> Schema:
    """A list answer: `{"items": [...], "next": CURSOR|null}`."""
    return obj({"items": array(item), "next": CURSOR if paged else NO_CURSOR})


# Error codes of the `Error` schema: every ServiceError subclass's code plus
# these (answers made outside the service). A new code: a new ServiceError
# subclass, or `register_error_code()`.
EXTRA_ERROR_CODES = ["bad_request", "unauthorized", "forbidden", "csrf_failed", "not_found",
                     "method_not_allowed", "conflict", "payload_too_large", "unsupported_media_type",
                     "validation_failed", "too_many_requests", "internal_error",
                     # DESIGN §7.1 codes (issue 16) and §7.6
                     "duplicate", "confirmation_required", "idempotency_key_reused",
                     "idempotency_key_in_progress"]


def register_error_code(code: str) -> None:
    if code not in EXTRA_ERROR_CODES:
        EXTRA_ERROR_CODES.append(code)


def error_codes() -> list[str]:
    from engine.runtime.errors import ServiceError
    codes = list(EXTRA_ERROR_CODES)
    pending = [ServiceError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if isinstance(kind.__dict__.get("code"), str) and kind.code not in codes:
            codes.append(kind.code)
    return sorted(codes)


def error_schema() -> Schema:
    detail = obj({"field": nullable(STRING), "message": STRING,
                  "value": {"description": "the offending value (code duplicate)"},
                  "level": {"type": "string", "enum": ["error", "warning"],
                            "description": "a failed check's level"},
                  "record": obj({"form": STRING, "id": nullable(INTEGER), "title": nullable(STRING)},
                                description="the record a failed check is about"),
                  "rules": array(STRING, description="labels of the rules that moved what the check reads")},
                 optional=["value", "level", "record", "rules"],
                 description="One place: a field path (`lines[0].qty`), a parameter or a header")
    return obj({"error": obj({
        "code": {"type": "string", "enum": error_codes()},
        "message": STRING,
        "details": array(detail),
        "index": {"type": "integer", "minimum": 0,
                  "description": "Batch answers: the index of the operation that failed"},
    }, optional=["index"])}, examples=[{"error": {
        "code": "validation_failed", "message": "The record is not valid",
        "details": [{"field": "lines[0].qty", "message": "must be at least 0.001"}]}}])


ACTOR = obj({"id": nullable(INTEGER), "username": nullable(STRING)})
CAUSE = obj({"kind": STRING, "detail": nullable(STRING)},
            description="Where a change came from: user, api, rule (detail: the rule chain), import, job, …")
PAIR = array(ANY_VALUE, minItems=2, maxItems=2, description="[before, after]")
ROW_CHANGE = obj({"id": RECORD_ID, "fields": {"type": "object", "additionalProperties": PAIR}})
ROWS_CHANGE = obj({
    "added": array({"type": "object", "additionalProperties": ANY_VALUE}),
    "removed": array({"type": "object", "additionalProperties": ANY_VALUE}),
    "changed": array(ROW_CHANGE),
}, optional=["added", "removed", "changed"])
CHANGES = obj({
    "fields": {"type": "object", "additionalProperties": PAIR},
    "rows": {"type": "object", "additionalProperties": ROWS_CHANGE},
    "transition": obj({"name": STRING, "from": nullable(STRING), "to": STRING, "comment": nullable(STRING)},
                      optional=["from", "comment"]),
}, optional=["transition"])
HISTORY_ENTRY = obj({
    "id": RECORD_ID, "at": DATE_TIME,
    "action": {"type": "string", "enum": ["create", "update", "delete", "restore", "transition"]},
    "actor": ACTOR, "cause": CAUSE, "transaction": STRING, "changes": CHANGES,
}, examples=[{"id": 12, "at": "2024-05-01T08:30:00.000Z", "action": "update",
              "actor": {"id": 1, "username": "admin"}, "cause": {"kind": "api", "detail": "token 3"},
              "transaction": "9f0c…", "changes": {"fields": {"contact": ["Li", "Wang"]}, "rows": {}}}])
LEDGER_MOVEMENT = obj({
    "id": RECORD_ID, "at": DATE_TIME, "rule": STRING, "field": STRING, "delta": NUMBER,
    "target": obj({"form": STRING, "id": RECORD_ID}),
    "source": obj({"form": STRING, "id": nullable(INTEGER), "row": STRING, "row_id": nullable(INTEGER)},
                  description="The record whose row caused the movement (ids null when the caller may not read it)"),
    "cause": CAUSE, "actor_id": nullable(INTEGER), "transaction": STRING,
})
OPTION = obj({"value": STRING, "label": LABEL})
_FIELD_PROPERTIES = {
    "name": STRING, "type": STRING, "label": LABEL, "required": BOOLEAN, "readonly": BOOLEAN,
    "form": STRING, "options": array(OPTION), "scale": INTEGER, "formula": STRING,
}
_FIELD_OPTIONAL = ["form", "options", "scale", "formula"]
SUBFORM_FIELD = obj(dict(_FIELD_PROPERTIES), optional=_FIELD_OPTIONAL,
                    description="A field of a subform row")
FORM_FIELD = obj({**_FIELD_PROPERTIES, "fields": array(ref("SubformField"))},
                 optional=[*_FIELD_OPTIONAL, "fields"], description="A field; subforms list their row fields")
WORKFLOW = obj({
    "field": STRING, "initial": STRING,
    "states": array(obj({"name": STRING, "label": LABEL})),
    "transitions": array(obj({"name": STRING, "label": LABEL, "from": array(STRING), "to": STRING})),
})
FORM = obj({"name": STRING, "label": LABEL, "title": nullable(STRING), "fields": array(ref("FormField")),
            "rights": array(STRING), "workflow": WORKFLOW}, optional=["rights", "workflow"])
APP = obj({"name": STRING, "label": LABEL, "version": STRING, "forms": array(STRING)})
NOTIFICATION = obj({
    "id": RECORD_ID, "created_at": DATE_TIME, "read": BOOLEAN, "read_at": nullable(DATE_TIME),
    "message": STRING, "app": nullable(STRING), "form": nullable(STRING), "record_id": nullable(INTEGER),
    "rule": nullable(STRING), "url": nullable(STRING),
})
IMPORT_REPORT = obj({
    "created": INTEGER, "updated": INTEGER, "unchanged": INTEGER, "dry_run": BOOLEAN,
    "errors": array(obj({"row": INTEGER, "column": nullable(STRING), "message": STRING})),
    "ignored_columns": array(STRING),
    "columns": array(obj({"column": STRING, "field": nullable(STRING),
                          "status": {"type": "string", "enum": ["mapped", "read_only", "info", "unknown",
                                                                "duplicate"]}})),
}, examples=[{"created": 2, "updated": 1, "unchanged": 0, "dry_run": False, "ignored_columns": [],
              "errors": [{"row": 3, "column": "Count (count)", "message": "expected an integer, got 'x'"}],
              "columns": [{"column": "Count (count)", "field": "count", "status": "mapped"}]}])
DELETION = obj({"id": RECORD_ID, "deleted_at": DATE_TIME, "deleted_by": ACTOR,
                "entry": {**RECORD_ID, "description": "The history entry of the delete (restore takes it)"}})
RECORD_REF = obj({"id": RECORD_ID, "version": INTEGER}, optional=["version"],
                 description="A record the caller may not read: its id only")

REF_VALUE = obj({"ref": STRING}, additionalProperties=False,
                description="The record of an earlier operation of the batch, by its `ref`")
BATCH_OPERATION = obj({
    "method": {"type": "string", "enum": ["POST", "PATCH", "DELETE"]},
    "form": STRING,
    "id": {"oneOf": [RECORD_ID, ref("BatchRef")]},
    "body": {"type": "object", "additionalProperties": ANY_VALUE,
             "description": "As the single call's body (PATCH/DELETE: `version` inside)"},
    "transition": STRING,
    "ref": {"type": "string", "description": "A name later operations may use: {\"ref\": NAME}"},
}, optional=["id", "body", "transition", "ref"], additionalProperties=False)
BATCH_REQUEST = obj({"operations": array(ref("BatchOperation"), minItems=1, maxItems=500)},
                    additionalProperties=False, examples=[{"operations": [
                        {"method": "POST", "form": "customer", "ref": "c", "body": {"name": "ACME"}},
                        {"method": "POST", "form": "sales_order", "ref": "o",
                         "body": {"customer": {"ref": "c"}, "warehouse": 1,
                                  "lines": [{"product": 3, "qty": 2}]}},
                        {"method": "POST", "form": "sales_order", "id": {"ref": "o"}, "transition": "confirm"},
                        {"method": "PATCH", "form": "customer", "id": 7, "body": {"phone": "021-1234", "version": 2}},
                        {"method": "DELETE", "form": "customer", "id": 8}]}])
BATCH_ANSWER = obj({"results": array(obj({
    "status": {"type": "integer", "enum": [200, 201, 204]},
    "body": {"type": ["object", "null"], "additionalProperties": ANY_VALUE,
             "description": "The record as the single call answers it (null for a delete)"},
}))})


def shared_schemas() -> dict[str, Schema]:
    return {
        "Error": error_schema(), "HistoryEntry": HISTORY_ENTRY, "HistoryPage": page(ref("HistoryEntry"), paged=False),
        "LedgerMovement": LEDGER_MOVEMENT, "LedgerPage": page(ref("LedgerMovement"), paged=False),
        "SubformField": SUBFORM_FIELD, "FormField": FORM_FIELD, "Form": FORM,
        "FormsPage": page(ref("Form"), paged=False), "App": APP, "AppsPage": page(ref("App"), paged=False),
        "RecordRef": RECORD_REF, "Deletion": DELETION, "DeletionPage": page(ref("Deletion")),
    }


def batch_schemas() -> dict[str, Schema]:
    return {"BatchRef": REF_VALUE, "BatchOperation": BATCH_OPERATION, "BatchRequest": BATCH_REQUEST,
            "BatchAnswer": BATCH_ANSWER}
