"""Every whitelisted function, called through the expression language."""
from __future__ import annotations

import ast
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from engine.runtime import functions
from engine.runtime.expressions import EvaluationError, ExpressionError, RowList, evaluate
from engine.runtime.functions import FUNCTIONS, FunctionSpec

LINES = RowList([{"amount": Decimal("1.50"), "qty": 2}, {"amount": None, "qty": 3},
                 {"amount": Decimal("2.25"), "qty": None}])
NAMES = {"lines": LINES, "empty": RowList(), "nothing": None, "d": date(2024, 2, 28),
         "dt": datetime(2024, 3, 1, 13, 45, 10), "tags": ["red", "blue"], "name": "Steel Pipe"}

CASES = [
    ("sum(lines.amount)", Decimal("3.75")),
    ("sum(lines.qty)", 5),
    ("sum(empty.amount)", 0),
    ("sum(1, 2.5, nothing)", Decimal("3.5")),
    ("min(lines.amount)", Decimal("1.50")),
    ("min(3, 1, 2)", 1),
    ("min(empty.amount)", None),
    ("min('b', 'a')", "a"),
    ("max(lines.qty)", 3),
    ("max(d, date('2024-01-01'))", date(2024, 2, 28)),
    ("max(empty.qty)", None),
    ("avg(lines.amount)", Decimal("1.875")),
    ("avg(1, 2)", Decimal("1.5")),
    ("avg(empty.qty)", None),
    ("count(lines.amount)", 2),
    ("count(lines)", 3),
    ("count(empty)", 0),
    ("count(1, nothing, 'x')", 2),
    ("round(2.5)", 3),
    ("round(-2.5)", -3),
    ("round(2.345, 2)", Decimal("2.35")),
    ("round(1234.5, -2)", 1200),
    ("round(7, 2)", Decimal("7.00")),
    ("round(nothing, 2)", None),
    ("abs(-1.5)", Decimal("1.5")),
    ("abs(3)", 3),
    ("abs(nothing)", None),
    ("len('货物abc')", 5),
    ("len(lines)", 3),
    ("len(nothing)", 0),
    ("coalesce(nothing, 0)", 0),
    ("coalesce(nothing, nothing)", None),
    ("coalesce('', 'x')", ""),
    ("iif(1 > 0, 'yes', 'no')", "yes"),
    ("iif(nothing, 'yes', 'no')", "no"),
    ("iif(False, 1)", None),
    ("today()", date(2024, 5, 17)),
    ("now()", datetime(2024, 5, 17, 9, 30, 0)),
    ("year(d)", 2024),
    ("year('2023-07-01')", 2023),
    ("year(nothing)", None),
    ("month(d)", 2),
    ("month(dt)", 3),
    ("day(d)", 28),
    ("day(dt)", 1),
    ("days_between(d, dt)", 2),
    ("days_between(date('2024-03-01'), d)", -2),
    ("days_between(d, nothing)", None),
    ("add_days(d, 2)", date(2024, 3, 1)),
    ("add_days(d, -28)", date(2024, 1, 31)),
    ("add_days('2024-12-31', 1)", date(2025, 1, 1)),
    ("add_days(dt, 1)", datetime(2024, 3, 2, 13, 45, 10)),
    ("add_days(nothing, 1)", None),
    ("contains(name, 'PIPE')", True),
    ("contains(name, 'wood')", False),
    ("contains(tags, 'red')", True),
    ("contains(tags, 'green')", False),
    ("contains(nothing, 'x')", False),
    ("contains(name, nothing)", False),
    ("lower(name)", "steel pipe"),
    ("lower(nothing)", None),
    ("upper(name)", "STEEL PIPE"),
    ("upper('货物a')", "货物A"),
    ("concat('SO-', 12, '-', nothing, 1.50)", "SO-12-1.50"),
    ("concat()", ""),
    ("int(12.9)", 12),
    ("int(-12.9)", -12),
    ("int('12.7')", 12),
    ("int(' 42 ')", 42),
    ("int(nothing)", None),
    ("decimal('1,234.50')", Decimal("1234.50")),
    ("decimal(3)", Decimal("3")),
    ("decimal(nothing)", None),
    ("text(1.50)", "1.50"),
    ("text(1e2)", "100"),
    ("text(d)", "2024-02-28"),
    ("text(dt)", "2024-03-01 13:45:10"),
    ("text(tags)", "red, blue"),
    ("text(nothing)", ""),
    ("str(42)", "42"),
    ("date('2024-02-29')", date(2024, 2, 29)),
    ("date('2024-02-29T10:00:00')", date(2024, 2, 29)),
    ("date(dt)", date(2024, 3, 1)),
    ("date(nothing)", None),
]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(functions, "_now", lambda: datetime(2024, 5, 17, 9, 30, 0))


