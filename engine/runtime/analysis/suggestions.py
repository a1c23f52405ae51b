"""Suggested purchase quantities from a forecast (the `purchase` settings of a
definition's forecast), and the one-click purchase request.

    quantity = ⌈ demand over the lead time + z·σ·√(lead time) − available − incoming ⌉, ≥ 0

σ is the spread of one day's forecast error (the model's in-sample residuals)
and z the one-sided normal quantile of the service level (1.645 for 95 %).
Everything is read through the record service and the report runner as the
caller, so a role that may not read stock (or the sales history) is refused,
and the request is created through the record service as the caller too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist
from typing import Any

from engine.definitions.model import ForecastModel, PurchaseSettings
from engine.runtime.actor import Cause
from engine.runtime.analysis.forecast import Forecast
from engine.runtime.analysis.forecasting import forecast_definition, run_forecast
from engine.runtime.errors import BadRequest, ErrorDetail, Forbidden, ValidationFailed

PAGE = 500


def safety_factor(service_level: float) -> float:
    """One-sided z: the stock covers demand with probability `service_level`."""
    return NormalDist().inv_cdf(service_level)


def lead_time_demand(forecast: Forecast, lead_time_days: int) -> float:
    """The forecast demand over the first `lead_time_days` days."""
    return sum(p.value for p in forecast.points[:lead_time_days])


def suggested_quantity(demand: float, sigma: float, lead_time_days: int, z: float,
                       available: float, incoming: float) -> int:
    """⌈demand + z·σ·√L − available − incoming⌉, never negative."""
    need = demand + z * sigma * math.sqrt(lead_time_days) - available - incoming
    return max(0, math.ceil(round(need, 9)))


@dataclass(frozen=True)
class Suggestion:
    item: int
    title: str
    lead_time_days: int
    demand: float                       # forecast demand over the lead time
    safety_stock: float
    available: float
    incoming: float
    quantity: int

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "title": self.title, "lead_time_days": self.lead_time_days,
                "demand": round(self.demand, 3), "safety_stock": round(self.safety_stock, 3),
                "available": self.available, "incoming": self.incoming, "quantity": self.quantity}


@dataclass(frozen=True)
class SuggestionRun:
    definition: ForecastModel
    service_level: float
    z: float
    suggestions: list[Suggestion]       # largest quantity first
    warehouses: list[tuple[int, str]]   # where a request may be sent (id, title)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.definition.name, "service_level": self.service_level,
                "z": round(self.z, 4), "items": [s.as_dict() for s in self.suggestions],
                "warehouses": [{"id": i, "title": t} for i, t in self.warehouses]}


def purchase_settings(definition: ForecastModel) -> PurchaseSettings:
    if definition.purchase is None:
        raise BadRequest(f"Forecast {definition.name!r} has no purchase settings")
    return definition.purchase


def suggest_purchases(app_name: str, name: str, *, actor) -> SuggestionRun:
    """A suggestion for every item with sales history, as `actor` sees the data."""
    from engine.runtime.records.service import get_record_service
    service = get_record_service()
    definition = forecast_definition(app_name, name)
    settings = purchase_settings(definition)
    links = _links(service, app_name, definition, settings)
    stock = _stock_levels(service, app_name, settings, links["stock"], actor)
    lead_times = _lead_times(service, app_name, settings, links["item_form"], actor)
    longest = max([settings.lead_time_days, *lead_times.values()])
    run = run_forecast(app_name, name, actor=actor, with_backtest=False,
                       horizon=max(definition.horizon, longest, 1))
    z = safety_factor(settings.service_level)
    found = []
    for item in run.items:
        lead = lead_times.get(item.item, settings.lead_time_days)
        available, incoming = stock.get(item.item, (0.0, 0.0))
        demand = lead_time_demand(item.forecast, lead)
        found.append(Suggestion(
            item.item, item.title, lead, demand, z * item.forecast.sigma * math.sqrt(lead),
            available, incoming,
            suggested_quantity(demand, item.forecast.sigma, lead, z, available, incoming)))
    found.sort(key=lambda s: (-s.quantity, s.title))
    warehouses = _warehouses(service, app_name, settings, links["request_form"], actor)
    return SuggestionRun(definition, settings.service_level, z, found, warehouses)


def create_request(app_name: str, name: str, *, actor, item: Any, quantity: Any,
                   warehouse: Any = None, cause: Cause = Cause("user")) -> dict[str, Any]:
    """Create one request record through the record service as `actor` (their
    create right applies); its change-log cause names the forecast."""
    from engine.runtime.records.service import get_record_service
    service = get_record_service()
    definition = forecast_definition(app_name, name)
    settings = purchase_settings(definition)
    links = _links(service, app_name, definition, settings)
    qty = _quantity(quantity)
    values: dict[str, Any] = {links["request_item"]: _record_id("item", item), settings.quantity: qty}
    if settings.warehouse:
        values[settings.warehouse] = _record_id(settings.warehouse, warehouse)
    if settings.reason:
        values[settings.reason] = f"forecast {name}: suggested {qty}"
    detail = "; ".join(part for part in (cause.detail, f"forecast {name}") if part)
    return service.create(app_name, settings.request_form, values, actor=actor,
                          cause=cause.derive(cause.kind, detail))


# ---------------------------------------------------------------- reading

def _links(service, app_name: str, definition: ForecastModel, settings: PurchaseSettings) -> dict:
    """The item's form and the link fields of the stock and request forms to it."""
    with service.database.read() as connection:
        model = service.registry.get(connection, app_name).model
    report = model.report(definition.report)
    group = next(g for g in report.group_by if g.name == definition.item)
    source = model.form(report.source_form)
    if report.source_subform:
        source = next(f for f in source.fields if f.name == report.source_subform)
    item_form = next(f for f in source.fields if f.name == group.field).form

    def link_in(form_name: str) -> str:
        form = model.form(form_name)
        return next(f.name for f in form.fields if f.type == "link" and f.form == item_form)

    return {"item_form": model.form(item_form), "stock": link_in(settings.stock_form),
            "request_item": link_in(settings.request_form),
            "request_form": model.form(settings.request_form)}


