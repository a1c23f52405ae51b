"""Sales anomalies by robust z-score: pure functions over daily series.

A day's quantity x is compared with the `window` days before it (not itself):
median m and the median absolute deviation MAD. The robust z-score is

    z = (x - m) / max(1.4826 * MAD, min_units)

(1.4826 * MAD estimates the standard deviation of normal data; when half the
history is identical MAD is 0, then the mean absolute deviation * 1.2533 is
used; `min_units` keeps a product that sells 3, 3, 3 a day from flagging a 5).
|z| > threshold flags the day: "high" above, "low" below. Days before a
product's first sale are not history; a day needs `min_history` days of it.
Intermittent products (more than half the history without sales) are judged
on the days with sales only, so their ordinary order sizes are not flagged.
The threshold 3.5 is Iglewicz and Hoaglin's usual cut-off for this score.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Iterable, Mapping, Sequence

MAD_TO_SIGMA = 1.4826
MEAN_AD_TO_SIGMA = 1.2533
MIN_SALE_DAYS = 5        # intermittent products: days with sales needed to judge one


@dataclass(frozen=True)
class SalesSettings:
    window: int = 56             # 8 weeks: long enough for a weekly pattern to average out
    threshold: float = 3.5
    min_history: int = 14
    min_units: float = 2.0


@dataclass(frozen=True)
class SalesFlag:
    product: int
    day: date
    quantity: float
    expected: float          # the median of the history
    score: float             # the robust z-score

    @property
    def direction(self) -> str:
        return "high" if self.quantity > self.expected else "low"


def robust_score(history: Sequence[float], value: float, min_units: float) -> tuple[float, float]:
    """(median of history, robust z-score of value)."""
    middle = median(history)
    deviations = [abs(x - middle) for x in history]
    scale = MAD_TO_SIGMA * median(deviations)
    if scale == 0:
        scale = MEAN_AD_TO_SIGMA * sum(deviations) / len(deviations)
    return middle, (value - middle) / max(scale, min_units)


def flag_days(product: int, series: Mapping[date, float], first_day: date, days: Iterable[date],
              settings: SalesSettings) -> list[SalesFlag]:
    """Flags among `days` for one product; `series` holds its daily quantities
    (missing days are 0), `first_day` is its first sale ever."""
    flags = []
    for day in days:
        history = [float(series.get(day - timedelta(days=k), 0))
                   for k in range(1, settings.window + 1) if day - timedelta(days=k) >= first_day]
        if len(history) < settings.min_history:
            continue
        value = float(series.get(day, 0))
        if 2 * history.count(0.0) > len(history):
            # Intermittent demand (most days without sales): a quiet day is normal, and
            # a day with sales is judged against the other days with sales.
            history = [x for x in history if x > 0]
            if value == 0 or len(history) < MIN_SALE_DAYS:
                continue
        expected, score = robust_score(history, value, settings.min_units)
        if abs(score) > settings.threshold:
            flags.append(SalesFlag(product, day, value, expected, round(score, 2)))
    return flags
