"""The forecast paths of the OpenAPI document, for callers who may run a forecast's report."""
from __future__ import annotations

from typing import Any

from engine.runtime.api.openapi import register_paths
from engine.runtime.api.openapi_schemas import (DATE, INTEGER, LABEL, NUMBER, STRING, array, nullable, obj,
                                                ref)
from engine.runtime.permissions.access import access_for

NUMBER_OR_NULL = nullable(NUMBER)
ERRORS = obj({"mape": NUMBER_OR_NULL, "smape": NUMBER_OR_NULL, "wape": NUMBER_OR_NULL})
POINTS = array(obj({"date": DATE, "value": NUMBER, "lower": NUMBER, "upper": NUMBER}))
BACKTEST = obj({"horizon": INTEGER, "folds": INTEGER, "days": INTEGER, "model": ERRORS,
                "seasonal_naive": ERRORS, "model_method": STRING})
ITEM = obj({
    "item": nullable(INTEGER), "title": STRING, "method": STRING, "history_start": DATE,
    "history_days": INTEGER, "history_total": NUMBER, "forecast_total": NUMBER,
    "points": POINTS, "seasonal_naive": POINTS, "backtest": {"oneOf": [ref("ForecastBacktest"), {"type": "null"}]},
    "backtest_problem": nullable(STRING)})
FORECAST = obj({
    "name": STRING, "label": LABEL, "horizon": INTEGER, "folds": INTEGER, "season_length": INTEGER,
    "history_end": DATE, "total": ref("ForecastItem"), "items": array(ref("ForecastItem"))})
SUGGESTION = obj({"item": INTEGER, "title": STRING, "lead_time_days": NUMBER, "demand": NUMBER,
                  "safety_stock": NUMBER, "available": NUMBER, "incoming": NUMBER, "quantity": NUMBER})
SUGGESTIONS = obj({
    "name": STRING, "service_level": NUMBER, "z": NUMBER, "items": array(SUGGESTION),
    "warehouses": array(obj({"id": INTEGER, "title": STRING}))})
REQUEST = obj({"item": {"type": "integer", "minimum": 1}, "quantity": {"type": ["number", "string"]},
               "warehouse": {"type": "integer", "minimum": 1}}, optional=["warehouse"],
              additionalProperties=False)
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
        document["components"]["schemas"].update(
            {"ForecastBacktest": BACKTEST, "ForecastItem": ITEM, "Forecast": FORECAST,
             "PurchaseSuggestions": SUGGESTIONS})
        name = f"{model.name}_forecast_{forecast.name}"
        document["paths"][base] = {"get": operation(
            tag, f"Forecast {forecast.name}: points, intervals and backtest errors", ref("Forecast"),
            params=PARAMS, operation_id=name)}
        if forecast.purchase is None:
            continue
        document["paths"][f"{base}/suggestions"] = {"get": operation(
            tag, f"Suggested purchase quantities of {forecast.name}", ref("PurchaseSuggestions"),
            operation_id=f"{name}_suggestions")}
        request_form = f"{model.name}.{forecast.purchase.request_form}"
        answer = request_form if request_form in document["components"]["schemas"] else "RecordRef"
        document["paths"][f"{base}/requests"] = {"post": operation(
            tag, f"Create a {forecast.purchase.request_form} from a suggestion", ref(answer),
            status="201", body=REQUEST, operation_id=f"{name}_request")}


register_paths(add_forecast_paths)
