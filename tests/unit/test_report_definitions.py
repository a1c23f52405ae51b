"""Report definitions: each mistake is reported once, at its JSON path, with a
did-you-mean hint where one helps; the inventory reports are valid."""
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


def with_report(**report) -> dict:
    """The inventory app plus one probe report, last in `reports`."""
    definition = copy.deepcopy(_inventory())
    spec = {"name": "probe", "source": "sales_order.lines",
            "measures": [{"name": "qty", "agg": "sum", "expression": "qty"}]}
    spec.update(report)
    definition.setdefault("reports", []).append(spec)
    return definition


def problems(definition) -> list[str]:
    """Errors about the probe reports, with their index written as N."""
    first = len(_inventory().get("reports", []))
    found = []
    for problem in validate_definition(definition):
        text = str(problem)
        for index in range(first, first + 2):
            if problem.severity == "error" and text.startswith(f"reports[{index}]"):
                for shown in range(first, first + 2):
                    text = text.replace(f"reports[{shown}]", f"reports[{shown - first}]")
                found.append(text)
    return found


def test_the_inventory_reports_are_valid_and_compile():
    assert [p for p in validate_definition(_inventory()) if p.severity == "error"] == []
    model = compile_app(_inventory())
    report = model.report("monthly_revenue_by_product")
    assert report.source_subform == "lines"
    assert [g.name for g in report.group_by] == ["month", "product"]
    assert report.column_names == ("month", "product", "qty", "revenue", "lines")


@pytest.mark.parametrize("report, expected", [
    ({"source": "sale_order"}, "reports[0].source: unknown form 'sale_order' (did you mean 'sales_order'?)"),
    ({"source": "sales_order.line"},
     "reports[0].source: 'sales_order' has no subform 'line' (did you mean 'sales_order.lines'?)"),
    ({"group_by": [{"field": "parent.dat"}]},
     "reports[0].group_by[0].field: unknown field 'parent.dat' in 'sales_order.lines' "
     "(did you mean 'parent.date'?)"),
    ({"group_by": [{"field": "product", "bucket": "month"}]},
     "reports[0].group_by[0].bucket: a month bucket needs a date or datetime field; "
     "'product' is a link field"),
    ({"measures": [{"name": "x", "agg": "sum", "expression": "product.name"}]},
     "reports[0].measures[0].agg: 'sum' needs a number; 'product.name' is a text field "
     "(count, min and max work on any field)"),
    ({"measures": [{"name": "x", "agg": "avg", "expression": "qty ** 2"}]},
     "reports[0].measures[0].expression: the operator '**' cannot be used in a measure; "
     "use fields, numbers, + - * / and coalesce()"),
    ({"measures": [{"name": "x", "agg": "sum", "expression": "qty * parent.note"}]},
     "reports[0].measures[0].expression: '*' needs numbers, not a textarea field"),
    ({"measures": [{"name": "x", "agg": "sum", "expression": "qtty"}]},
     "reports[0].measures[0].expression: unknown field 'qtty' (did you mean 'qty'?)"),
    ({"measures": [{"name": "x", "agg": "max"}]},
     "reports[0].measures[0]: 'max' needs an expression (only count may leave it out)"),
    ({"group_by": [{"field": "product", "name": "qty"}]},
     "reports[0].measures[0].name: duplicate report column 'qty' "
     "(first defined at reports[0].group_by[0].name)"),
    ({"sort": "-qtty"}, "reports[0].sort: unknown column 'qtty' in sort (did you mean 'qty'?)"),
    ({"filter": "parent.status == 3"},
     "reports[0].filter: the filter cannot run in the database: cannot compare a text field "
     "with a number in 'parent.status == 3' (at position 0)"),
    ({"filter": "parent.stauts == 'shipped'"},
     "reports[0].filter: unknown name 'parent.stauts' (did you mean 'parent.status'?)"),
    ({"measures": [{"name": "x", "agg": "median", "expression": "qty"}]},
     "reports[0].measures[0].agg: must be one of"),
])
def test_a_mistake_is_reported_at_its_path(report, expected):
    found = problems(with_report(**report))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_duplicate_report_names_are_reported_at_the_second():
    definition = with_report()
    definition["reports"].append(copy.deepcopy(definition["reports"][-1]))
    assert problems(definition) == ["reports[1].name: duplicate report 'probe' "
                                    "(first defined at reports[0].name)"]


def test_unknown_keys_are_refused_by_the_schema():
    found = problems(with_report(group_by=[{"field": "product", "buckett": "day"}]))
    assert len(found) == 1 and found[0].startswith("reports[0].group_by[0].buckett"), found