def _records(service, app_name: str, form: str, actor) -> list[dict]:
    items, after = [], None
    while True:
        page = service.list(app_name, form, actor=actor, limit=PAGE, after=after)
        items.extend(page.items)
        if not page.next:
            return items
        after = page.next


def _stock_levels(service, app_name: str, settings: PurchaseSettings, link: str, actor) -> dict:
    levels: dict[int, tuple[float, float]] = {}
    for row in _records(service, app_name, settings.stock_form, actor):
        available, incoming = levels.get(row.get(link), (0.0, 0.0))
        levels[row.get(link)] = (available + _number(row.get(settings.available)),
                                 incoming + _number(row.get(settings.incoming)
                                                    if settings.incoming else 0))
    return levels


def _lead_times(service, app_name: str, settings: PurchaseSettings, item_form, actor) -> dict:
    """{item id: lead time in days} where the item (or its linked record) says;
    a lead time the caller may not read falls back to the default."""
    if not settings.lead_time_field:
        return {}
    first, _, second = settings.lead_time_field.partition(".")
    try:
        items = _records(service, app_name, item_form.name, actor)
        if not second:
            return {r["id"]: int(_number(r[first])) for r in items if r.get(first) is not None}
        target = item_form.field(first).form
        linked = {r["id"]: r.get(second) for r in _records(service, app_name, target, actor)}
    except Forbidden:
        return {}
    return {r["id"]: int(_number(linked[r[first]])) for r in items
            if r.get(first) in linked and linked[r[first]] is not None}


def _warehouses(service, app_name: str, settings: PurchaseSettings, request_form, actor) -> list:
    if not settings.warehouse:
        return []
    target = request_form.field(settings.warehouse).form
    try:
        rows = _records(service, app_name, target, actor)
    except Forbidden:
        return []
    with service.database.read() as connection:
        form = service.registry.get(connection, app_name).model.form(target)
    title = form.title if form is not None and form.title else "id"
    return sorted((r["id"], str(r.get(title) or r["id"])) for r in rows)


def _quantity(value: Any) -> Decimal:
    try:
        qty = Decimal(str(value))
    except Exception:
        qty = None
    if qty is None or not qty.is_finite() or qty <= 0:
        raise ValidationFailed("The quantity must be a positive number",
                               [ErrorDetail("quantity", "must be a positive number")])
    return qty


def _record_id(name: str, value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise BadRequest(f"'{name}' must be a record id", [ErrorDetail(name, "must be a record id")]) \
            from None


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value)
