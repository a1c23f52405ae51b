"""Server-side SVG charts, read back with an XML parser: what is drawn (bars,
points, slices, band), what is escaped, what an empty chart says."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest

from engine.runtime.charts import Band, Series, Slice, bar_chart, line_chart, nice_ticks, pie_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def found(root: ET.Element, css_class: str, tag: str = "*") -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class", "").split()[:1] == [css_class]
            and (tag == "*" or e.tag.endswith("}" + tag))]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter() if e.tag.endswith("}text")]


def months(count: int) -> list[date]:
    return [date(2026, m, 1) for m in range(1, count + 1)]


def test_svg_is_accessible_and_scales():
    root = parse(bar_chart(["a", "b"], [Series("Revenue", [1, 2])], title="Revenue by category"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 640 320" and root.get("width") == "100%"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"svg:title[@id='{title_id}']", NS).text == "Revenue by category"
    assert root.find(f"svg:desc[@id='{desc_id}']", NS).text == "Revenue: a 1, b 2"


def test_bar_chart_draws_one_bar_per_value_and_links_them():
    root = parse(bar_chart(["north", "south", "east"],
                           [Series("Units", [3, None, Decimal("4.5")], ["/n?a=1&b=2", None, "/e"])],
                           title="Units"))
    bars = found(root, "ld-chart-bar", "rect")
    assert len(bars) == 2                                    # None draws no bar
    links = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
    assert links == ["/n?a=1&b=2", "/e"]
    assert [b.find("svg:title", NS).text for b in bars] == ["north: 3", "east: 4.5"]


def test_grouped_bars_and_legend_for_several_series():
    root = parse(bar_chart(["q1", "q2"], [Series("A", [1, 2]), Series("B", [3, 4])], title="t"))
    assert len(found(root, "ld-chart-bar")) == 4
    assert {"A", "B"} <= set(texts(root))


def test_negative_bars_hang_below_the_zero_line():
    root = parse(bar_chart(["gain", "loss"], [Series("Profit", [10, -5])], title="Profit"))
    gain, loss = found(root, "ld-chart-bar")
    zero_line = [e for e in root.iter() if e.tag.endswith("}line") and e.get("stroke") == "#333333"]
    assert len(zero_line) == 1
    zero_y = float(zero_line[0].get("y1"))
    assert float(gain.get("y")) + float(gain.get("height")) == pytest.approx(zero_y)
    assert float(loss.get("y")) == pytest.approx(zero_y)
    assert float(loss.get("height")) == pytest.approx(float(gain.get("height")) / 2, rel=0.02)
    assert "-5" in texts(root) or any(t.startswith("-") for t in texts(root))


def test_stacked_bars_stack_positives_up_and_negatives_down():
    root = parse(bar_chart(["x"], [Series("A", [4]), Series("B", [6]), Series("C", [-2])],
                           title="t", stacked=True))
    assert root.get("class") == "ld-chart ld-chart-stacked-bar"
    a, b, c = found(root, "ld-chart-bar")
    assert float(a.get("y")) == pytest.approx(float(b.get("y")) + float(b.get("height")))
    assert float(c.get("y")) == pytest.approx(float(a.get("y")) + float(a.get("height")))
    assert float(b.get("height")) == pytest.approx(float(a.get("height")) * 1.5, rel=0.02)


def test_line_chart_points_series_and_gaps():
    values = [1, 2, None, 4, 5, None]
    root = parse(line_chart(months(6), [Series("Actual", values, [f"/m{i}" for i in range(6)])],
                            title="Monthly"))
    assert len(found(root, "ld-chart-point", "circle")) == 4
    paths = [e for e in root.iter() if e.tag.endswith("}path")]
    assert len(paths) == 2                                   # the gap splits the line
    links = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
    assert links == ["/m0", "/m1", "/m3", "/m4"]
    assert "2026-01" in texts(root)                          # month ticks on a date axis


def test_single_point_is_visible_as_a_marker():
    root = parse(line_chart([date(2026, 3, 1)], [Series("Only", [7])], title="One"))
    assert len(found(root, "ld-chart-point")) == 1
    assert not [e for e in root.iter() if e.tag.endswith("}path")]


def test_line_with_forecast_band():
    x = months(6)
    actual = Series("Actual", [10, 12, 11, None, None, None])
    forecast = Series("Forecast", [None, None, 11, 13, 14, 15])
    band = Band([None, None, 11, 10, 10, 9], [None, None, 11, 16, 18, 21], "80% interval")
    root = parse(line_chart(x, [actual, forecast], band=band, title="Forecast"))
    polygons = [e for e in root.iter() if e.tag.endswith("}polygon")]
    assert len(polygons) == 1 and len(polygons[0].get("points").split()) == 8
    assert {"Actual", "Forecast", "80% interval"} <= set(texts(root))
    # the band's upper bound (21) is inside the y axis
    assert max(float(t) for t in texts(root) if t.replace(".", "").isdigit()) >= 21


def test_pie_slices_shares_and_left_out_values():
    root = parse(pie_chart([Slice("A", 3, "/a"), Slice("B", 1), Slice("C", -2), Slice("D", 0)],
                           title="Share"))
    slices = found(root, "ld-chart-slice")
    assert len(slices) == 2
    assert slices[0].find("svg:title", NS).text == "A: 3 (75.0%)"
    assert "75%" in texts(root)
    assert "2 value(s) ≤ 0 not shown" in texts(root)
    assert [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")] == ["/a"]


def test_pie_with_one_slice_is_a_full_circle():
    root = parse(pie_chart([Slice("All", 5)], title="t"))
    assert [e.tag.split("}")[1] for e in found(root, "ld-chart-slice")] == ["circle"]


@pytest.mark.parametrize("chart", [
    lambda: line_chart([], [], title="Nothing yet", empty_text="暂无数据"),
    lambda: line_chart(months(2), [Series("a", [None, None])], title="Nothing yet", empty_text="暂无数据"),
    lambda: bar_chart(["a"], [Series("a", [None])], title="Nothing yet", empty_text="暂无数据"),
    lambda: pie_chart([Slice("a", 0)], title="Nothing yet", empty_text="暂无数据"),
])
def test_empty_data_says_so(chart):
    root = parse(chart())
    assert found(root, "ld-chart-empty")[0].text == "暂无数据"
    assert root.find("svg:title", NS).text == "Nothing yet"
    assert root.get("viewBox") == "0 0 640 320"


def test_labels_are_escaped_everywhere():
    evil = "<script>alert(1)</script>"
    charts = [
        bar_chart([evil], [Series(evil, [1])], title=evil),
        line_chart([evil, "b"], [Series(evil, [1, 2]), Series("x", [2, 1])], title=evil),
        pie_chart([Slice(evil, 1, '/x?a="><script>')], title=evil),
        bar_chart([], [], title=evil, empty_text=evil),
    ]
    for chart in charts:
        assert "<script>" not in str(chart)
        root = parse(chart)                                 # still well-formed XML
        assert not [e for e in root.iter() if e.tag.endswith("script")]
        assert root.find("svg:title", NS).text == evil


def test_misaligned_data_is_a_programming_error():
    with pytest.raises(ValueError, match="2 values for 3"):
        bar_chart(["a", "b", "c"], [Series("s", [1, 2])], title="t")


@pytest.mark.parametrize("low, high, expected", [
    (0, 10, [0, 2, 4, 6, 8, 10]),
    (3, 97, [0, 20, 40, 60, 80, 100]),
    (-5, 10, [-5, 0, 5, 10]),
    (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0, 0.3, [0, 0.1, 0.2, 0.3]),
    (0, 1_234_567, [0, 250_000, 500_000, 750_000, 1_000_000, 1_250_000]),
])
def test_nice_ticks(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_dense_lines_keep_markers_only_as_hover_targets():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(90)]
    values = [float(i % 7) for i in range(90)]
    values[45] = None
    values[47] = None                                     # day 46 stands alone
    links = [None] * 90
    links[10] = "/day10"
    root = parse(line_chart(days, [Series("Sales", values, links)], title="Daily"))
    points = found(root, "ld-chart-point")
    assert len(points) == 88                               # every value keeps its tooltip
    shown = [p for p in points if p.get("fill-opacity") != "0"]
    assert sorted(p.find("svg:title", NS).text for p in shown) == [
        "Sales · 2026-01-11: 3", "Sales · 2026-02-16: 4"]  # the linked point and the lone one
    assert "01-01" in texts(root) or "2026-01" in texts(root)
