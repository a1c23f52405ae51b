"""The expression language: compiling, names, Decimal arithmetic, empties, records."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import pytest

from engine.runtime import expression_limits, expressions
from engine.runtime.expressions import (EvaluationError, Expression, ExpressionError, Namespace,
                                        RowList, compile_expression, evaluate, suggest)


# ---------------------------------------------------------------- names and functions

@pytest.mark.parametrize("source, names, functions", [
    ("qty * price", {("qty",), ("price",)}, set()),
    ("product.min_stock > qty", {("product", "min_stock"), ("qty",)}, set()),
    ("parent.status == 'shipped'", {("parent", "status")}, set()),
    ("sum(lines.amount)", {("lines", "amount")}, {"sum"}),
    ("a.b.c + d", {("a", "b", "c"), ("d",)}, set()),
    ("x == None or y == True or z is None", {("x",), ("y",), ("z",)}, set()),
    ("lines[0].amount", {("lines",)}, set()),
    ("round(sum(lines.amount) * 1.1, 2) if total > 0 else 0",
     {("lines", "amount"), ("total",)}, {"round", "sum"}),
    ("lookup('stock', 'on_hand', product=product, warehouse=parent.warehouse)",
     {("product",), ("parent", "warehouse")}, {"lookup"}),
    ("'literal text'", set(), set()),
])
def test_names_and_functions_are_extracted(source, names, functions):
    compiled = compile_expression(source)
    assert compiled.names == frozenset(names)
    assert compiled.functions == frozenset(functions)


def test_compiling_is_cached_and_the_result_is_immutable():
    first = compile_expression("qty * 2")
    assert compile_expression("qty * 2") is first
    assert isinstance(first, Expression) and hash(first) == hash(compile_expression("qty * 2"))
    with pytest.raises(AttributeError):
        first.source = "other"          # type: ignore[misc]


def test_convenience_evaluate():
    assert evaluate("a + b", {"a": 1, "b": 2}) == 3


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("source, expected", [
    ("0.1 + 0.2 == 0.3", True),
    ("0.1 + 0.2", Decimal("0.3")),
    ("1.10 * 3", Decimal("3.30")),
    ("7 / 2", Decimal("3.5")),
    ("10 / 4 * 4", Decimal("10")),
    ("7 // 2", 3),
    ("7 % 3", 1),
    ("2 ** 10", 1024),
    ("2 ** -1", Decimal("0.5")),
    ("1.5 ** 2", Decimal("2.25")),
    ("-(3 - 5)", 2),
    ("+2.5", Decimal("2.5")),
    ("0.1234567890123456789", Decimal("0.1234567890123456789")),
    ("1e3", Decimal("1E+3")),
])
def test_decimal_arithmetic(source, expected):
    result = evaluate(source, {})
    assert result == expected and type(result) is type(expected)


def test_float_values_from_callers_become_exact_decimals():
    assert evaluate("x + 0.2 == 0.3", {"x": 0.1}) is True
    assert evaluate("x * 3", {"x": 0.1}) == Decimal("0.3")
    assert evaluate("x == 0.1", {"x": 0.1}) is True


def test_int_and_decimal_mix():
    result = evaluate("qty * price", {"qty": 3, "price": Decimal("19.99")})
    assert result == Decimal("59.97") and isinstance(result, Decimal)


def test_division_is_exact_to_28_digits_and_ignores_the_callers_decimal_context():
    import decimal
    with decimal.localcontext() as context:
        context.prec = 3
        assert evaluate("1 / 3", {}) == Decimal("0.3333333333333333333333333333")


# ---------------------------------------------------------------- operators

@pytest.mark.parametrize("source, names, expected", [
    ("1 < x <= 3", {"x": 3}, True),
    ("1 < x <= 3", {"x": 4}, False),
    ("a and b", {"a": True, "b": False}, False),
    ("a or b", {"a": False, "b": "yes"}, "yes"),
    ("not a", {"a": 0}, True),
    ("status in ['draft', 'confirmed']", {"status": "draft"}, True),
    ("status not in ('draft', 'confirmed')", {"status": "draft"}, False),
    ("1.0 in [1, 2]", {}, True),
    ("'ab' in name", {"name": "cabin"}, True),
    ("'big' if qty > 10 else 'small'", {"qty": 11}, "big"),
    ("first + ' ' + last", {"first": "Li", "last": "Lei"}, "Li Lei"),
    ("code[0:2]", {"code": "SO2024"}, "SO"),
    ("items[1]", {"items": [1, 2]}, 2),
    ("d > '2024-01-01'", {"d": date(2024, 2, 1)}, True),
    ("d == '2024-02-01'", {"d": date(2024, 2, 1)}, True),
    ("x is None", {"x": None}, True),
    ("x is not None", {"x": 0}, True),
    ("[1, 2] + [3]", {}, [1, 2, 3]),
])
def test_operators(source, names, expected):
    assert evaluate(source, names) == expected


def test_ternary_evaluates_only_the_chosen_branch():
    assert evaluate("1 if True else 1 / 0", {}) == 1


# ---------------------------------------------------------------- empty values

@pytest.mark.parametrize("source", ["qty * price", "price + 1", "-price", "price ** 2"])
def test_arithmetic_with_an_empty_value_names_the_operand(source):
    with pytest.raises(EvaluationError) as caught:
        evaluate(source, {"qty": 2, "price": None})
    assert "'price' is empty" in caught.value.message
    assert caught.value.expression == source
    assert source in str(caught.value)


@pytest.mark.parametrize("source, expected", [
    ("x < 5", False), ("x <= 5", False), ("x > 5", False), ("x >= 5", False),
    ("5 > x", False), ("x == 5", False), ("x != 5", True), ("x == None", True),
    ("x in [1, None]", True), ("5 in x", False), ("5 not in x", True), ("not x", True),
])
def test_comparisons_with_an_empty_value(source, expected):
    assert evaluate(source, {"x": None}) is expected


# ---------------------------------------------------------------- records and rows

def test_dict_fields_and_nested_dicts():
    names = {"product": {"min_stock": 5, "supplier": {"name": "ACME"}}}
    assert evaluate("product.min_stock", names) == 5
    assert evaluate("product.supplier.name", names) == "ACME"


def test_a_field_named_like_a_dict_method_reads_the_field():
    assert evaluate("row.items + row.values", {"row": {"items": 2, "values": 3}}) == 5


def test_an_empty_link_reads_as_empty():
    assert evaluate("product.name", {"product": None}) is None
    assert evaluate("coalesce(product.min_stock, 0)", {"product": None}) == 0


def test_a_missing_field_is_an_evaluation_error():
    with pytest.raises(EvaluationError, match="'product' has no field 'min_stok'"):
        evaluate("product.min_stok", {"product": {"min_stock": 1}})


class LazyRecord(Mapping):
    """Stands in for a record that reads the database on first access."""

    def __init__(self, data):
        self.data, self.loads = data, 0

    def __getitem__(self, key):
        self.loads += 1
        return self.data[key]

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


def test_lazy_mappings_are_read_by_item_only_when_used():
    product = LazyRecord({"price": Decimal("2.50")})
    assert evaluate("qty * product.price", {"qty": 2, "product": product}) == Decimal("5.00")
    assert product.loads == 1
    assert evaluate("qty", {"qty": 2, "product": product}) == 2
    assert product.loads == 1


class Link(int):
    """Like the record service's LinkedRecord: an id that reads fields by item."""

    def __getitem__(self, key):
        return {"unit_price": Decimal("9.90")}[key]


