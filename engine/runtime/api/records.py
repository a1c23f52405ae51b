"""Record endpoints: list, create, read, update, delete, history, restore."""
from __future__ import annotations

import json
import re
from dataclasses import replace

from flask import current_app, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from engine.runtime.api import api
from engine.runtime.actor import Actor
from engine.runtime.api.auth import caller_language, current_actor, current_cause
from engine.runtime.api.limits import allow_body_limit
from engine.runtime.errors import BadRequest, ErrorDetail
from engine.runtime.paths import check_path_values
from engine.runtime.records.coerce import MAX_INTEGER, json_integer
from engine.runtime.records.service import get_record_service

WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
RECORDS = "/apps/<app>/forms/<form>/records"
RECORD = RECORDS + "/<int:record_id>"
api.url_value_preprocessor(check_path_values)


def json_body() -> dict:
    if request.content_length and request.content_length > allow_body_limit():
        raise RequestEntityTooLarge()
    data = request.get_data(cache=True)
    if not data.strip():
        return {}
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"The body is not valid JSON: {error}") from None
    except RecursionError:
        raise BadRequest("The body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    return body


def parse_limit() -> int:
    raw = request.args.get("limit")
    maximum = current_app.config["API_MAX_LIMIT"]
    if raw is None:
        return current_app.config["API_DEFAULT_LIMIT"]
    if not WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"limit must be a whole number from 1 to {maximum}",
                         [ErrorDetail("limit", f"expected 1..{maximum}")])
    return int(raw)


def expected_version(body: dict) -> int | None:
    version = json_integer(body.pop("version", None))
    header = request.headers.get("If-Match")
    if version is None and header:
        version = header.strip().removeprefix("W/").strip('"')
    if version is None:
        return None
    if isinstance(version, bool) or not WHOLE_NUMBER.fullmatch(str(version)):
        raise BadRequest("version must be a whole number", [ErrorDetail("version", "not a number")])
    return int(version)


def confirmed(body: dict) -> bool:
    """`"confirm": true` in a write body accepts every warning check the write trips."""
    value = body.pop("confirm", False)
    if not isinstance(value, bool):
        raise BadRequest("confirm must be true or false", [ErrorDetail("confirm", "expected true or false")])
    return value


def writer() -> Actor:
    """The caller, speaking the language of the answer (check messages name
    records and rules in it): their setting, else Accept-Language."""
    actor = current_actor()
    return replace(actor, language=caller_language(actor))


def record_response(record: dict, status: int = 200):
    response = jsonify(record)
    response.status_code = status
    response.headers["ETag"] = f'"{record["version"]}"'
    return response


@api.get(RECORDS)
def list_records(app: str, form: str):
    page = get_record_service().list(
        app, form, actor=current_actor(), filter=request.args.get("filter"),
        sort=request.args.get("sort"), limit=parse_limit(), after=request.args.get("after"))
    return jsonify(page.as_dict())


@api.post(RECORDS)
def create_record(app: str, form: str):
    body = json_body()
    confirm = confirmed(body)
    record = get_record_service().create(app, form, body, actor=writer(), cause=current_cause(),
                                         confirm=confirm)
    response = record_response(record, 201)
    response.headers["Location"] = url_for("api.get_record", app=app, form=form, record_id=record["id"])
    return response


@api.get(RECORD)
def get_record(app: str, form: str, record_id: int):
    return record_response(get_record_service().get(app, form, record_id, actor=current_actor()))


@api.patch(RECORD)
def update_record(app: str, form: str, record_id: int):
    body = json_body()
    version, confirm = expected_version(body), confirmed(body)
    record = get_record_service().update(app, form, record_id, body, actor=writer(),
                                         expected_version=version, cause=current_cause(), confirm=confirm)
    return record_response(record)


@api.delete(RECORD)
def delete_record(app: str, form: str, record_id: int):
    body = json_body()
    version, confirm = expected_version(body), confirmed(body)
    get_record_service().delete(app, form, record_id, actor=writer(),
                                expected_version=version, cause=current_cause(), confirm=confirm)
    return "", 204


@api.get(RECORD + "/history")
def record_history(app: str, form: str, record_id: int):
    entries = get_record_service().history(app, form, record_id, actor=current_actor())
    return jsonify({"items": entries, "next": None})


@api.post(RECORD + "/transitions/<name>")
def take_transition(app: str, form: str, record_id: int, name: str):
    body = json_body()
    comment, confirm = body.pop("comment", None), confirmed(body)
    record = get_record_service().transition(app, form, record_id, name, body, actor=writer(),
                                             comment=comment, cause=current_cause(), confirm=confirm)
    return record_response(record)


@api.get(RECORD + "/ledger")
def record_ledger(app: str, form: str, record_id: int):
    movements = get_record_service().ledger(app, form, record_id, actor=current_actor())
    return jsonify({"items": movements, "next": None})


@api.post(RECORD + "/restore")
def restore_record(app: str, form: str, record_id: int):
    body = json_body()
    confirm = confirmed(body)
    entry_id = json_integer(body.get("to"))
    if isinstance(entry_id, bool) or not isinstance(entry_id, int) or not 0 < entry_id <= MAX_INTEGER:
        raise BadRequest("'to' must be the id of a history entry", [ErrorDetail("to", "expected an integer")])
    unknown = sorted(set(body) - {"to"})
    if unknown:
        raise BadRequest("Unknown fields: " + ", ".join(unknown), [ErrorDetail(k, "unknown field") for k in unknown])
    record = get_record_service().restore(app, form, record_id, entry_id, actor=writer(),
                                          cause=current_cause(), confirm=confirm)
    return record_response(record)
