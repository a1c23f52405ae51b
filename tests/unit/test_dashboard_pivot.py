"""The pure parts of dashboards: a report's rows reshaped for a chart, group
values as labels, the drill-down filter, tile totals and formats."""
from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import pytest

from engine.definitions import load_definition
from engine.definitions.model import DashboardChart, compile_app
from engine.resources import bundled_app_path
from engine.runtime.dashboards import drill
from engine.runtime.dashboards.pivot import OTHER, pivot
from engine.runtime.dashboards.view import format_value, total
from engine.runtime.reports import ReportColumn, ReportResult


@pytest.fixture(autouse=True)
def english_page():
    """Labels are picked in the page language: a bare request in English."""
    from flask import Flask
    from flask_babel import Babel
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


@functools.lru_cache(maxsize=1)
def model():
    return compile_app(load_definition(bundled_app_path("inventory")))


def column(name, kind, type_="decimal", bucket=None):
    return ReportColumn(name, {"en": name.title(), "zh": name}, kind, type_, bucket)


MONTHLY = [column("month", "group", "date", "month"), column("warehouse", "group", "link"),
           column("revenue", "measure"), column("orders", "measure", "integer")]


def monthly(rows):
    return ReportResult(MONTHLY, rows, {"warehouse": {1: "上海仓", 2: "北京仓"}})


def test_empty_months_are_zero_and_unshown_groups_add_up():
    result = monthly([["2024-01-01", 1, Decimal("10"), 1], ["2024-01-01", 2, Decimal("5"), 1],
                      ["2024-04-01", 1, Decimal("7"), 2]])
    chart = DashboardChart("sales_by_month", "line", "month", "revenue")
    data = pivot(result, model().report("sales_by_month"), chart, model())
    assert data.x_labels == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert [data.value(x, None) for x in data.x_values] == [Decimal(15), 0, 0, Decimal(7)]
    assert data.filled == {("2024-02-01", None), ("2024-03-01", None)}
    assert data.series_labels == ["Revenue"]


def test_series_take_link_titles_and_cells_stay_apart():
    result = monthly([["2024-01-01", 1, Decimal("10"), 1], ["2024-01-01", 2, Decimal("5"), 1]])
    chart = DashboardChart("sales_by_month", "stacked_bar", "month", "revenue", series="warehouse")
    data = pivot(result, model().report("sales_by_month"), chart, model())
    assert data.series_labels == ["上海仓", "北京仓"]
    assert data.value("2024-01-01", 2) == Decimal(5)


def test_slices_past_the_limit_are_added_up_as_other():
    columns = [column("product", "group", "link"), column("revenue", "measure")]
    rows = [[i, Decimal(i)] for i in range(1, 8)]
    result = ReportResult(columns, rows, {"product": {i: f"P{i}" for i in range(1, 8)}})
    chart = DashboardChart("revenue_by_product", "pie", "product", "revenue", limit=3)
    data = pivot(result, model().report("revenue_by_product"), chart, model())
    assert data.x_labels == ["P7", "P6", "Other"]                 # biggest first
    assert data.value(OTHER, None) == Decimal(1 + 2 + 3 + 4 + 5)


@pytest.mark.parametrize("bucket, value, label", [
    ("month", "2024-03-01", "2024-03"), ("quarter", "2024-04-01", "2024 Q2"),
    ("year", "2024-01-01", "2024"), ("week", "2024-01-01", "2024-01-01"), ("day", "2024-02-29", "2024-02-29"),
])
def test_bucket_labels(bucket, value, label):
    result = ReportResult([column("d", "group", "date", bucket), column("revenue", "measure")],
                          [[value, Decimal(1)]])
    report = model().report("sales_by_month")
    chart = DashboardChart(report.name, "bar", "d", "revenue")
    report = type(report)(report.name, report.label, report.source, report.measures,
                          (type(report.group_by[0])("d", "date", None, bucket),))
    assert pivot(result, report, chart, model()).x_labels == [label]


