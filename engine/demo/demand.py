"""How much the demo's customers buy on a given day.

The number of sales orders a day is Poisson around

    level × weekday factor × season factor × trend × noise

- weekday: busy Monday to Thursday, quieter Friday, little on the weekend;
- season: a Q4 peak (year-end projects, 双十一), a deep dip around the Chinese
  New Year (春节: works close a week before and ramp up slowly after), a mild
  summer lull;
- trend: the business grows about 35 % a year (the level is today's);
- noise: ±12 % day to day, on top of Poisson.

Everything draws from one seeded `random.Random`, so a seed gives the same data.
"""
from __future__ import annotations

import math
import random
from datetime import date

WEEKDAY = (1.10, 1.15, 1.12, 1.08, 1.00, 0.45, 0.30)      # Monday .. Sunday
GROWTH_PER_YEAR = 0.35
DAILY_NOISE = 0.12
LINES_PER_ORDER = ((1, 4), (2, 3), (3, 2), (4, 1))         # (lines, weight)

# 春节 (first day of the lunar year)
CHINESE_NEW_YEAR = {
    2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12),
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10),
    2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
    2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
    2031: date(2031, 1, 23), 2032: date(2032, 2, 11), 2033: date(2033, 1, 31),
    2034: date(2034, 2, 19), 2035: date(2035, 2, 8), 2036: date(2036, 1, 28),
}


def _bump(day: date, month: int, dom: int, width: float) -> float:
    """A bell curve of the given width (days) around month/dom of the nearest year."""
    distance = min(abs((day - date(year, month, dom)).days)
                   for year in (day.year - 1, day.year, day.year + 1))
    return math.exp(-distance * distance / (2 * width * width))


def season(day: date) -> float:
    factor = 1.0 + 0.30 * _bump(day, 11, 25, 30) + 0.25 * _bump(day, 11, 11, 2)
    factor -= 0.08 * _bump(day, 8, 5, 20)
    new_year = CHINESE_NEW_YEAR.get(day.year)
    if new_year is not None:
        offset = (day - new_year).days
        width = 5.0 if offset < 2 else 9.0        # closes fast, comes back slowly
        factor *= 1 - 0.7 * math.exp(-(offset - 2) ** 2 / (2 * width * width))
    return factor


def trend(day: date, end: date) -> float:
    return 1.0 + GROWTH_PER_YEAR * (day - end).days / 365


def expected_orders(level: float, day: date, end: date) -> float:
    return level * WEEKDAY[day.weekday()] * season(day) * trend(day, end)


def orders_on(rng: random.Random, level: float, day: date, end: date) -> int:
    mean = expected_orders(level, day, end) * math.exp(rng.gauss(0, DAILY_NOISE))
    return poisson(rng, mean)


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:                                   # normal approximation
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def line_count(rng: random.Random) -> int:
    counts, weights = zip(*LINES_PER_ORDER)
    return rng.choices(counts, weights)[0]


def line_qty(rng: random.Random, typical: int) -> int:
    return max(1, round(typical * rng.lognormvariate(0, 0.5)))


def mean_lines() -> float:
    return sum(n * w for n, w in LINES_PER_ORDER) / sum(w for _, w in LINES_PER_ORDER)


def stock_levels(daily: float, lead_time: int) -> tuple[int, int]:
    """(min_stock, max_stock) for a warehouse selling `daily` units a day: cover
    the lead time plus a safety margin, then about four weeks more."""
    minimum = _nice(daily * (lead_time + 4) * 1.5)
    return minimum, _nice(minimum + daily * 28)


def _nice(value: float) -> int:
    step = 1 if value < 20 else 5 if value < 200 else 10 if value < 2000 else 50
    return max(2, int(math.ceil(value / step) * step))
