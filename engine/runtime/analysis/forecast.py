"""Daily demand forecasts: Holt-Winters exponential smoothing (statsmodels) and
the seasonal-naive baseline it has to beat, each with a prediction interval.

Pure functions over plain data: a history is a list of (date, value) pairs, a
forecast is a list of ForecastPoint(day, value, lower, upper). Nothing here
touches the database, so the statistics can be read and tested on their own.

Why these choices:
- The model is statsmodels' ExponentialSmoothing with an additive, damped trend
  and additive weekly seasonality (sales have a week rhythm; damping keeps a
  short trend from running away over a 4-week horizon). Short histories fall
  back to a damped Holt trend, then to the mean, so every item gets a forecast.
- Intervals for Holt-Winters come from statsmodels' own simulation of the
  fitted state-space model (fixed random seed: the same data gives the same
  band); the fallbacks use the in-sample residual spread growing with √h.
- Demand is never negative: point forecasts and lower bounds are clipped at 0.
- Fits run with single-threaded BLAS (threadpoolctl): the optimiser makes
  thousands of tiny BLAS calls, and waking a thread pool for each one made a
  page of fits 9× slower on a busy 2-core machine.
- numpy (and statsmodels) are imported by the functions that fit, not by this
  module: the API and screens import it at start-up, and numpy alone costs a
  serving worker about 15 MiB that most workers never need.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Iterable, Sequence


DEFAULT_SEASON_LENGTH = 7
DEFAULT_LEVEL = 0.90                 # central prediction interval
SIMULATIONS = 300
SEED = 20240601


class NotEnoughHistory(ValueError):
    """The history is too short for what was asked (a backtest fold, a forecast)."""


@dataclass(frozen=True)
class ForecastPoint:
    day: date
    value: float
    lower: float
    upper: float

    def as_dict(self) -> dict:
        return {"date": self.day.isoformat(), "value": round(self.value, 4),
                "lower": round(self.lower, 4), "upper": round(self.upper, 4)}


@dataclass(frozen=True)
class Forecast:
    method: str                       # holt_winters | holt | mean | seasonal_naive
    points: list[ForecastPoint]
    sigma: float = 0.0                # spread of one day's error (in-sample residuals)

    @property
    def total(self) -> float:
        return sum(p.value for p in self.points)


def daily_values(history: Iterable[tuple[date, float]], *, start: date | None = None,
                 end: date | None = None) -> tuple[date, list[float]]:
    """The history as one value per calendar day from `start` to `end` (default:
    its first and last day); days without sales count 0, repeated days add up."""
    totals: dict[date, float] = {}
    for day, value in history:
        totals[day] = totals.get(day, 0.0) + float(value or 0)
    if not totals and (start is None or end is None):
        return (start or end or date.today()), []
    first = start or min(totals)
    last = end or max(totals)
    days = (last - first).days + 1
    return first, [totals.get(first + timedelta(days=n), 0.0) for n in range(max(days, 0))]


def z_value(level: float) -> float:
    """Two-sided normal quantile: 1.645 for a 90 % interval."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def holt_winters(history: Sequence[tuple[date, float]], horizon: int, *,
                 season_length: int = DEFAULT_SEASON_LENGTH, level: float = DEFAULT_LEVEL,
                 end: date | None = None) -> Forecast:
    """Forecast the `horizon` days after the history (or after `end`)."""
    start, values = daily_values(history, end=end)
    return holt_winters_values(values, start + timedelta(days=len(values)), horizon,
                               season_length=season_length, level=level)


def holt_winters_values(values: Sequence[float], first_day: date, horizon: int, *,
                        season_length: int = DEFAULT_SEASON_LENGTH,
                        level: float = DEFAULT_LEVEL, intervals: bool = True) -> Forecast:
    """The same, on a plain daily array whose next day is `first_day`. Without
    `intervals` (a backtest only scores the points) the band is not simulated."""
    import numpy as np
    from threadpoolctl import threadpool_limits
    y = np.asarray(values, dtype=float)
    if len(y) == 0:
        raise NotEnoughHistory("no history to forecast from")
    if np.ptp(y) == 0:               # constant (often all zero): nothing to smooth
        return _constant(float(y[0]), first_day, horizon)
    with threadpool_limits(limits=1, user_api="blas"):
        return _smoothed(y, first_day, horizon, season_length, level, intervals)


