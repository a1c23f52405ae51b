"""Server-side SVG charts: pure functions from plain data to inline <svg> Markup.

No JavaScript and no CDN, so charts work offline and print. Every chart scales
with its container (viewBox), has role="img" with an accessible name (<title>)
and its data in words (<desc>); every text is escaped.

    line_chart(x, [Series(label, values, links)], title=..., band=Band(lower, upper, label))
    bar_chart(categories, [Series(...)], title=..., stacked=False)
    pie_chart([Slice(label, value, link)], title=...)

Empty data gives a chart that says `empty_text` (default "No data")."""
from engine.runtime.charts.bar import bar_chart
from engine.runtime.charts.data import Band, Series, Slice
from engine.runtime.charts.line import line_chart
from engine.runtime.charts.pie import pie_chart
from engine.runtime.charts.scale import format_number, nice_ticks
from engine.runtime.charts.svg import PALETTE

__all__ = ["Band", "PALETTE", "Series", "Slice", "bar_chart", "format_number", "line_chart",
           "nice_ticks", "pie_chart"]
