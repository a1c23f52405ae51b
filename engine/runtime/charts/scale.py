"""Axis arithmetic: nice numeric ticks, time ticks for date axes, tick labels.

Kept apart from the drawing so that the rules ("ticks are 1, 2, 2.5 or 5 times
a power of ten", "a date axis ticks on day, month, quarter or year starts")
can be read and tested on their own."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Sequence

NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class LinearScale:
    """Maps a data interval [low, high] onto pixels [start, end] (end may be < start,
    as on a y axis where larger values are drawn higher)."""
    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def to_number(value) -> float | None:
    """Plain float from int/float/Decimal; None (a gap) for None, NaN and the rest."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    return None


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Evenly spaced round ticks covering [low, high]; zero is always inside the
    range so bars have a baseline. An empty range is widened around its value."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1.0
    raw_step = (high - low) / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(s * magnitude for s in NICE_STEPS if s * magnitude >= raw_step * 0.999)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count = int(round((last - first) / step))
    return [_clean(first + i * step) for i in range(count + 1)]


def _clean(value: float) -> float:
    """Round away float noise (0.30000000000000004 → 0.3) and negative zero."""
    cleaned = round(value, 10)
    return 0.0 if cleaned == 0 else cleaned


def format_number(value: float, *, compact: bool = False) -> str:
    """1234567.5 → '1,234,567.5'; compact (tick labels): '1.2M', '25k'."""
    if compact and abs(value) >= 10_000:
        for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"{value / size:,.1f}".rstrip("0").rstrip(".") + suffix
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def is_date_axis(values: Sequence) -> bool:
    """A line chart places dates by time (gaps in the data stay visible as gaps
    in the axis); anything else is a row of evenly spaced categories."""
    return bool(values) and all(as_date(v) is not None for v in values)


def date_ticks(first: date, last: date, target: int = 6) -> tuple[list[date], str]:
    """Tick dates on calendar boundaries and the label format for them."""
    span = (last - first).days
    if span <= target * 2:
        return [first + timedelta(days=i) for i in range(span + 1)], "%Y-%m-%d"
    if span <= 120:
        step = max(1, span // target)
        return [first + timedelta(days=i) for i in range(0, span + 1, step)], "%m-%d"
    months = (last.year - first.year) * 12 + last.month - first.month
    if months <= 12 * target:
        every = next(m for m in (1, 2, 3, 6, 12) if months / m <= target)
        return _month_starts(first, last, every), "%Y-%m" if every < 12 else "%Y"
    every = max(1, math.ceil((last.year - first.year) / target))
    return [date(y, 1, 1) for y in range(first.year, last.year + 1, every)
            if first <= date(y, 1, 1) <= last] or [first], "%Y"


def _month_starts(first: date, last: date, every: int) -> list[date]:
    year, month = first.year, first.month
    if first.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    ticks = []
    while date(year, month, 1) <= last:
        if (month - 1) % every == 0 or every == 1:
            ticks.append(date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks or [first]


def format_category(value) -> str:
    """A category (bar, pie slice, point) as text: dates in ISO form, numbers
    with separators, None as an em dash."""
    if value is None:
        return "—"
    day = as_date(value)
    if day is not None:
        return day.isoformat()
    number = to_number(value)
    if number is not None:
        return format_number(number)
    return str(value)