def test_objects_with_getitem_act_as_records():
    assert evaluate("product.unit_price * 2", {"product": Link(7)}) == Decimal("19.80")
    assert evaluate("product == 7", {"product": Link(7)}) is True


def test_row_lists_project_fields():
    lines = RowList([{"amount": Decimal("1.50"), "product": {"weight": 2}},
                     {"amount": None, "product": None},
                     {"amount": 3, "product": {"weight": 5}}])
    assert lines.amount == [Decimal("1.50"), None, 3]
    assert evaluate("sum(lines.amount)", {"lines": lines}) == Decimal("4.50")
    assert evaluate("sum(lines.product.weight)", {"lines": lines}) == 7
    assert evaluate("count(lines.amount)", {"lines": lines}) == 2
    assert evaluate("len(lines)", {"lines": lines}) == 3
    assert evaluate("lines[0].amount", {"lines": lines}) == Decimal("1.50")


def test_row_list_projection_of_a_field_named_like_a_list_method():
    assert evaluate("sum(lines.count)", {"lines": RowList([{"count": 2}, {"count": 3}])}) == 5


def test_a_plain_list_of_rows_projects_too():
    assert evaluate("max(lines.qty)", {"lines": [{"qty": 1}, {"qty": 4}]}) == 4


def test_empty_row_list_sums_to_zero():
    assert evaluate("sum(lines.amount)", {"lines": RowList()}) == 0


def test_namespace_loads_lazily_once():
    calls = []

    def load():
        calls.append(1)
        return {"name": "ACME"}

    names = Namespace({"qty": 1}, lazy={"supplier": load})
    assert evaluate("qty", names) == 1 and calls == []
    assert evaluate("supplier.name + supplier.name", names) == "ACMEACME"
    assert calls == [1]
    assert set(names) == {"qty", "supplier"} and len(names) == 2


# ---------------------------------------------------------------- errors and hints

def test_syntax_errors_carry_the_column():
    with pytest.raises(ExpressionError) as caught:
        compile_expression("qty + * 2")
    assert caught.value.position == 6
    assert str(caught.value).endswith("(at position 6)")


def test_positions_count_characters_not_bytes():
    with pytest.raises(ExpressionError) as caught:
        compile_expression("'货物' == x y")
    assert caught.value.position == 10
    with pytest.raises(ExpressionError) as caught:
        compile_expression("'货物' == x.__class__")
    assert caught.value.position == 8


def test_positions_account_for_leading_blanks_and_lines():
    with pytest.raises(ExpressionError) as caught:
        compile_expression("  qty +")
    assert caught.value.position == 7
    with pytest.raises(ExpressionError) as caught:
        compile_expression("(qty\n + price.__x)")
    assert caught.value.position == 8
    assert compile_expression("(qty\n * price)").evaluate({"qty": 2, "price": 3}) == 6


@pytest.mark.parametrize("source", ["", "   ", "1 +", "qty +* 2", "1\x00", "import os", "x = 1",
                                    "a; b", "def f(): pass"])
def test_malformed_sources(source):
    with pytest.raises(ExpressionError):
        compile_expression(source)


def test_non_text_source():
    with pytest.raises(ExpressionError, match="must be text"):
        compile_expression(42)          # type: ignore[arg-type]


def test_unknown_function_suggests_a_known_one():
    with pytest.raises(ExpressionError, match=r"unknown function 'summ' \(did you mean 'sum'\?\)"):
        compile_expression("summ(lines.amount)")


def test_wrong_argument_count_is_caught_when_compiling():
    with pytest.raises(ExpressionError, match="wrong arguments for round"):
        compile_expression("round(1, 2, 3)")
    with pytest.raises(ExpressionError, match="wrong arguments for today"):
        compile_expression("today(1)")


def test_unknown_name_at_run_time_suggests_a_known_one():
    with pytest.raises(EvaluationError, match=r"unknown name 'qtty' \(did you mean 'qty'\?\)"):
        evaluate("qtty * 2", {"qty": 1})


def test_suggest():
    assert suggest("qtty", ["qty", "price"]) == "qty"
    assert suggest("zzz", ["qty", "price"]) is None


@pytest.mark.parametrize("source, names, message", [
    ("1 / 0", {}, "division by zero"),
    ("1.5 / 0", {}, "division by zero"),
    ("0 / 0.0", {}, "division by zero"),
    ("'a' + 1", {}, "cannot apply '+' to text and a number"),
    ("'a' < 1", {}, "cannot compare text with a number"),
    ("-name", {"name": "x"}, "cannot apply '-' to text"),
    ("items[5]", {"items": [1]}, "index out of range"),
    ("row['x']", {"row": {}}, "no entry 'x'"),
    ("(-8) ** 0.5", {}, "invalid arithmetic"),
    ("1 in 'abc'", {}, "cannot look for a number in text"),
])
def test_run_time_errors_are_evaluation_errors(source, names, message):
    with pytest.raises(EvaluationError, match=re.escape(message)) as caught:
        evaluate(source, names)
    assert caught.value.expression == source and caught.value.position is not None


def test_errors_raised_by_functions_get_the_expression_and_position():
    with pytest.raises(EvaluationError) as caught:
        evaluate("1 + lookup('stock', 'on_hand', product=1)", {})
    assert caught.value.message == "lookup() is only available inside the record service"
    assert caught.value.expression.startswith("1 + lookup") and caught.value.position == 4


def test_extra_functions_at_evaluation_time_override_the_registry():
    calls = []

    def lookup(form, field, **criteria):
        calls.append((form, field, criteria))
        return Decimal("12")

    result = compile_expression("lookup('stock', 'on_hand', product=product) - 2").evaluate(
        {"product": 5}, functions={"lookup": lookup})
    assert result == Decimal("10")
    assert calls == [("stock", "on_hand", {"product": 5})]


def test_errors_are_value_errors():
    assert issubclass(ExpressionError, ValueError) and issubclass(EvaluationError, ValueError)


def test_limits_are_module_constants():
    assert expressions.MAX_SOURCE_LENGTH == 2_000
    assert expressions.MAX_NODES == 500 and expressions.MAX_DEPTH == 30
    assert expressions.MAX_EXPONENT == 100
    assert expression_limits.DEFAULT_MAX_LENGTH == 10_000 and expression_limits.MAX_INTEGER_DIGITS == 1_200
    assert expressions.EVALUATION_TIMEOUT_SECONDS == 0.25
