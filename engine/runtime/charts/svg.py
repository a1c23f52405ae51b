"""SVG building blocks shared by the chart kinds: escaped elements, the root
element with its accessible name, the legend, the "no data" chart, palettes.

Every piece of text and every attribute value goes through markupsafe, so a
label such as `<script>` is drawn as text and never becomes markup."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable, Sequence

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"

# Okabe–Ito colours (readable for colour-blind readers), darkest first so that a
# greyscale print still separates the first series; yellow left out (invisible on paper).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
           "#000000", "#8C6D31")
# Lines also differ by dash pattern, so a black-and-white print tells them apart.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "4 2 1 2")
BAND_FILL = "#9ecae1"
AXIS = "#333333"
GRID = "#d9d9d9"
FONT_SIZE = 12
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def dash(index: int) -> str:
    return DASHES[index % len(DASHES)]


def num(value: float) -> str:
    """Coordinates with at most two decimals keep the SVG small and stable."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def element(tag: str, attrs: dict | None = None, content: Markup | str | None = None) -> Markup:
    """`<tag a="v">content</tag>`; attribute values and str content are escaped,
    Markup content (already built elements) is kept."""
    parts = [tag]
    for name, value in (attrs or {}).items():
        if value is None or value == "":
            continue
        if isinstance(value, float):
            value = num(value)
        parts.append(f'{name}="{escape(value)}"')
    opening = " ".join(parts)
    if content is None:
        return Markup(f"<{opening}/>")
    return Markup(f"<{opening}>") + escape(content) + Markup(f"</{tag}>")


def join(pieces: Iterable[Markup]) -> Markup:
    return Markup("").join(pieces)


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Rough rendered width: CJK glyphs are about 1em wide, Latin ones ~0.6em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def truncate(text: str, max_width: float, size: float = FONT_SIZE) -> str:
    if text_width(text, size) <= max_width:
        return text
    while text and text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def linked(shape: Markup, href: str | None, label: str) -> Markup:
    """A drill-down link around a shape; the shape's <title> is the tooltip and
    the link's accessible name, so keyboard and screen-reader users get both."""
    if not href:
        return shape
    return element("a", {"href": href, "aria-label": label, "class": "ld-chart-link"}, shape)


def with_title(tag: str, attrs: dict, tooltip: str) -> Markup:
    return element(tag, attrs, element("title", None, tooltip))


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    kind: str = "box"        # "box" (bars, slices, band) or "line"
    dash: str = ""


def legend(entries: Sequence[LegendEntry], *, x: float, y: float, width: float) -> tuple[Markup, float]:
    """Legend entries flowed left to right in rows inside `width`; returns the
    markup and the height it takes (0 when there is nothing to explain)."""
    if not entries:
        return Markup(""), 0.0
    row_height, gap = FONT_SIZE + 8, 16
    cursor_x, cursor_y, items = x, y, []
    for entry in entries:
        label = truncate(entry.label, width * 0.6)
        item_width = 18 + text_width(label) + gap
        if cursor_x > x and cursor_x + item_width > x + width:
            cursor_x, cursor_y = x, cursor_y + row_height
        items.append(_legend_item(entry, label, cursor_x, cursor_y))
        cursor_x += item_width
    body = element("g", {"class": "ld-chart-legend"}, join(items))
    return body, cursor_y - y + row_height


def _legend_item(entry: LegendEntry, label: str, x: float, y: float) -> Markup:
    middle = y + FONT_SIZE / 2
    if entry.kind == "line":
        swatch = element("line", {"x1": x, "y1": middle, "x2": x + 14, "y2": middle,
                                  "stroke": entry.colour, "stroke-width": 2.5,
                                  "stroke-dasharray": entry.dash})
    else:
        swatch = element("rect", {"x": x, "y": y + 1, "width": 12, "height": 10,
                                  "fill": entry.colour})
    text = element("text", {"x": x + 18, "y": middle, "dominant-baseline": "central"}, label)
    return element("g", None, swatch + text)


def document(*, title: str, description: str, width: float, height: float,
             body: Markup, kind: str) -> Markup:
    """The <svg> root: a viewBox (scales with its container), role="img" and an
    accessible name and description from <title>/<desc>."""
    digest = hashlib.sha1(f"{kind}|{title}|{body}".encode()).hexdigest()[:10]
    title_id, desc_id = f"ld-chart-{digest}-t", f"ld-chart-{digest}-d"
    attrs = {
        "xmlns": SVG_NS, "class": f"ld-chart ld-chart-{kind}", "role": "img",
        "viewBox": f"0 0 {num(width)} {num(height)}", "width": "100%",
        "preserveAspectRatio": "xMidYMid meet", "aria-labelledby": f"{title_id} {desc_id}",
        "font-family": FONT, "font-size": FONT_SIZE, "fill": AXIS,
        # No style attribute: the pages' CSP (style-src 'self') would refuse it;
        # liandong.css gives .ld-chart its print colours and maximum width.
    }
    head = element("title", {"id": title_id}, title) + element("desc", {"id": desc_id}, description)
    return element("svg", attrs, head + body)


def empty_chart(*, title: str, empty_text: str, kind: str, width: float, height: float) -> Markup:
    """A chart with nothing to show says so, in the same size as a real one, so
    a dashboard grid does not jump and the reader is not left guessing."""
    frame = element("rect", {"x": 0.5, "y": 0.5, "width": width - 1, "height": height - 1,
                             "fill": "none", "stroke": GRID, "stroke-dasharray": "4 4"})
    text = element("text", {"x": width / 2, "y": height / 2, "text-anchor": "middle",
                            "dominant-baseline": "central", "class": "ld-chart-empty",
                            "font-size": FONT_SIZE + 2}, empty_text)
    return document(title=title, description=empty_text, width=width, height=height,
                    body=frame + text, kind=kind)
