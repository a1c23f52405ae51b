"""Run a definition's forecast (key `forecasts`): read the daily history through
the report runner as the caller (so the report's permissions and row scopes
apply), then forecast and backtest the total and each item.

The history runs from the first day with sales to the last one (days between
without sales count as zero); the forecast starts the day after the last day
with sales, or after `as_of` when given (later rows are left out, missing days
up to it count as zero). An item's own history starts at its first sale.

Fits are memoised on the exact daily values (an LRU cache per process): the
same data asked for again, by the page and then the suggestions, is not refit.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from engine.definitions.model import ForecastModel
from engine.runtime.analysis.backtest import BacktestResult, backtest_values, minimum_history
from engine.runtime.analysis.forecast import (Forecast, NotEnoughHistory, holt_winters_values,
                                              seasonal_naive_values)
from engine.runtime.errors import BadRequest, ErrorDetail, NotFound

TOTAL = "total"


@dataclass(frozen=True)
class ItemForecast:
    item: int | None                     # the item's record id; None for the total
    title: str
    history_start: date
    history: tuple[float, ...]           # one value per day up to the common end
    forecast: Forecast
    baseline: Forecast                   # seasonal-naive over the same horizon
    backtest: BacktestResult | None
    backtest_problem: str | None = None  # why there is no backtest (too little history)

    @property
    def history_total(self) -> float:
        return sum(self.history)

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "title": self.title, "method": self.forecast.method,
                "history_start": self.history_start.isoformat(), "history_days": len(self.history),
                "history_total": round(self.history_total, 4),
                "forecast_total": round(self.forecast.total, 4),
                "points": [p.as_dict() for p in self.forecast.points],
                "seasonal_naive": [p.as_dict() for p in self.baseline.points],
                "backtest": self.backtest.as_dict() if self.backtest else None,
                "backtest_problem": self.backtest_problem}


@dataclass(frozen=True)
class ForecastRun:
    definition: ForecastModel
    horizon: int
    folds: int
    history_end: date
    total: ItemForecast
    items: list[ItemForecast]            # busiest first

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.definition.name, "label": dict(self.definition.label),
                "horizon": self.horizon, "folds": self.folds,
                "season_length": self.definition.season_length,
                "history_end": self.history_end.isoformat(),
                "total": self.total.as_dict(), "items": [i.as_dict() for i in self.items]}


def forecast_definition(app_name: str, name: str) -> ForecastModel:
    """The compiled forecast `name` of an installed app (NotFound names what is missing)."""
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    with get_db().read() as connection:
        loaded = get_registry().get(connection, app_name)
    found = loaded.model.forecast(name)
    if found is None:
        known = ", ".join(f.name for f in loaded.model.forecasts) or "none"
        raise NotFound(f"No forecast {name!r} in app {app_name!r} (known: {known})")
    return found


def run_forecast(app_name: str, name: str, *, actor, horizon: int | None = None,
                 folds: int | None = None, top: int | None = None, with_backtest: bool = True,
                 items: list[int] | None = None, as_of: date | None = None) -> ForecastRun:
    """Forecast the total and the items (`top` busiest, or the ids in `items`).

    Raises NotFound (app, forecast, report), Forbidden (the report's rights),
    BadRequest (a bad horizon/folds, or no history at all)."""
    definition = forecast_definition(app_name, name)
    horizon = _positive("horizon", horizon, definition.horizon, 366)
    folds = _positive("folds", folds, definition.folds, 20)
    series, titles = read_history(app_name, definition, actor=actor)
    if as_of is not None:
        series = {item: kept for item, days in series.items()
                  if (kept := {day: value for day, value in days.items() if day <= as_of})}
    if not series:
        raise BadRequest(f"Forecast {name!r} has no history: the report {definition.report!r} has "
                         f"no rows the caller may see" + (f" up to {as_of.isoformat()}" if as_of else ""))
    end = as_of or max(max(days) for days in series.values())
    total_days: dict[date, float] = {}
    for days in series.values():
        for day, value in days.items():
            total_days[day] = total_days.get(day, 0.0) + value
    settings = (horizon, folds, definition.season_length, with_backtest)
    total = _item_forecast(None, TOTAL, total_days, end, *settings)
    chosen = _choose_items(series, top, items)
    return ForecastRun(definition, horizon, folds, end, total,
                       [_item_forecast(item, titles.get(item, str(item)), series[item], end, *settings)
                        for item in chosen])


def read_history(app_name: str, definition: ForecastModel, *, actor
                 ) -> tuple[dict[Any, dict[date, float]], dict[Any, str]]:
    """{item id (None without an item column): {day: value}} and the items' titles."""
    from engine.runtime.reports import run_report
    result = run_report(app_name, definition.report, actor=actor, titles=True)
    names = result.names
    date_at, value_at = names.index(definition.date), names.index(definition.value)
    item_at = names.index(definition.item) if definition.item else None
    series: dict[Any, dict[date, float]] = {}
    for row in result.rows:
        if row[date_at] is None:
            continue
        day = date.fromisoformat(str(row[date_at])[:10])
        item = row[item_at] if item_at is not None else None
        if item_at is not None and item is None:
            continue                      # a line without an item adds to no item's demand
        days = series.setdefault(item, {})
        days[day] = days.get(day, 0.0) + _number(row[value_at])
    titles = dict(result.titles.get(definition.item, {})) if definition.item else {}
    return series, titles


def _choose_items(series: dict, top: int | None, wanted: list[int] | None) -> list:
    if None in series and len(series) == 1:
        return []                          # no item column: the total only
    if wanted is not None:
        return [item for item in wanted if item in series]
    busiest = sorted(series, key=lambda item: (-sum(series[item].values()), item))
    return busiest[:top] if top else busiest


def _item_forecast(item, title: str, days: dict[date, float], end: date, horizon: int, folds: int,
                   season_length: int, with_backtest: bool) -> ItemForecast:
    start = min(days)
    values = tuple(days.get(start + timedelta(days=n), 0.0) for n in range((end - start).days + 1))
    first_day = end + timedelta(days=1)
    fitted = _forecast(values, first_day, horizon, season_length)
    baseline = _baseline(values, first_day, horizon, season_length)
    result, problem = None, None
    if with_backtest:
        try:
            result = _backtest(values, start, horizon, folds, season_length)
        except NotEnoughHistory as error:
            problem = str(error)
    return ItemForecast(item, title, start, values, fitted, baseline, result, problem)


@functools.lru_cache(maxsize=1024)
def _forecast(values: tuple, first_day: date, horizon: int, season_length: int) -> Forecast:
    return holt_winters_values(values, first_day, horizon, season_length=season_length)


@functools.lru_cache(maxsize=1024)
def _backtest(values: tuple, first_day: date, horizon: int, folds: int,
              season_length: int) -> BacktestResult:
    return backtest_values(values, first_day, horizon=horizon, folds=folds,
                           season_length=season_length)


def _baseline(values: tuple, first_day: date, horizon: int, season_length: int) -> Forecast:
    if len(values) < season_length:       # too short to repeat a season: repeat the last day
        values = (values[-1],) * (season_length - len(values)) + values
    return seasonal_naive_values(values, first_day, horizon, season_length=season_length)


def _positive(name: str, value: int | None, default: int, maximum: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise BadRequest(f"'{name}' must be a whole number from 1 to {maximum}",
                         [ErrorDetail(name, f"must be from 1 to {maximum}")])
    return value


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, (int, float, Decimal)) else float(str(value))


__all__ = ["ForecastRun", "ItemForecast", "run_forecast", "read_history", "forecast_definition",
           "minimum_history", "TOTAL"]
