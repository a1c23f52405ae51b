"""The forecast editor: each forecast's name, label, report (only reports with
a day-bucketed group column are offered), its date, item and value columns
(only the chosen report's; choosing another report reloads the page), season
length, horizon, backtest folds and the purchase suggestion settings, told as
a sentence, with a link to the published forecast."""
from __future__ import annotations

from engine.db import get_db
from engine.designer import service
from engine.designer.forecast_text import forecast_reports, forecast_sentence, form_fields, purchase_start
from engine.designer.pages import render
from engine.designer.views import _actor, designer


def _published_forecasts(app: str) -> set[str]:
    from engine.runtime.errors import ServiceError
    from engine.runtime.registry import get_registry
    try:
        with get_db().read() as connection:
            loaded = get_registry().get(connection, app)
    except ServiceError:
        return set()
    return {f.name for f in getattr(loaded.model, "forecasts", ())}


def _forecast_view(definition: dict, reports: dict, index: int, forecast: dict) -> dict:
    report = reports.get(forecast.get("report")) if isinstance(forecast.get("report"), str) else None
    report = report or {"days": [], "groups": [], "measures": []}
    purchase = forecast.get("purchase") if isinstance(forecast.get("purchase"), dict) else None
    return {"index": index, "forecast": forecast, "purchase": purchase, "days": report["days"],
            "groups": report["groups"], "measures": report["measures"],
            "stock_fields": form_fields(definition, (purchase or {}).get("stock_form")),
            "request_fields": form_fields(definition, (purchase or {}).get("request_form")),
            "sentence_zh": forecast_sentence(definition, forecast, "zh"),
            "sentence_en": forecast_sentence(definition, forecast, "en")}


@designer.get("/apps/<app>/forecasts")
def forecasts(app: str):
    definition = service.load_draft(get_db(), app, _actor()).definition
    reports = forecast_reports(definition)
    listed = definition.get("forecasts") if isinstance(definition.get("forecasts"), list) else []
    views = [_forecast_view(definition, reports, i, f) for i, f in enumerate(listed) if isinstance(f, dict)]
    return render("designer/forecasts.html", app, forecast_views=views, report_names=list(reports),
                  purchase_start=purchase_start(definition), published=_published_forecasts(app), tab="forecasts")
