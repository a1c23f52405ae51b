"""Bar chart: one series, grouped series side by side, or stacked series.
Negative values hang below the zero line; in a stack, positives stack up and
negatives stack down, so a total is never hidden by a cancelling value."""
from __future__ import annotations

from typing import Any, Sequence

from markupsafe import Markup

from engine.runtime.charts import axes, scale, svg
from engine.runtime.charts.data import Series, ValueFormat, check_aligned, describe


def bar_chart(categories: Sequence[Any], series: Sequence[Series], *, title: str,
              stacked: bool = False, y_label: str | None = None,
              empty_text: str = "No data", value_format: ValueFormat | None = None,
              width: float = 640, height: float = 320) -> Markup:
    """Bars for each category; `series[i].values[j]` is the bar of series i in
    `categories[j]` (None = no bar); `series[i].links[j]` its drill-down URL.
    Several series are grouped side by side, or stacked with `stacked=True`."""
    check_aligned(len(categories), series)
    fmt = value_format or scale.format_number
    grid = [[scale.to_number(v) for v in item.values] for item in series]
    if not any(n is not None for row in grid for n in row):
        return svg.empty_chart(title=title, empty_text=empty_text, kind="bar",
                               width=width, height=height)
    labels = [scale.format_category(c) for c in categories]
    ticks, label_width = axes.y_label_width(_extent(grid, stacked))
    left = label_width + (18 if y_label else 0)
    entries = [svg.LegendEntry(item.label, svg.colour(i)) for i, item in enumerate(series)]
    legend_markup, legend_height = svg.legend(entries if len(series) > 1 else [], x=left, y=0,
                                              width=width - left - 12)
    band = (width - 16 - left) / max(len(categories), 1)
    rotate = not axes.category_labels_fit(labels, band)
    if rotate and labels:      # a rotated first label reaches left of its bar: make room
        reach = min(svg.text_width(svg.truncate(labels[0], 110)), 110) * 0.77 - band / 2 + 4
        if reach > left:
            left = reach
            band = (width - 16 - left) / len(categories)
    x_room = 84 if rotate else 24
    plot = axes.Plot(left, 10, width - 16, height - x_room - 6 - legend_height)
    y_axis, y_markup = axes.y_axis(ticks, plot)
    centres = [plot.left + band * (i + 0.5) for i in range(len(categories))]
    bars = _stacked_bars if stacked else _grouped_bars
    body = [y_markup, bars(series, grid, labels, centres, band, y_axis.scale, fmt),
            axes.category_axis(labels, centres, plot, rotate),
            axes.axis_title(y_label, x=12, y=(plot.top + plot.bottom) / 2, vertical=True),
            Markup(f'<g transform="translate(0 {svg.num(plot.bottom + x_room)})">') + legend_markup
            + Markup("</g>")]
    return svg.document(title=title, description=describe(labels, series, fmt), width=width,
                        height=height, body=svg.join(body), kind="stacked-bar" if stacked else "bar")


def _extent(grid: list[list[float | None]], stacked: bool) -> list[float]:
    if not stacked:
        return [n for row in grid for n in row if n is not None]
    columns = list(zip(*grid))
    ups = [sum(n for n in column if n and n > 0) for column in columns]
    downs = [sum(n for n in column if n and n < 0) for column in columns]
    return ups + downs


def _bar(item: Series, index: int, j: int, x: float, bar_width: float, y0: float, y1: float,
         tooltip: str) -> Markup:
    top, bottom = min(y0, y1), max(y0, y1)
    shape = svg.with_title("rect", {"x": x, "y": top, "width": max(bar_width, 1),
                                    "height": max(bottom - top, 0.5), "fill": svg.colour(index),
                                    "class": "ld-chart-bar"}, tooltip)
    return svg.linked(shape, item.link(j), tooltip)


def _grouped_bars(series, grid, labels, centres, band, y, fmt) -> Markup:
    group_width = band * 0.75
    bar_width = group_width / len(series)
    parts = []
    for i, item in enumerate(series):
        for j, value in enumerate(grid[i]):
            if value is None:
                continue
            x = centres[j] - group_width / 2 + i * bar_width
            tooltip = _tooltip(item, series, labels[j], fmt(value))
            parts.append(_bar(item, i, j, x + 0.5, bar_width - 1, y(0), y(value), tooltip))
    return svg.element("g", {"class": "ld-chart-bars"}, svg.join(parts))


def _stacked_bars(series, grid, labels, centres, band, y, fmt) -> Markup:
    bar_width = band * 0.7
    parts = []
    for j, centre in enumerate(centres):
        up = down = 0.0
        for i, item in enumerate(series):
            value = grid[i][j]
            if not value:
                continue
            base = up if value > 0 else down
            tooltip = _tooltip(item, series, labels[j], fmt(value))
            parts.append(_bar(item, i, j, centre - bar_width / 2, bar_width, y(base), y(base + value),
                              tooltip))
            if value > 0:
                up += value
            else:
                down += value
    return svg.element("g", {"class": "ld-chart-bars"}, svg.join(parts))


def _tooltip(item: Series, series: Sequence[Series], label: str, value: str) -> str:
    return f"{item.label} · {label}: {value}" if len(series) > 1 else f"{label}: {value}"
