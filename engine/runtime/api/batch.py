"""`POST /api/v1/apps/{app}/batch` (DESIGN §7.6): up to 500 writes, one transaction.

Every operation runs through one `WriteSession` of the record service (rules,
checks, permissions and the change log exactly as for single writes; checks
after each operation, as a single write would see them), in order; any
failure rolls everything back and answers the failing operation's status with
`error.index`. Later operations may name the record of an earlier one by its
`ref`: `{"ref": "o1"}` as an operation's `id` or as the value of a link field
(also in subform rows).
"""
from __future__ import annotations

from typing import Any, Mapping

from flask import current_app, jsonify

from engine.runtime.api import api
from engine.runtime.api.auth import current_actor, current_cause
from engine.runtime.api.limits import accepts_body
from engine.runtime.api.records import json_body
from engine.runtime.errors import BadRequest, ErrorDetail, ServiceError
from engine.runtime.records.coerce import MAX_INTEGER, json_integer
from engine.runtime.records.service import get_record_service, present

MAX_OPERATIONS = 500
METHODS = ("POST", "PATCH", "DELETE")
OPERATION_KEYS = frozenset({"method", "form", "id", "body", "transition", "ref"})


class OperationError(BadRequest):
    """A malformed operation, named by its place in the batch."""


def _batch_limit() -> int:
    return current_app.config["BATCH_MAX_BYTES"]


@api.post("/apps/<app>/batch")
@accepts_body(_batch_limit)
def run_batch(app: str):
    operations = _operations(json_body())
    actor, cause = current_actor(), current_cause()
    progress: dict[str, Any] = {"index": None}

    def work(session) -> list[dict[str, Any]]:
        refs: dict[str, int] = {}
        results = []
        for index, operation in enumerate(operations):
            progress["index"] = index
            results.append(_execute(session, operation, refs, f"operations[{index}]"))
            session.run_pending_checks()      # a failing check names its operation
        progress["index"] = None
        return results

    try:
        results = get_record_service().run(app, actor, cause, work)
    except ServiceError as error:
        body = error.as_dict()
        if progress["index"] is not None:
            body["error"]["index"] = progress["index"]
        return jsonify(body), error.status
    return jsonify({"results": results})


def _operations(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    unknown = sorted(set(body) - {"operations"})
    if unknown:
        raise BadRequest("Unknown keys in the batch: " + ", ".join(unknown),
                         [ErrorDetail(key, "unknown key") for key in unknown])
    operations = body.get("operations")
    if not isinstance(operations, list) or not operations:
        raise BadRequest("'operations' must be a non-empty list", [ErrorDetail("operations", "expected a list")])
    if len(operations) > MAX_OPERATIONS:
        raise BadRequest(f"A batch holds at most {MAX_OPERATIONS} operations, this one {len(operations)}",
                         [ErrorDetail("operations", f"at most {MAX_OPERATIONS}")])
    return operations


def _execute(session, operation: Any, refs: dict[str, int], place: str) -> dict[str, Any]:
    method, form, record_id, body = _parse(session, operation, refs, place)
    transition = operation.get("transition")
    if method == "POST" and transition is None:
        record = session.create(form, body)
        status = 201
    elif method == "POST":
        comment = body.pop("comment", None)
        record, status = session.transition(form, record_id, transition, body, comment=comment), 200
    elif method == "PATCH":
        version = _version(body, place)
        record, status = session.update(form, record_id, body, expected_version=version), 200
    else:
        session.delete(form, record_id, expected_version=_version(body, place))
        record, status = None, 204
    if isinstance(operation.get("ref"), str) and record is not None:
        refs[operation["ref"]] = record["id"]
    elif isinstance(operation.get("ref"), str):
        refs[operation["ref"]] = record_id
    return {"status": status, "body": present(session, form, record) if record is not None else None}


def _parse(session, operation: Any, refs: dict[str, int], place: str):
    if not isinstance(operation, Mapping):
        raise OperationError("An operation must be an object", [ErrorDetail(place, "expected an object")])
    unknown = sorted(set(operation) - OPERATION_KEYS)
    if unknown:
        raise OperationError("Unknown keys in the operation: " + ", ".join(unknown),
                             [ErrorDetail(f"{place}.{key}", "unknown key") for key in unknown])
    method = operation.get("method")
    if method not in METHODS:
        raise OperationError("method must be POST, PATCH or DELETE", [ErrorDetail(f"{place}.method", "expected POST, PATCH or DELETE")])
    form = operation.get("form")
    if not isinstance(form, str) or not form:
        raise OperationError("Each operation names its form", [ErrorDetail(f"{place}.form", "required")])
    form_model = session.app.form(form)          # unknown form: 404
    transition, ref = operation.get("transition"), operation.get("ref")
    if transition is not None and (method != "POST" or not isinstance(transition, str)):
        raise OperationError("transition goes with method POST and names a transition",
                             [ErrorDetail(f"{place}.transition", "expected a name, with POST")])
    if ref is not None and (not isinstance(ref, str) or not ref or ref in refs):
        raise OperationError("ref must be a name not used before in the batch", [ErrorDetail(f"{place}.ref", "expected a new name")])
    record_id = _record_id(operation, refs, place, needed=method != "POST" or transition is not None)
    body = operation.get("body", {})
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        raise OperationError("body must be an object", [ErrorDetail(f"{place}.body", "expected an object")])
    return method, form, record_id, _resolve_links(form_model, dict(body), refs, f"{place}.body")


def _record_id(operation: Mapping[str, Any], refs: dict[str, int], place: str, *, needed: bool) -> int | None:
    raw = operation.get("id")
    if raw is None:
        if needed:
            raise OperationError("This operation needs the record's id", [ErrorDetail(f"{place}.id", "required")])
        return None
    if not needed:
        raise OperationError("A create takes no id", [ErrorDetail(f"{place}.id", "not allowed with POST")])
    value = _ref_value(raw, refs, f"{place}.id")
    value = json_integer(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INTEGER:
        raise OperationError("id must be a record id", [ErrorDetail(f"{place}.id", "expected a positive integer")])
    return value


def _resolve_links(form_model, body: dict[str, Any], refs: dict[str, int], place: str) -> dict[str, Any]:
    """`{"ref": NAME}` in link fields (and subform rows' link fields) → the id."""
    for field in form_model.fields:
        value = body.get(field.name)
        if field.type == "link" and isinstance(value, Mapping):
            body[field.name] = _ref_value(value, refs, f"{place}.{field.name}")
        elif field.is_subform and isinstance(value, list):
            links = [f.name for f in field.fields if f.type == "link"]
            rows = []
            for index, row in enumerate(value):
                if isinstance(row, Mapping):
                    row = dict(row)
                    for name in links:
                        if isinstance(row.get(name), Mapping):
                            row[name] = _ref_value(row[name], refs, f"{place}.{field.name}[{index}].{name}")
                rows.append(row)
            body[field.name] = rows
    return body


def _ref_value(value: Any, refs: dict[str, int], place: str) -> Any:
    if not isinstance(value, Mapping):
        return value
    name = value.get("ref")
    if set(value) != {"ref"} or name not in refs:
        raise OperationError(f"Unknown reference {name!r}: refer to an earlier operation's ref",
                             [ErrorDetail(place, "unknown ref")])
    return refs[name]


def _version(body: dict[str, Any], place: str) -> int | None:
    version = json_integer(body.pop("version", None))
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int) or not 0 < version <= MAX_INTEGER:
        raise OperationError("version must be a whole number", [ErrorDetail(f"{place}.body.version", "not a number")])
    return version
