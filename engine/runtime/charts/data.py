"""The plain data the chart functions take. Values are numbers (int, float,
Decimal) or None for "no value" (a gap in a line, an empty bar)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from engine.runtime.charts import scale

ValueFormat = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One named row of values, aligned with the chart's x values/categories.
    `links` (optional, same length): a drill-down URL per point/bar, or None."""
    label: str
    values: Sequence[Any]
    links: Sequence[str | None] = field(default_factory=tuple)

    def link(self, index: int) -> str | None:
        return self.links[index] if index < len(self.links) else None


@dataclass(frozen=True)
class Band:
    """An interval drawn as a shaded area behind the lines, e.g. a forecast's
    prediction interval: `lower[i]`..`upper[i]` at x[i]; None where there is none."""
    lower: Sequence[Any]
    upper: Sequence[Any]
    label: str = ""


@dataclass(frozen=True)
class Slice:
    """One pie slice."""
    label: str
    value: Any
    link: str | None = None


def check_aligned(count: int, series: Sequence[Series], band: Band | None = None) -> None:
    """Misaligned data is a programming error, not something to draw half of."""
    for item in series:
        if len(item.values) != count:
            raise ValueError(f"series {item.label!r} has {len(item.values)} values for {count} x values")
        if item.links and len(item.links) != count:
            raise ValueError(f"series {item.label!r} has {len(item.links)} links for {count} x values")
    if band is not None and not (len(band.lower) == len(band.upper) == count):
        raise ValueError(f"band has {len(band.lower)}/{len(band.upper)} bounds for {count} x values")


def describe(labels: Sequence[str], series: Sequence[Series], fmt: ValueFormat,
             limit: int = 12) -> str:
    """The data in words for screen readers (<desc>): each series with its
    first `limit` values."""
    parts = []
    for item in series:
        pairs = [f"{label} {fmt(number)}" for label, value in zip(labels, item.values)
                 if (number := scale.to_number(value)) is not None]
        more = " …" if len(pairs) > limit else ""
        parts.append(f"{item.label}: " + ", ".join(pairs[:limit]) + more)
    return "; ".join(parts)
