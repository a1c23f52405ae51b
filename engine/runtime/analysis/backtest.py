"""Forecast errors and the rolling-origin backtest that measures them.

Metrics, all in percent:
- MAPE = mean(|actual − forecast| / |actual|) over the days whose actual is not
  zero. A day without sales has no percentage error (it would divide by zero),
  so it is left out; when every actual is zero MAPE is undefined (None). This
  is why sMAPE is the headline number for item-level daily sales.
- sMAPE = mean(2·|actual − forecast| / (|actual| + |forecast|)), 0…200 %, over
  every day; a day where both are zero is a perfect 0 (not 0/0). On
  intermittent item sales it punishes any forecast on a zero day with 200 %, so
  a spiky baseline can look better than a smooth forecast that is closer in sum.
- WAPE = Σ|actual − forecast| / Σ|actual| (weighted absolute percentage error):
  defined with zero days, weighted by volume; the one to read for item demand.

Rolling origin: with K folds of horizon H the origins are n − K·H, …, n − H;
each fold fits on everything before its origin and is scored on the H days
after it. Errors are pooled over all folds (every forecast day weighs the same).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Sequence

from engine.runtime.analysis.forecast import (DEFAULT_SEASON_LENGTH, Forecast, NotEnoughHistory,
                                              daily_values, holt_winters_values,
                                              seasonal_naive_values)

Forecaster = Callable[[Sequence[float], date, int], Forecast]


def mape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    pairs = [(a, f) for a, f in zip(actual, forecast) if a != 0]
    if not pairs:
        return None
    return 100.0 * sum(abs(a - f) / abs(a) for a, f in pairs) / len(pairs)


def wape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    volume = sum(abs(a) for a in actual)
    if volume == 0:
        return None
    return 100.0 * sum(abs(a - f) for a, f in zip(actual, forecast)) / volume


def smape(actual: Sequence[float], forecast: Sequence[float]) -> float | None:
    if not actual:
        return None
    total = 0.0
    for a, f in zip(actual, forecast):
        scale = abs(a) + abs(f)
        total += 0.0 if scale == 0 else 2.0 * abs(a - f) / scale
    return 100.0 * total / len(actual)


@dataclass(frozen=True)
class Errors:
    mape: float | None
    smape: float | None
    wape: float | None = None

    @classmethod
    def of(cls, actual: Sequence[float], forecast: Sequence[float]) -> "Errors":
        return cls(mape(actual, forecast), smape(actual, forecast), wape(actual, forecast))

    def as_dict(self) -> dict:
        return {"mape": _round(self.mape), "smape": _round(self.smape), "wape": _round(self.wape)}


@dataclass(frozen=True)
class BacktestResult:
    horizon: int
    folds: int
    days: int                          # forecast days scored (horizon × folds)
    model: Errors
    baseline: Errors                   # seasonal-naive
    model_method: str                  # what the model fell back to in the last fold

    @property
    def model_wins(self) -> bool:
        """The model's sMAPE is lower than the baseline's."""
        return self.wins("smape")

    def wins(self, metric: str) -> bool:
        """The model's error by `metric` (mape, smape, wape) is lower than the baseline's."""
        mine, theirs = getattr(self.model, metric), getattr(self.baseline, metric)
        return mine is not None and theirs is not None and mine < theirs

    def as_dict(self) -> dict:
        return {"horizon": self.horizon, "folds": self.folds, "days": self.days,
                "model": self.model.as_dict(), "seasonal_naive": self.baseline.as_dict(),
                "model_method": self.model_method}


def minimum_history(horizon: int, folds: int, season_length: int = DEFAULT_SEASON_LENGTH) -> int:
    """Days a backtest needs: two seasons before the first origin, then K·H days."""
    return 2 * season_length + horizon * folds


def backtest_values(values: Sequence[float], first_day: date, *, horizon: int, folds: int,
                    season_length: int = DEFAULT_SEASON_LENGTH) -> BacktestResult:
    """Rolling-origin backtest of Holt-Winters against seasonal-naive on a daily array."""
    if horizon < 1 or folds < 1:
        raise ValueError("horizon and folds must be at least 1")
    needed = minimum_history(horizon, folds, season_length)
    if len(values) < needed:
        raise NotEnoughHistory(
            f"a backtest of {folds} fold(s) × {horizon} day(s) needs {needed} days of history "
            f"({2 * season_length} to fit before the first origin), got {len(values)}")
    actual: list[float] = []
    model: list[float] = []
    naive: list[float] = []
    method = ""
    for origin in range(len(values) - folds * horizon, len(values), horizon):
        train = values[:origin]
        day = first_day + timedelta(days=origin)
        fitted = holt_winters_values(train, day, horizon, season_length=season_length,
                                     intervals=False)
        baseline = seasonal_naive_values(train, day, horizon, season_length=season_length)
        actual.extend(values[origin:origin + horizon])
        model.extend(p.value for p in fitted.points)
        naive.extend(p.value for p in baseline.points)
        method = fitted.method
    return BacktestResult(horizon, folds, len(actual), Errors.of(actual, model), Errors.of(actual, naive),
                          method)


def backtest(history: Sequence[tuple[date, float]], *, horizon: int, folds: int,
             season_length: int = DEFAULT_SEASON_LENGTH, end: date | None = None) -> BacktestResult:
    """The same on a (date, value) history, gaps counted as zero sales."""
    first_day, values = daily_values(history, end=end)
    return backtest_values(values, first_day, horizon=horizon, folds=folds,
                           season_length=season_length)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
