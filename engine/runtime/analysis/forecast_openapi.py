"""The forecast paths of the OpenAPI document, for callers who may run a forecast's report."""
from __future__ import annotations

from typing import Any

from engine.runtime.permissions.access import access_for

NUMBER_OR_NULL = {"type": ["number", "null"]}
ERRORS = {"type": "object", "properties": {"mape": NUMBER_OR_NULL, "smape": NUMBER_OR_NULL,
                                           "wape": NUMBER_OR_NULL}}
POINTS = {"type": "array", "items": {"type": "object", "required": ["date", "value", "lower", "upper"],
                                     "properties": {"date": {"type": "string", "format": "date"},
                                                    "value": {"type": "number"},
                                                    "lower": {"type": "number"},
                                                    "upper": {"type": "number"}}}}
ITEM = {"type": "object", "required": ["item", "title", "points", "backtest"], "properties": {
    "item": {"type": ["integer", "null"]}, "title": {"type": "string"}, "method": {"type": "string"},
    "history_start": {"type": "string", "format": "date"}, "history_days": {"type": "integer"},
    "history_total": {"type": "number"}, "forecast_total": {"type": "number"},
    "points": POINTS, "seasonal_naive": POINTS,
    "backtest": {"type": ["object", "null"], "properties": {
        "horizon": {"type": "integer"}, "folds": {"type": "integer"}, "days": {"type": "integer"},
        "model": ERRORS, "seasonal_naive": ERRORS, "model_method": {"type": "string"}}},
    "backtest_problem": {"type": ["string", "null"]}}}
FORECAST = {"type": "object", "required": ["name", "horizon", "history_end", "total", "items"], "properties": {
    "name": {"type": "string"}, "label": {"type": "object", "additionalProperties": {"type": "string"}},
    "horizon": {"type": "integer"}, "folds": {"type": "integer"}, "season_length": {"type": "integer"},
    "history_end": {"type": "string", "format": "date"}, "total": ITEM,
    "items": {"type": "array", "items": ITEM}}}
SUGGESTIONS = {"type": "object", "required": ["name", "items"], "properties": {
    "name": {"type": "string"}, "service_level": {"type": "number"}, "z": {"type": "number"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        name: {"type": "number"} for name in ("item", "lead_time_days", "demand", "safety_stock",
                                              "available", "incoming", "quantity")} | {
        "title": {"type": "string"}}}},
    "warehouses": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}}}}}}
REQUEST = {"type": "object", "required": ["item", "quantity"], "additionalProperties": False,
           "properties": {"item": {"type": "integer", "minimum": 1},
                          "quantity": {"type": ["number", "string"]},
                          "warehouse": {"type": "integer", "minimum": 1}}}
PARAMS = [
    {"name": "horizon", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 366}},
    {"name": "folds", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 20}},
    {"name": "top", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "Forecast from the day after this one (default: the last day with sales)"},
]


def add_forecast_paths(document: dict[str, Any], loaded, actor, operation) -> None:
    """`operation(tags, summary, schema, params=, status=, body=)` builds one operation."""
    model = loaded.model
    for forecast in model.forecasts:
        report = model.report(forecast.report)
        form = model.form(report.source_form) if report else None
        if form is None or not access_for(actor, model, form).can("read"):
            continue
        base = f"/apps/{model.name}/forecasts/{forecast.name}"
        tag = [f"{model.name}.forecasts"]
        document["paths"][base] = {"get": operation(
            tag, f"Forecast {forecast.name}: points, intervals and backtest errors", FORECAST, params=PARAMS)}
        if forecast.purchase is None:
            continue
        document["paths"][f"{base}/suggestions"] = {"get": operation(
            tag, f"Suggested purchase quantities of {forecast.name}", SUGGESTIONS)}
        document["paths"][f"{base}/requests"] = {"post": operation(
            tag, f"Create a {forecast.purchase.request_form} from a suggestion", {"type": "object"},
            status="201", body=REQUEST)}
