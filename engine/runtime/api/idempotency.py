"""`Idempotency-Key` on every POST, PATCH and DELETE of the API (DESIGN §7.6).

Hooks of the api blueprint, so every write route — records, transitions,
restore, import, batch, notifications, forecasts and whatever registers later —
gets it without a line of its own:

- before the view: the key (1–255 characters, else 400), the caller (keys are
  per user), and the fingerprint: method, path, query and the parsed body
  (JSON parsed, so key order and spacing do not matter; multipart fields plus
  each uploaded file's SHA-256). Then `idempotency_store.claim`: a new key is
  claimed and the view runs; a known one with the same fingerprint replays the
  stored answer (status, body, Location/ETag, plus `Idempotent-Replayed: true`)
  without running the view; another fingerprint is 422 `idempotency_key_reused`.
- after the view: answers below 500 are stored with the key; 500 and above
  (and failures that never produced an answer) release it so a retry runs.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime

from flask import Flask, Response, current_app, g, request

from engine.db import get_db
from engine.runtime.api import api, idempotency_store as store
from engine.runtime.api.auth import current_actor
from engine.runtime.api.limits import allow_body_limit
from engine.runtime.errors import BadRequest, ErrorDetail

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE"})
STORED_HEADERS = ("Location", "ETag", "Content-Type")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
CHUNK = 1024 * 1024


def request_key() -> str | None:
    """The request's key, or None when it sent none; a bad key is 400."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > store.MAX_KEY_LENGTH:
        raise BadRequest(f"{HEADER} must be 1 to {store.MAX_KEY_LENGTH} characters",
                         [ErrorDetail(HEADER, f"{len(key)} characters")])
    return key


def request_fingerprint() -> str:
    """SHA-256 over method, path, query and the parsed body."""
    parts = {"method": request.method, "path": request.path,
             "query": _pairs(request.args), "body": _parsed_body()}
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _parsed_body():
    allow_body_limit()
    if request.mimetype in FORM_TYPES:
        files = sorted((str(name), str(upload.filename or ""), _file_hash(upload))
                       for name, upload in request.files.items(multi=True))
        return {"form": _pairs(request.form), "files": files}
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {"unparsed": hashlib.sha256(data).hexdigest()}   # the view answers 400


def _pairs(multidict) -> list[tuple[str, str]]:
    return sorted((str(key), str(value)) for key, value in multidict.items(multi=True))


def _file_hash(upload) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.stream.read(CHUNK), b""):
        digest.update(chunk)
    upload.stream.seek(0)                   # the view reads it again
    return digest.hexdigest()


@api.before_request
def claim_key():
    if request.method not in WRITE_METHODS:
        return None
    key = request_key()
    if key is None:
        return None
    actor = current_actor()                 # 401 before anything is claimed
    if actor.user_id is None:
        return None
    config = current_app.config
    outcome = store.claim(get_db(), actor.user_id, key, request_fingerprint(),
                          retention_hours=config["IDEMPOTENCY_RETENTION_HOURS"],
                          wait_seconds=config["IDEMPOTENCY_WAIT_SECONDS"])
    if outcome.answer is not None:
        return _replay(outcome.answer)
    g.liandong_idempotency_claim = outcome.claim_id
    return None


@api.after_request
def store_answer(response: Response) -> Response:
    claim_id = g.pop("liandong_idempotency_claim", None)
    if claim_id is None:
        return response
    try:
        if response.status_code >= 500 or response.is_streamed:
            store.release(get_db(), claim_id)
        else:
            headers = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
            store.complete(get_db(), claim_id, response.status_code, headers, response.get_data())
    except Exception:       # the write stands; its key stays in progress until it expires
        log.exception("could not store the answer of Idempotency-Key claim %s", claim_id)
    return response


@api.teardown_request
def release_unanswered(_error=None) -> None:
    """A request that ended without an answer (an error no handler turned
    into one) must not hold its key."""
    claim_id = g.pop("liandong_idempotency_claim", None)
    if claim_id is not None:
        try:
            store.release(get_db(), claim_id)
        except Exception:
            log.exception("could not release Idempotency-Key claim %s", claim_id)


def _replay(answer: store.StoredAnswer) -> Response:
    response = Response(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def prune_keys(flask_app: Flask, _start: datetime | None = None) -> str:
    """The engine job (hourly) and `liandong api prune-keys`."""
    hours = flask_app.config["IDEMPOTENCY_RETENTION_HOURS"]
    with get_db(flask_app).transaction() as connection:
        removed = store.prune(connection, hours)
    return f"removed {removed} idempotency keys older than {max(hours, store.MIN_RETENTION_HOURS)} hours"


def init_app(_app: Flask) -> None:
    from engine.runtime.jobs import register_engine_job
    register_engine_job("prune_idempotency_keys", "17 * * * *", prune_keys)
