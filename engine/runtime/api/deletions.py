"""`GET /api/v1/apps/{app}/forms/{form}/records/deleted`: tombstones for sync clients."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import jsonify, request

from engine.runtime.api import api
from engine.runtime.api.auth import current_actor
from engine.runtime.api.records import parse_limit
from engine.runtime.errors import BadRequest, ErrorDetail
from engine.runtime.records.service import get_record_service
from engine.runtime.records.tombstones import deleted_records


def _since() -> datetime | None:
    raw = request.args.get("since")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("since must be an ISO 8601 date-time", [ErrorDetail("since", "expected ISO 8601")]) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _after() -> int | None:
    raw = request.args.get("after")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest("after must be the next cursor of the previous page", [ErrorDetail("after", "bad cursor")])
    return int(raw)


@api.get("/apps/<app>/forms/<form>/records/deleted")
def list_deleted_records(app: str, form: str):
    page = deleted_records(get_record_service(), app, form, actor=current_actor(), since=_since(),
                           after=_after(), limit=parse_limit())
    return jsonify(page.as_dict())