def _smoothed(y: np.ndarray, first_day: date, horizon: int, season_length: int, level: float,
              intervals: bool) -> Forecast:
    """Holt-Winters when there are two seasons and a bit, else damped Holt, else the mean."""
    if len(y) >= 2 * season_length + 4:
        fitted = _fit(y, seasonal=season_length)
        if fitted is not None:
            return _simulated(fitted, first_day, horizon, level, "holt_winters", intervals)
    if len(y) >= 6:
        fitted = _fit(y, seasonal=None)
        if fitted is not None:
            return _simulated(fitted, first_day, horizon, level, "holt", intervals)
    return _mean(y, first_day, horizon, level)


def seasonal_naive(history: Sequence[tuple[date, float]], horizon: int, *,
                   season_length: int = DEFAULT_SEASON_LENGTH, level: float = DEFAULT_LEVEL,
                   end: date | None = None) -> Forecast:
    start, values = daily_values(history, end=end)
    return seasonal_naive_values(values, start + timedelta(days=len(values)), horizon,
                                 season_length=season_length, level=level)


def seasonal_naive_values(values: Sequence[float], first_day: date, horizon: int, *,
                          season_length: int = DEFAULT_SEASON_LENGTH,
                          level: float = DEFAULT_LEVEL) -> Forecast:
    """Each day repeats the same weekday of the last observed season. Interval:
    σ of the seasonal differences, widened by √(complete seasons ahead + 1)."""
    import numpy as np
    y = np.asarray(values, dtype=float)
    if len(y) < season_length:
        raise NotEnoughHistory(f"seasonal-naive needs at least one season ({season_length} days) "
                               f"of history, got {len(y)}")
    last_season = y[-season_length:]
    differences = y[season_length:] - y[:-season_length]
    sigma = float(np.sqrt(np.mean(differences ** 2))) if len(differences) else 0.0
    z = z_value(level)
    points = []
    for h in range(1, horizon + 1):
        value = float(last_season[(h - 1) % season_length])
        half = z * sigma * math.sqrt((h - 1) // season_length + 1)
        points.append(_point(first_day + timedelta(days=h - 1), value, value - half, value + half))
    return Forecast("seasonal_naive", points, sigma)


# ---------------------------------------------------------------- internals

def _fit(y: np.ndarray, *, seasonal: int | None):
    """A fitted damped additive model, or None when statsmodels cannot fit it."""
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # convergence chatter on short, spiky series
            model = ExponentialSmoothing(
                y, trend="add", damped_trend=True,
                seasonal="add" if seasonal else None, seasonal_periods=seasonal,
                initialization_method="estimated")
            fitted = model.fit(use_brute=False)   # the grid search of start values: 3× the time, no better
    except (ValueError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(fitted.fittedvalues)):
        return None
    return fitted


def _simulated(fitted, first_day: date, horizon: int, level: float, method: str,
               intervals: bool = True) -> Forecast:
    import numpy as np
    residuals = np.asarray(fitted.resid, dtype=float)
    sigma = float(np.sqrt(np.mean(residuals ** 2))) if len(residuals) else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = np.asarray(fitted.forecast(horizon), dtype=float)
        if not intervals:
            lower = upper = mean
        else:
            paths = np.asarray(fitted.simulate(horizon, anchor="end", repetitions=SIMULATIONS,
                                               error="add", random_state=SEED), dtype=float)
            paths = paths.reshape(horizon, -1)
            tail = (1 - level) / 2
            lower = np.quantile(paths, tail, axis=1)
            upper = np.quantile(paths, 1 - tail, axis=1)
    return Forecast(method, [_point(first_day + timedelta(days=h), mean[h], lower[h], upper[h])
                             for h in range(horizon)], sigma)


def _mean(y: np.ndarray, first_day: date, horizon: int, level: float) -> Forecast:
    import numpy as np
    value = float(np.mean(y))
    sigma = float(np.std(y, ddof=1)) if len(y) > 1 else 0.0
    half = z_value(level) * sigma * math.sqrt(1 + 1 / len(y))
    return Forecast("mean", [_point(first_day + timedelta(days=h), value, value - half, value + half)
                             for h in range(horizon)], sigma)


def _constant(value: float, first_day: date, horizon: int) -> Forecast:
    return Forecast("mean", [_point(first_day + timedelta(days=h), value, value, value)
                             for h in range(horizon)])


def _point(day: date, value: float, lower: float, upper: float) -> ForecastPoint:
    value = max(float(value), 0.0)
    return ForecastPoint(day, value, max(min(float(lower), value), 0.0), max(float(upper), value))
