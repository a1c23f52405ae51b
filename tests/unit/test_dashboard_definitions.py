"""Dashboard definitions: each broken tile or chart of the inventory app's
dashboards is one error at its exact JSON path; the shipped ones are valid
and compile."""
from __future__ import annotations

import copy
import functools

import pytest

from engine.definitions import load_definition, validate_definition
from engine.definitions.model import compile_app
from engine.resources import bundled_app_path


@functools.lru_cache(maxsize=1)
def _inventory() -> dict:
    return load_definition(bundled_app_path("inventory"))


def with_dashboard(**dashboard) -> dict:
    definition = copy.deepcopy(_inventory())
    definition["dashboards"] = [{"name": "board", **dashboard}]
    return definition


def errors(definition) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in validate_definition(definition) if p.severity == "error"]


def chart(**values) -> dict:
    return {"report": "sales_by_month", "type": "bar", "x": "month", "y": "revenue", **values}


def test_shipped_dashboards_are_valid_and_compile():
    definition = _inventory()
    assert errors(definition) == []
    model = compile_app(definition)
    manager = model.dashboard("manager")
    assert manager.roles == ("manager", "admin")
    assert [c.type for c in manager.charts] == ["line", "bar", "stacked_bar", "pie"]
    assert manager.charts[0].drill is True and manager.tiles[0].format == "money"
    assert model.dashboard("sales").roles == ()


@pytest.mark.parametrize("dashboard, path, message", [
    (dict(charts=[chart(report="sales_by_mnth")]),
     "dashboards[0].charts[0].report", "unknown report 'sales_by_mnth'"),
    (dict(tiles=[{"report": "nope", "measure": "revenue"}]),
     "dashboards[0].tiles[0].report", "unknown report 'nope'"),
    (dict(charts=[chart(x="months")]),
     "dashboards[0].charts[0].x", "unknown column 'months' in report 'sales_by_month'"),
    (dict(charts=[chart(x="revenue")]),
     "dashboards[0].charts[0].x", "'revenue' is a measure column of report 'sales_by_month'; 'x' needs a group column"),
    (dict(charts=[chart(y="warehouse")]),
     "dashboards[0].charts[0].y", "'warehouse' is a group column of report 'sales_by_month'; 'y' needs a measure column"),
    (dict(charts=[chart(series="orders", type="stacked_bar")]),
     "dashboards[0].charts[0].series", "'orders' is a measure column of report 'sales_by_month'; 'series' needs a group column"),
    (dict(tiles=[{"report": "sales_by_month", "measure": "month"}]),
     "dashboards[0].tiles[0].measure", "'month' is a group column of report 'sales_by_month'; 'measure' needs a measure column"),
    (dict(charts=[chart(type="pie", series="warehouse")]),
     "dashboards[0].charts[0].series", "a pie shows one measure per slice and cannot have series"),
    (dict(charts=[chart(series="month")]),
     "dashboards[0].charts[0].series", "'month' is already the x column"),
    (dict(charts=[{"report": "sales_by_customer", "type": "bar", "x": "customer", "y": "average_order"}],
          tiles=[{"report": "sales_by_customer", "measure": "average_order"}]),
     "dashboards[0].tiles[0].measure",
     "'average_order' is an average per group of report 'sales_by_customer'; averages cannot be added up into one total"),
    (dict(charts=[chart(filter="status == 'shipped' and colour == 'red'")]),
     "dashboards[0].charts[0].filter", None),
    (dict(tiles=[{"report": "sales_by_month", "measure": "revenue", "filter": "date >= "}]),
     "dashboards[0].tiles[0].filter", None),
    (dict(tiles=[{"report": "sales_by_month", "measure": "revenue", "filter": "len(note) > 3"}]),
     "dashboards[0].tiles[0].filter", None),
    (dict(charts=[chart(report="revenue_by_category", x="category", filter="parent.colour == 1")]),
     "dashboards[0].charts[0].filter", None),
    (dict(roles=["manager", "managr"]),
     "dashboards[0].roles[1]", "unknown role 'managr'"),
])
def test_broken_dashboard_is_one_error_at_its_path(dashboard, path, message):
    found = errors(with_dashboard(**dashboard))
    assert [p for p, _ in found] == [path], found
    if message is not None:
        assert found[0][1] == message


def test_average_over_groups_the_chart_does_not_show():
    found = errors(with_dashboard(charts=[
        {"report": "sales_by_customer", "type": "bar", "x": "customer", "y": "average_order"},
        {"report": "monthly_revenue_by_product", "type": "bar", "x": "month", "y": "revenue"}]))
    assert found == []     # x covers the only group; sums over a hidden group add up
    definition = with_dashboard()
    definition["reports"].append({"name": "avg_by_month_product", "source": "sales_order.lines",
                                  "group_by": [{"field": "parent.date", "bucket": "month", "name": "month"},
                                               {"field": "product"}],
                                  "measures": [{"name": "price", "agg": "avg", "expression": "price"}]})
    definition["dashboards"][0]["charts"] = [{"report": "avg_by_month_product", "type": "line",
                                              "x": "month", "y": "price"}]
    assert [p for p, _ in errors(definition)] == ["dashboards[0].charts[0].y"]


def test_did_you_mean_hints():
    problems = validate_definition(with_dashboard(charts=[chart(report="sales_by_mnth", x="mont")]))
    assert problems[0].hint == "did you mean 'sales_by_month'?"
    problems = validate_definition(with_dashboard(charts=[chart(x="mont")]))
    assert problems[0].hint == "did you mean 'month'?"


@pytest.mark.parametrize("dashboard, path", [
    (dict(charts=[chart(type="donut")]), "dashboards[0].charts[0].type"),
    (dict(charts=[{"report": "sales_by_month", "type": "bar", "x": "month"}]), "dashboards[0].charts[0].y"),
    (dict(tiles=[{"report": "sales_by_month", "measure": "revenue", "colour": "red"}]), "dashboards[0].tiles[0].colour"),
    (dict(charts=[chart(drill="yes")]), "dashboards[0].charts[0].drill"),
])
def test_schema_errors_name_the_place(dashboard, path):
    assert path in [p for p, _ in errors(with_dashboard(**dashboard))]


def test_duplicate_dashboard_names():
    definition = with_dashboard()
    definition["dashboards"].append({"name": "board"})
    assert errors(definition) == [("dashboards[1].name", "duplicate dashboard 'board'")]


def test_stacked_bars_without_series_are_a_warning_only():
    problems = validate_definition(with_dashboard(charts=[chart(type="stacked_bar")]))
    assert [(p.path, p.severity, p.message) for p in problems] == [
        ("dashboards[0].charts[0]", "warning", "a stacked_bar without series draws plain bars")]