def test_workflow_states_show_their_labels():
    report = model().report("sales_by_customer")
    report = type(report)("by_status", report.label, "sales_order", report.measures,
                          (type(report.group_by[0])("status", "status"),))
    result = ReportResult([column("status", "group", "text"), column("revenue", "measure")],
                          [["shipped", Decimal(3)], [None, Decimal(1)]])
    data = pivot(result, report, DashboardChart("by_status", "bar", "status", "revenue"), model())
    assert data.x_labels == ["Shipped", "(empty)"]


@pytest.mark.parametrize("start, bucket, end", [
    (date(2024, 12, 1), "month", date(2025, 1, 1)), (date(2024, 10, 1), "quarter", date(2025, 1, 1)),
    (date(2024, 1, 1), "year", date(2025, 1, 1)), (date(2024, 12, 30), "week", date(2025, 1, 6)),
    (date(2024, 2, 28), "day", date(2024, 2, 29)),
])
def test_bucket_end(start, bucket, end):
    assert drill.bucket_end(start, bucket) == end


def test_drill_on_a_form_source_is_exact():
    report = model().report("sales_by_month")
    month, warehouse = report.group_by
    found = drill.drill_filter(report, [(month, "2024-12-01"), (warehouse, 2)],
                               [report.filter, "customer == 4"])
    assert found == drill.DrillFilter(
        "sales_order", "date >= date('2024-12-01') and date < date('2025-01-01') and warehouse == 2"
        " and (status == 'shipped') and (customer == 4)", True)


def test_drill_on_a_subform_source_keeps_the_parent_conditions_only():
    report = model().report("monthly_revenue_by_product")
    month, product = report.group_by
    found = drill.drill_filter(report, [(month, "2024-03-01"), (product, 7)],
                               [report.filter, "qty > 2", "parent.customer == 1 or parent.note == 'parent.x'"])
    assert found.form == "sales_order" and not found.exact
    assert found.expression == ("date >= date('2024-03-01') and date < date('2024-04-01') and "
                                "(status == 'shipped') and (customer == 1 or note == 'parent.x')")


def test_drill_follows_links_on_the_list():
    from engine.definitions.model import Report, ReportGroup, ReportMeasure
    units = (ReportMeasure("units", "sum", "on_hand"),)
    by_category = Report("units", {"en": "Units"}, "stock", units,
                         (ReportGroup("category", "product.category"),), filter="warehouse.code == 'SH'")
    assert drill.drill_filter(by_category, [(by_category.group_by[0], 3)], [by_category.filter]) == \
        drill.DrillFilter("stock", "product.category == 3 and (warehouse.code == 'SH')", True)
    lines = Report("lines", {"en": "Lines"}, "sales_order.lines", units,
                   (ReportGroup("city", "parent.customer.city"),), filter="parent.customer.vip")
    assert drill.drill_filter(lines, [(lines.group_by[0], "上海")], [lines.filter]).expression == \
        "customer.city == '上海' and (customer.vip)"


def test_drill_leaves_out_row_fields_and_says_none_for_empty():
    report = model().report("revenue_by_category")
    (category,) = report.group_by
    assert drill.drill_filter(report, [(category, 3)], [None]) == drill.DrillFilter("sales_order", "", False)
    stock = model().report("stock_value")
    assert drill.drill_filter(stock, [(stock.group_by[0], None)], []).expression == "warehouse == None"


def test_totals_and_formats():
    result = monthly([["2024-01-01", 1, Decimal("10.50"), 1], ["2024-02-01", 1, None, 0],
                      ["2024-03-01", 2, Decimal("-2.25"), 3]])
    assert total(result, "revenue", "sum") == Decimal("8.25")
    assert total(result, "orders", "count") == 4
    assert total(result, "revenue", "max") == Decimal("10.50")
    assert total(monthly([]), "revenue", "min") is None
    assert [format_value(Decimal("1234567.5"), kind) for kind in ("number", "integer", "money", "percent")] == \
        ["1,234,567.5", "1,234,568", "1,234,567.50", "123456750.0%"]
    assert format_value(None) == "—" and format_value(Decimal("0.125"), "percent") == "12.5%"
    assert [format_value(v) for v in (Decimal("35420"), Decimal("35420.00"), 35420, Decimal("0E-2"))] == \
        ["35,420", "35,420", "35,420", "0"]
