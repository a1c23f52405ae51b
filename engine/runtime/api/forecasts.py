"""Forecast endpoints (definition key `forecasts`):

    GET  /api/v1/apps/{app}/forecasts/{name}               total + items: points with intervals, backtest errors
    GET  /api/v1/apps/{app}/forecasts/{name}/suggestions   suggested purchase quantities
    POST /api/v1/apps/{app}/forecasts/{name}/requests      {"item", "quantity", "warehouse"} → 201, the new request

The caller must be allowed to run the forecast's report (and, for suggestions,
to read the stock form); the request is created through the record service as
the caller, so their create right on the request form applies.
"""
from __future__ import annotations

from datetime import date

from flask import jsonify, request

from engine.runtime.analysis import forecast_openapi as _openapi  # noqa: F401  (registers its paths)
from engine.runtime.analysis.forecasting import run_forecast
from engine.runtime.analysis.suggestions import create_request, suggest_purchases
from engine.runtime.api import api
from engine.runtime.api.auth import current_actor, current_cause
from engine.runtime.api.records import json_body
from engine.runtime.errors import BadRequest, ErrorDetail

FORECAST = "/apps/<app>/forecasts/<name>"
DEFAULT_TOP = 20


def int_arg(name: str, maximum: int) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"'{name}' must be a whole number from 1 to {maximum}",
                         [ErrorDetail(name, f"expected 1..{maximum}")])
    return int(raw)


def date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a date (YYYY-MM-DD)",
                         [ErrorDetail(name, "expected YYYY-MM-DD")]) from None


@api.get(FORECAST)
def get_forecast(app: str, name: str):
    run = run_forecast(app, name, actor=current_actor(), horizon=int_arg("horizon", 366),
                       folds=int_arg("folds", 20), top=int_arg("top", 1000) or DEFAULT_TOP,
                       as_of=date_arg("as_of"))
    return jsonify(run.as_dict())


@api.get(FORECAST + "/suggestions")
def get_suggestions(app: str, name: str):
    return jsonify(suggest_purchases(app, name, actor=current_actor()).as_dict())


@api.post(FORECAST + "/requests")
def post_request(app: str, name: str):
    body = json_body()
    unknown = sorted(set(body) - {"item", "quantity", "warehouse"})
    if unknown:
        raise BadRequest("Unknown keys in the body", [ErrorDetail(k, "unknown key") for k in unknown])
    for key in ("item", "quantity"):
        if body.get(key) is None:
            raise BadRequest(f"'{key}' is required", [ErrorDetail(key, "required")])
    record = create_request(app, name, actor=current_actor(), item=body["item"],
                            quantity=body["quantity"], warehouse=body.get("warehouse"),
                            cause=current_cause())
    return jsonify(record), 201
