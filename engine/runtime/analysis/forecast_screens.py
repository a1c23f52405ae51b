"""/apps/{app}/forecasts/{name}: the forecast chart (history, forecast and its
interval band as server-side SVG), the backtest errors of the model and of
seasonal-naive, and the suggested purchase quantities, each with a one-click
"create purchase request" button (POST with CSRF, through the record service
as the signed-in user; then the new record's page)."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from engine.definitions.model import localized
from engine.runtime.actor import Cause
from engine.runtime.analysis.forecasting import ItemForecast, run_forecast
from engine.runtime.analysis.suggestions import create_request, suggest_purchases
from engine.runtime.charts import Band, Series, line_chart
from engine.runtime.errors import Forbidden, ServiceError
from engine.runtime.permissions.access import access_for
from engine.runtime.web import context
from engine.runtime.web.i18n import ui_language
from engine.runtime.web.screens import screens

HISTORY_SHOWN = 56            # days of history drawn before the forecast
ITEMS_SHOWN = 10              # items with a backtest row


def forecast_links(loaded, actor) -> list[tuple[str, str]]:
    """(label, url) of the forecasts whose report the actor may run (the sidebar)."""
    if actor is None:
        return []
    links = []
    for forecast in loaded.model.forecasts:
        report = loaded.model.report(forecast.report)
        form = loaded.model.form(report.source_form) if report else None
        if form is not None and access_for(actor, loaded.model, form).can("read"):
            links.append((localized(forecast.label, ui_language()),
                          url_for("screens.forecast_page", app=loaded.name, name=forecast.name)))
    return links


def chart(item: ItemForecast, title: str):
    """History (last weeks), forecast and its band on one date axis."""
    history = list(item.history[-HISTORY_SHOWN:])
    first = item.forecast.points[0].day - timedelta(days=len(history)) if item.forecast.points else None
    days = [first + timedelta(days=n) for n in range(len(history))] + [p.day for p in item.forecast.points]
    gap = [None] * len(history)
    forecast = [p.value for p in item.forecast.points]
    if history:                    # join the forecast line to the last observed day
        gap_with_join = gap[:-1] + [history[-1]]
    else:
        gap_with_join = gap
    return line_chart(
        days,
        [Series(_("Sales"), history + [None] * len(forecast)),
         Series(_("Forecast"), gap_with_join + forecast),
         Series(_("Seasonal-naive"), gap + [p.value for p in item.baseline.points])],
        band=Band(gap + [p.lower for p in item.forecast.points],
                  gap + [p.upper for p in item.forecast.points], _("Prediction interval")),
        title=title, empty_text=_("No data"))


@screens.get("/apps/<app>/forecasts/<name>")
def forecast_page(app: str, name: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    selected = request.args.get("item", "")
    run = run_forecast(app, name, actor=actor, top=ITEMS_SHOWN)
    shown = run.total
    if selected.isdigit():
        picked = run_forecast(app, name, actor=actor, items=[int(selected)])
        shown = picked.items[0] if picked.items else run.total
    title = localized(run.definition.label, ui_language())
    subtitle = _("Total") if shown is run.total else shown.title
    suggestions, refusal = None, None
    if run.definition.purchase is not None:
        try:
            suggestions = suggest_purchases(app, name, actor=actor)
        except Forbidden as error:
            refusal = error.message
    request_form = (loaded.model.form(run.definition.purchase.request_form)
                    if run.definition.purchase else None)
    can_request = bool(request_form and access_for(actor, loaded.model, request_form).can("create"))
    return context.render_screen(
        "runtime/forecast.html", loaded=loaded, app_name=app, title=title, run=run, shown=shown,
        chart=chart(shown, f"{title}: {subtitle}"), subtitle=subtitle,
        suggestions=suggestions, refusal=refusal, can_request=can_request)


@screens.post("/apps/<app>/forecasts/<name>/requests")
def forecast_request(app: str, name: str):
    actor = context.screen_actor()
    form = request.form
    try:
        record = create_request(app, name, actor=actor, item=form.get("item"),
                                quantity=form.get("quantity"), warehouse=form.get("warehouse"),
                                cause=Cause("user"))
    except ServiceError as error:
        if error.status in (401, 403, 404):
            raise
        flash(str(error), "danger")
        return redirect(url_for("screens.forecast_page", app=app, name=name))
    definition = context.load_app(app).model.forecast(name)
    flash(_("Purchase request created."), "success")
    return redirect(url_for("screens.show_record", app=app, form=definition.purchase.request_form,
                            record_id=record["id"]))
