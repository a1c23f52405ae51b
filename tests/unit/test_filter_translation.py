"""The filter translator without a database: what it accepts, what it rejects, and
how it says so."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Column, Date, Integer, JSON, MetaData, String, Table, literal_column
from sqlalchemy.dialects import postgresql, sqlite

from engine.runtime.expressions import ExpressionError, compile_expression
from engine.runtime.filters import FilterError, escape_like, filter_to_sql
from engine.storage.types import DecimalType

orders = Table("orders", MetaData(),
               Column("id", Integer, primary_key=True), Column("status", String(20)),
               Column("total", DecimalType(2)), Column("qty", Integer), Column("paid", Boolean),
               Column("due", Date), Column("tags", JSON), Column("created_by", Integer))
USER = {"id": 7, "name": "Li", "roles": ["sales"]}


def resolve(chain):
    if chain[0] == "user":
        return USER[chain[1]]
    if len(chain) == 1:
        return orders.c[chain[0]]
    raise KeyError(chain)


def sql(source, dialect=sqlite.dialect()):
    return str(filter_to_sql(source, resolve).compile(dialect=dialect,
                                                       compile_kwargs={"literal_binds": False}))


@pytest.mark.parametrize("source, message, position", [
    ("len(status) > 3", "function 'len' cannot be used in a filter", 0),
    ("qty > 1 and round(total) > 3", "function 'round' cannot be used in a filter", 12),
    ("qty % 2 == 0", "operator '%' cannot be used in a filter", 0),
    ("qty ** 2 > 4", "operator '**' cannot be used in a filter", 0),
    ("qty // 2 > 4", "operator '//' cannot be used in a filter", 0),
    ("(qty if paid else 0) > 1", "a conditional ('a if c else b') cannot be used in a filter", 1),
    ("status[0] == 'd'", "indexing ('x[...]') cannot be used in a filter", 0),
    ("(qty > 1) == paid", "a comparison used as a value cannot be used in a filter", 1),
    ("(qty or 1) > 0", "'and' / 'or' used as a value cannot be used in a filter", 1),
    ("qtty > 1", "unknown name 'qtty'", 0),
    ("customer.name == 'x'", "unknown name 'customer.name'", 0),
    ("qty", "'qty' is not a yes/no field; compare it, e.g. 'qty > 0'", 0),
    ("'sales' in status", "'in' in a filter needs a list of values on its right", 0),
    ("qty in [1, total]", "a list in a filter may hold fixed values only", 7),
    ("contains(status, user.roles[0] + status)", "indexing", 17),
    ("contains(status, status)", "contains() in a filter needs a text field and a fixed text", 0),
    ("contains(qty, '1')", "contains() in a filter needs a text field", 0),
    ("contains(tags, 'red')", "contains() in a filter needs a text field", 0),
    ("lookup('stock', 'on_hand', product=1) > 0", "function 'lookup' cannot be used in a filter", 0),
    ("lower(qty) == '1'", "function 'lower' cannot be used in a filter", 0),
    ("qty + None > 1", "'qty + None' uses an empty value", 0),
    ("qty > 1 / 0", "division by zero", 6),
    ("due > date('soon')", "'soon' is not a date", 6),
    ("qty > 'abc'", "cannot compare a number field with text in 'qty > 'abc''", 0),
    ("status == 5", "cannot compare a text field with a number", 0),
    ("paid == 1", "cannot compare a yes/no field with a number", 0),
    ("due < 'soon'", "cannot compare a date field with text", 0),
    ("qty in [1, 'x']", "cannot compare a number field with text", 0),
    ("contains(status, 'a') == True", "contains() is a condition on its own here", 0),
])
def test_untranslatable_filters_name_the_construct_and_position(source, message, position):
    with pytest.raises(FilterError) as caught:
        filter_to_sql(source, resolve)
    assert message in caught.value.message
    assert caught.value.position == position
    assert str(caught.value).endswith(f"(at position {position})")


def test_filter_errors_are_expression_errors_and_syntax_errors_stay_expression_errors():
    assert issubclass(FilterError, ExpressionError)
    with pytest.raises(ExpressionError) as caught:
        filter_to_sql("status ==", resolve)
    assert not isinstance(caught.value, FilterError)


def test_a_compiled_expression_is_accepted():
    assert "orders.qty > ?" in sql(compile_expression("qty > 1").source)
    assert filter_to_sql(compile_expression("qty > 1"), resolve) is not None


@pytest.mark.parametrize("source, expected", [
    ("status == 'draft'", "orders.status = ?"),
    ("status != 'draft'", "orders.status != ? OR orders.status IS NULL"),
    ("status == None", "orders.status IS NULL"),
    ("status is not None", "orders.status IS NOT NULL"),
    ("not (qty > 1)", "orders.qty <= ? OR orders.qty IS NULL"),
    ("qty < None", "0 = 1"),
    ("not (qty < None)", "1 = 1"),
    ("created_by == user.id", "orders.created_by = ?"),
    ("'sales' in user.roles", "1 = 1"),
    ("paid", "orders.paid IS 1"),
    ("not paid", "orders.paid IS NOT 1"),
    ("qty == total", "orders.qty IS orders.total"),
    ("status in ['a', None]", "orders.status IN (__[POSTCOMPILE_status_1]) OR orders.status IS NULL"),
    ("status not in ['a']", "(orders.status NOT IN (__[POSTCOMPILE_status_1])) OR orders.status IS NULL"),
    ("contains(status, 'x')", "lower(orders.status) LIKE ? ESCAPE '\\'"),
    ("qty * 2 + 1 > total", "orders.qty * ? + ? > orders.total"),
    ("status + 'x' == 'ax'", "(orders.status || ?) = ?"),
    ("due >= today()", "orders.due >= ?"),
    ("lower(status) == upper('a')", "lower(orders.status) = ?"),
    ("-qty < 0", "-orders.qty < ?"),
])
def test_translations(source, expected):
    assert sql(source) == expected


def test_postgresql_uses_is_distinct_from_between_columns():
    assert sql("qty != total", postgresql.dialect()) == "orders.qty IS DISTINCT FROM orders.total"


def test_fixed_values_are_bound_not_inlined():
    condition = filter_to_sql("total > 1.25 and status == 'x''; drop table orders'", resolve)
    compiled = condition.compile(dialect=sqlite.dialect())
    assert "drop" not in str(compiled)
    assert Decimal("1.25") in compiled.params.values()


def test_dates_given_as_text_are_bound_as_dates():
    compiled = filter_to_sql("due < '2024-03-01'", resolve).compile(dialect=postgresql.dialect())
    assert list(compiled.params.values()) == [date(2024, 3, 1)]


def test_like_patterns_escape_wildcards():
    assert escape_like("50%_a\\b") == "50\\%\\_a\\\\b"
    compiled = filter_to_sql("contains(status, '50%_OFF')", resolve).compile(dialect=sqlite.dialect())
    assert list(compiled.params.values()) == ["%50\\%\\_off%"]


def test_resolver_may_return_untyped_sql():
    def loose(chain):
        return literal_column(chain[0])

    assert "flag IS 1" in str(filter_to_sql("flag", loose).compile(dialect=sqlite.dialect()))
