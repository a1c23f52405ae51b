"""Line chart: several series over dates or categories, optional interval band."""
from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from markupsafe import Markup

from engine.runtime.charts import axes, scale, svg
from engine.runtime.charts.data import Band, Series, ValueFormat, check_aligned, describe

DENSE_POINTS = 60


def line_chart(x: Sequence[Any], series: Sequence[Series], *, title: str,
               band: Band | None = None, y_label: str | None = None,
               empty_text: str = "No data", value_format: ValueFormat | None = None,
               width: float = 640, height: float = 320) -> Markup:
    """Lines over `x` (dates → a time axis, anything else → categories).

    `series[i].values[j]` is the value at `x[j]` (None = gap). `band` shades
    `lower[j]..upper[j]` behind the lines (a forecast interval). Returns an
    inline <svg> (Markup) that scales to its container."""
    check_aligned(len(x), series, band)
    fmt = value_format or scale.format_number
    numbers = _all_numbers(series, band)
    if not numbers:
        return svg.empty_chart(title=title, empty_text=empty_text, kind="line",
                               width=width, height=height)
    labels = [scale.format_category(value) for value in x]
    ticks, label_width = axes.y_label_width(numbers)
    left = max(label_width, 30) + (18 if y_label else 0)
    legend_entries = _legend_entries(series, band)
    legend_markup, legend_height = svg.legend(legend_entries, x=left, y=0, width=width - left - 12)
    rotate = not scale.is_date_axis(x) and not axes.category_labels_fit(
        labels, (width - 16 - left - 20) / max(len(x), 1))
    if rotate and labels:      # rotated labels hang below the axis and reach left of the first point
        left = max(left, min(svg.text_width(svg.truncate(labels[0], 110)), 110) * 0.77 - 6)
    x_room = 84 if rotate else 30
    plot = axes.Plot(left, 10, width - 16, height - x_room - legend_height)
    y_axis, y_markup = axes.y_axis(ticks, plot)
    position, x_markup = _x_axis(x, labels, plot)
    xs = [position(i) for i in range(len(x))]
    body = [y_markup, x_markup]
    if band is not None:
        body.append(_band(band, xs, y_axis.scale))
    for index, item in enumerate(series):
        body.append(_series(index, item, xs, labels, y_axis.scale, fmt))
    body.append(axes.axis_title(y_label, x=12, y=(plot.top + plot.bottom) / 2, vertical=True))
    body.append(Markup(f'<g transform="translate(0 {svg.num(plot.bottom + x_room - 4)})">') + legend_markup
                + Markup("</g>"))
    return svg.document(title=title, description=describe(labels, series, fmt), width=width,
                        height=height, body=svg.join(body), kind="line")


def _all_numbers(series: Sequence[Series], band: Band | None) -> list[float]:
    values = [v for item in series for v in item.values]
    if band is not None:
        values += list(band.lower) + list(band.upper)
    return [n for v in values if (n := scale.to_number(v)) is not None]


def _legend_entries(series: Sequence[Series], band: Band | None) -> list[svg.LegendEntry]:
    entries = [svg.LegendEntry(item.label, svg.colour(i), "line", svg.dash(i))
               for i, item in enumerate(series)]
    if band is not None and band.label:
        entries.append(svg.LegendEntry(band.label, svg.BAND_FILL))
    if len(series) == 1 and band is None:
        return []            # one line: the chart title already says what it is
    return entries


def _x_axis(x: Sequence[Any], labels: list[str], plot: axes.Plot):
    """Returns index → pixel and the axis markup. Dates are placed by time."""
    inner = axes.Plot(plot.left + 10, plot.top, plot.right - 10, plot.bottom)
    if scale.is_date_axis(x):
        days = [scale.as_date(v) for v in x]
        first, last = min(days), max(days)
        linear = scale.LinearScale(first.toordinal(), last.toordinal(), inner.left, inner.right)

        def at_date(day: date) -> float:
            return linear(day.toordinal())
        return (lambda i: at_date(days[i])), axes.date_axis(first, last, at_date, plot)
    band = inner.width / max(len(x), 1)
    centres = [inner.left + band * (i + 0.5) for i in range(len(x))]
    rotate = not axes.category_labels_fit(labels, band)
    return (lambda i: centres[i]), axes.category_axis(labels, centres, plot, rotate)


def _band(band: Band, xs: list[float], y) -> Markup:
    """One shaded polygon per stretch where both bounds are known."""
    shapes = []
    for run in _runs([(scale.to_number(lo), scale.to_number(hi)) for lo, hi in zip(band.lower, band.upper)],
                     lambda pair: None not in pair):
        upper = [f"{svg.num(xs[i])},{svg.num(y(hi))}" for i, (lo, hi) in run]
        lower = [f"{svg.num(xs[i])},{svg.num(y(lo))}" for i, (lo, hi) in reversed(run)]
        shapes.append(svg.element("polygon", {"points": " ".join(upper + lower), "fill": svg.BAND_FILL,
                                              "fill-opacity": 0.5, "stroke": "none"}))
    return svg.element("g", {"class": "ld-chart-band"}, svg.join(shapes))


def _series(index: int, item: Series, xs: list[float], labels: list[str], y, fmt) -> Markup:
    """Path segments between gaps, and a marker per point (the tooltip and the
    drill-down target); a lone point between gaps is still visible as its marker."""
    colour, numbers = svg.colour(index), [scale.to_number(v) for v in item.values]
    parts = []
    for run in _runs(numbers, lambda n: n is not None):
        if len(run) > 1:
            d = "M" + " L".join(f"{svg.num(xs[i])} {svg.num(y(v))}" for i, v in run)
            parts.append(svg.element("path", {"d": d, "fill": "none", "stroke": colour,
                                              "stroke-width": 2, "stroke-dasharray": svg.dash(index),
                                              "stroke-linejoin": "round"}))
    dense = len(xs) > DENSE_POINTS
    for i, value in enumerate(numbers):
        if value is None:
            continue
        tooltip = f"{item.label} · {labels[i]}: {fmt(value)}"
        lone = (i == 0 or numbers[i - 1] is None) and (i + 1 == len(numbers) or numbers[i + 1] is None)
        # Many points: markers stay as invisible hover targets (tooltips) unless
        # they are a link or a lone point that would otherwise not show at all.
        hidden = dense and not lone and not item.link(i)
        marker = svg.with_title("circle", {"cx": xs[i], "cy": y(value), "r": 3 if dense else 3.5,
                                           "fill": colour, "fill-opacity": 0 if hidden else None,
                                           "stroke": None if hidden else "#ffffff", "stroke-width": 1,
                                           "class": "ld-chart-point"}, tooltip)
        parts.append(svg.linked(marker, item.link(i), tooltip))
    return svg.element("g", {"class": "ld-chart-series", "data-series": item.label}, svg.join(parts))


def _runs(values: list, keep) -> list[list[tuple[int, Any]]]:
    """Consecutive (index, value) stretches where keep(value) holds."""
    runs, current = [], []
    for i, value in enumerate(values):
        if keep(value):
            current.append((i, value))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs
