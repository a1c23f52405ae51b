"""Pie chart. Only positive values can be shares of a whole: zero and negative
slices are left out of the circle and the legend says how many were."""
from __future__ import annotations

import math
from typing import Sequence

from markupsafe import Markup

from engine.runtime.charts import scale, svg
from engine.runtime.charts.data import Slice, ValueFormat

MIN_LABELLED_SHARE = 0.05


def pie_chart(slices: Sequence[Slice], *, title: str, empty_text: str = "No data",
              omitted_text: str = "{count} value(s) ≤ 0 not shown",
              value_format: ValueFormat | None = None,
              width: float = 640, height: float = 320) -> Markup:
    """A slice per positive value (in the given order, clockwise from 12 o'clock),
    percentages on slices of at least 5 %, a legend with value and share.
    `omitted_text` (with `{count}`) is shown when slices ≤ 0 were left out."""
    fmt = value_format or scale.format_number
    shown = [(s, n) for s in slices if (n := scale.to_number(s.value)) is not None and n > 0]
    omitted = sum(1 for s in slices if (n := scale.to_number(s.value)) is not None and n <= 0)
    if not shown:
        return svg.empty_chart(title=title, empty_text=empty_text, kind="pie",
                               width=width, height=height)
    total = sum(n for _, n in shown)
    radius = min(height / 2 - 16, width * 0.28)
    cx, cy = radius + 16, height / 2
    shapes, legend_rows, angle = [], [], -math.pi / 2
    for index, (item, value) in enumerate(shown):
        share = value / total
        tooltip = f"{item.label}: {fmt(value)} ({share:.1%})"
        shapes.append(svg.linked(_wedge(index, cx, cy, radius, angle, share, tooltip), item.link, tooltip))
        if share >= MIN_LABELLED_SHARE:
            shapes.append(_share_label(cx, cy, radius, angle + share * math.pi, share))
        legend_rows.append(svg.LegendEntry(f"{item.label} — {fmt(value)} ({share:.1%})", svg.colour(index)))
        angle += share * 2 * math.pi
    if omitted:
        legend_rows.append(svg.LegendEntry(omitted_text.format(count=omitted), "#ffffff"))
    legend = _legend_column(legend_rows, x=cx + radius + 24, width=width - (cx + radius + 32),
                            height=height)
    description = "; ".join(f"{s.label}: {fmt(n)} ({n / total:.1%})" for s, n in shown)
    body = svg.element("g", {"class": "ld-chart-slices"}, svg.join(shapes)) + legend
    return svg.document(title=title, description=description, width=width, height=height,
                        body=body, kind="pie")


def _wedge(index: int, cx: float, cy: float, r: float, start: float, share: float,
           tooltip: str) -> Markup:
    attrs = {"fill": svg.colour(index), "stroke": "#ffffff", "stroke-width": 1.5,
             "class": "ld-chart-slice"}
    if share >= 0.999999:            # a full circle cannot be drawn as one arc
        return svg.with_title("circle", {**attrs, "cx": cx, "cy": cy, "r": r}, tooltip)
    end = start + share * 2 * math.pi
    x1, y1 = cx + r * math.cos(start), cy + r * math.sin(start)
    x2, y2 = cx + r * math.cos(end), cy + r * math.sin(end)
    large = 1 if share > 0.5 else 0
    d = (f"M{svg.num(cx)} {svg.num(cy)} L{svg.num(x1)} {svg.num(y1)} "
         f"A{svg.num(r)} {svg.num(r)} 0 {large} 1 {svg.num(x2)} {svg.num(y2)} Z")
    return svg.with_title("path", {**attrs, "d": d}, tooltip)


def _share_label(cx: float, cy: float, r: float, middle: float, share: float) -> Markup:
    x, y = cx + r * 0.65 * math.cos(middle), cy + r * 0.65 * math.sin(middle)
    return svg.element("text", {"x": x, "y": y, "text-anchor": "middle", "dominant-baseline": "central",
                                "fill": "#ffffff", "font-weight": "bold", "aria-hidden": "true",
                                "pointer-events": "none"}, f"{share:.0%}")


def _legend_column(rows: list[svg.LegendEntry], *, x: float, width: float, height: float) -> Markup:
    """One legend row per slice, beside the pie; more rows than fit are summed
    up in a last "…" row rather than drawn off the chart."""
    row_height = svg.FONT_SIZE + 8
    fit = max(1, int((height - 16) // row_height))
    if len(rows) > fit:
        rows = rows[:fit - 1] + [svg.LegendEntry(f"… (+{len(rows) - fit + 1})", "#ffffff")]
    top = (height - len(rows) * row_height) / 2
    items = []
    for i, row in enumerate(rows):
        y = top + i * row_height
        items.append(svg.element("rect", {"x": x, "y": y + 1, "width": 12, "height": 10, "fill": row.colour,
                                          "stroke": svg.GRID if row.colour == "#ffffff" else None}))
        items.append(svg.element("text", {"x": x + 18, "y": y + svg.FONT_SIZE / 2,
                                          "dominant-baseline": "central"},
                                 svg.truncate(row.label, width - 20)))
    return svg.element("g", {"class": "ld-chart-legend"}, svg.join(items))