@pytest.mark.parametrize("source, expected", CASES)
def test_function(source, expected):
    result = evaluate(source, NAMES)
    assert result == expected and type(result) is type(expected)


def test_every_registered_function_has_a_case():
    called = {node.func.id for source, _ in CASES
              for node in ast.walk(ast.parse(source, mode="eval")) if isinstance(node, ast.Call)}
    missing = set(FUNCTIONS) - called - {"lookup", "count_of"}   # record-service functions: below
    assert not missing, f"functions without a test case: {sorted(missing)}"


@pytest.mark.parametrize("source, message", [
    ("sum('a', 1)", "sum() needs numbers, got text"),
    ("avg(lines.amount, 'x')", "avg() needs numbers"),
    ("min(1, 'a')", "min() cannot compare"),
    ("round('x')", "round() needs a number, got text"),
    ("round(1.5, 0.5)", "round() needs a whole number"),
    ("abs('x')", "abs() needs a number"),
    ("len(5)", "len() needs text or a list"),
    ("int('abc')", "cannot read 'abc' as a number"),
    ("decimal('NaN')", "cannot read 'NaN' as a number"),
    ("decimal('1e5') + int('1e200')", "is too large"),
    ("date('29/02/2024')", "is not a date (write it as YYYY-MM-DD)"),
    ("date(5)", "date() needs text or a date"),
    ("year(5)", "year() needs a date"),
    ("days_between(d, 'soon')", "is not a date"),
    ("add_days(d, 1.5)", "add_days() needs a whole number"),
    ("add_days(5, 1)", "add_days() needs a date"),
    ("contains(5, 'x')", "contains() looks in text or a list"),
    ("concat(name * 600, name * 600)", "text longer than 10,000 characters"),
    ("text([name * 600, name * 600])", "text longer than 10,000 characters"),
    ("upper('ß' * 6000)", "text longer than 10,000 characters"),   # 'SS': twice as long
    ("lookup('stock', 'on_hand', product=1)", "only available inside the record service"),
    ("count_of('stock', product=1)", "only available inside the record service"),
])
def test_function_errors_are_evaluation_errors(source, message):
    with pytest.raises(EvaluationError, match=re.escape(message)):
        evaluate(source, NAMES)


def test_lookup_is_registered_so_definitions_validate():
    assert "lookup" in FUNCTIONS
    with pytest.raises(ExpressionError):
        evaluate("lookup()", {})            # form and field are required


def test_iif_evaluates_both_branches_unlike_the_conditional_expression():
    with pytest.raises(EvaluationError, match="division by zero"):
        evaluate("iif(True, 1, 1 / 0)", {})
    assert evaluate("1 if True else 1 / 0", {}) == 1


@pytest.mark.parametrize("name, spec", sorted(FUNCTIONS.items()))
def test_registry_rows_are_complete(name, spec):
    assert isinstance(spec, FunctionSpec) and spec.name == name
    assert callable(spec.func)
    assert spec.signature.startswith(name + "(")
    assert spec.doc_en.strip() and spec.doc_zh.strip()
    assert re.search(r"[\u4e00-\u9fff]", spec.doc_zh), "doc_zh should be Chinese"
    assert spec.returns in {"number", "integer", "text", "date", "datetime", "boolean", "any"}


def test_the_required_functions_are_registered():
    required = {"sum", "min", "max", "round", "abs", "len", "coalesce", "iif", "today", "now",
                "year", "month", "day", "days_between", "add_days", "contains", "lower", "upper",
                "concat", "int", "decimal", "str", "text", "date", "count", "avg", "lookup"}
    assert required <= set(FUNCTIONS)
