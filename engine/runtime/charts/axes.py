"""The plot area and its axes, shared by line and bar charts: margins sized to
the tick labels, a numeric y axis with grid lines, a category or date x axis."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from markupsafe import Markup

from engine.runtime.charts import scale, svg


@dataclass(frozen=True)
class Plot:
    """Pixel box of the plot area inside the chart."""
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left


@dataclass(frozen=True)
class YAxis:
    ticks: list[float]
    scale: scale.LinearScale


def y_label_width(values: Sequence[float]) -> tuple[list[float], float]:
    """The ticks for the data range and the width their labels need."""
    ticks = scale.nice_ticks(min(values, default=0.0), max(values, default=0.0))
    widest = max(svg.text_width(scale.format_number(t, compact=True)) for t in ticks)
    return ticks, widest + 10


def y_axis(ticks: list[float], plot: Plot) -> tuple[YAxis, Markup]:
    """Grid lines and labels; the zero line is drawn darker as the baseline."""
    linear = scale.LinearScale(ticks[0], ticks[-1], plot.bottom, plot.top)
    parts = []
    for tick in ticks:
        y = linear(tick)
        parts.append(svg.element("line", {"x1": plot.left, "x2": plot.right, "y1": y, "y2": y,
                                          "stroke": svg.AXIS if tick == 0 else svg.GRID,
                                          "stroke-width": 1}))
        parts.append(svg.element("text", {"x": plot.left - 6, "y": y, "text-anchor": "end",
                                          "dominant-baseline": "central"},
                                 scale.format_number(tick, compact=True)))
    return YAxis(ticks, linear), svg.element("g", {"class": "ld-chart-y-axis"}, svg.join(parts))


def category_labels_fit(labels: Sequence[str], band: float) -> bool:
    return all(svg.text_width(label) <= band - 4 for label in labels)


def category_axis(labels: Sequence[str], centres: Sequence[float], plot: Plot,
                  rotate: bool) -> Markup:
    """Labels under each category; rotated (and cut with an ellipsis) when they
    would overlap. Too many categories: every n-th label is shown."""
    every = max(1, len(labels) // 24 + (1 if len(labels) > 24 else 0))
    parts = []
    for index, (label, x) in enumerate(zip(labels, centres)):
        if index % every:
            continue
        y = plot.bottom + 16
        if rotate:
            attrs = {"x": x, "y": y, "text-anchor": "end",
                     "transform": f"rotate(-40 {svg.num(x)} {svg.num(y)})"}
            parts.append(svg.element("text", attrs, svg.truncate(label, 110)))
        else:
            parts.append(svg.element("text", {"x": x, "y": y, "text-anchor": "middle"}, label))
    return svg.element("g", {"class": "ld-chart-x-axis"}, svg.join(parts))


def date_axis(first: date, last: date, position, plot: Plot) -> Markup:
    """Ticks on calendar boundaries (days, months, quarters, years)."""
    ticks, fmt = scale.date_ticks(first, last)
    parts = []
    for tick in ticks:
        x = position(tick)
        parts.append(svg.element("line", {"x1": x, "x2": x, "y1": plot.bottom, "y2": plot.bottom + 4,
                                          "stroke": svg.AXIS}))
        parts.append(svg.element("text", {"x": x, "y": plot.bottom + 16, "text-anchor": "middle"},
                                 tick.strftime(fmt)))
    return svg.element("g", {"class": "ld-chart-x-axis"}, svg.join(parts))


def axis_title(text: str | None, *, x: float, y: float, vertical: bool = False) -> Markup:
    if not text:
        return Markup("")
    attrs = {"x": x, "y": y, "text-anchor": "middle", "class": "ld-chart-axis-title"}
    if vertical:
        attrs["transform"] = f"rotate(-90 {svg.num(x)} {svg.num(y)})"
    return svg.element("text", attrs, text)
