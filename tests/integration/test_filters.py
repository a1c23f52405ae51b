"""Filters run in the database and select exactly the rows Python evaluation selects
(SQLite and PostgreSQL), including rows with empty values."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Boolean, Column, Date, Integer, MetaData, String, Table, insert, select

from engine.db import Database
from engine.runtime.expressions import compile_expression
from engine.runtime.filters import FilterError, filter_to_sql
from engine.storage.types import DecimalType

metadata = MetaData()
items = Table(
    "t_filter_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("i", BigInteger),
    Column("j", BigInteger, nullable=False),   # arithmetic only on j: see _numeric_terms
    Column("d", DecimalType(2)),
    Column("s", String(100)),
    Column("b", Boolean),
    Column("dt", Date),
)
USER = {"id": 3, "name": "apple"}

D = Decimal
ROWS = [
    # id  i     j   d           s               b      dt
    (1, None, 0, None, None, None, None),
    (2, 1, 2, D("1.50"), "apple", True, date(2024, 1, 1)),
    (3, 3, 3, D("2.25"), "Apple pie", False, date(2024, 2, 29)),
    (4, 5, 6, D("-3.75"), "banana", None, date(2023, 12, 31)),
    (5, -2, -3, D("0.10"), "", True, date(2024, 3, 15)),
    (6, 0, 10, D("10.10"), "50% off", False, None),
    (7, 3, 0, D("0.00"), "a_b", True, date(2024, 2, 1)),
    (8, None, 6, D("1.50"), "货物", False, date(2024, 1, 1)),
    (9, 1, -3, None, "cherry", None, date(2024, 2, 29)),
    (10, 5, 2, D("2.25"), None, True, date(2023, 12, 31)),
    (11, 0, 3, D("0.10"), "APPLE", None, date(2024, 3, 15)),
    (12, -2, 10, D("10.10"), "ab", False, date(2024, 2, 1)),
    (13, 3, 6, D("-3.75"), "a%b", True, None),
    (14, None, 2, D("0.00"), "banana split", False, date(2024, 1, 1)),
]
ALL = set(range(1, len(ROWS) + 1))


def resolve(chain):
    if chain[0] == "user" and len(chain) == 2:
        return USER[chain[1]]
    if len(chain) == 1 and chain[0] in items.c:
        return items.c[chain[0]]
    raise KeyError(chain)


@pytest.fixture
def sample(database_url):
    database = Database(database_url)
    columns = [c.name for c in items.columns]
    with database.transaction() as connection:
        metadata.create_all(connection)
        connection.execute(insert(items), [dict(zip(columns, row)) for row in ROWS])
    with database.read() as connection:
        rows = [dict(r._mapping) for r in connection.execute(select(items).order_by(items.c.id))]
    yield database, rows
    database.dispose()


def sql_ids(database, source):
    condition = filter_to_sql(source, resolve)
    with database.read() as connection:
        return set(connection.execute(select(items.c.id).where(condition)).scalars())


def python_ids(rows, source):
    compiled = compile_expression(source)
    return {row["id"] for row in rows if compiled.evaluate({**row, "user": USER})}


@pytest.mark.parametrize("source, expected", [
    ("i != 5", ALL - {4, 10}),                      # empty i counts as "not 5"
    ("i > 1", {3, 4, 7, 10, 13}),
    ("not (i > 1)", ALL - {3, 4, 7, 10, 13}),        # ...so the negation includes empties
    ("i == None", {1, 8, 14}),
    ("i is not None and i <= 0", {5, 6, 11, 12}),
    ("s in ['apple', None]", {1, 2, 10}),
    ("s not in ['apple', None]", ALL - {1, 2, 10}),
    ("contains(s, 'APP')", {2, 3, 11}),
    ("contains(s, '%')", {6, 13}),
    ("contains(s, '_')", {7}),
    ("not contains(s, 'a')", {1, 5, 6, 8, 9, 10}),
    ("b", {2, 5, 7, 10, 13}),
    ("not b", ALL - {2, 5, 7, 10, 13}),
    ("d >= 1.5 and dt < '2024-02-01'", {2, 8, 10}),
    ("dt == date('2024-02-29') or dt > add_days(date('2024-03-01'), 7)", {3, 9, 5, 11}),
    ("i == user.id", {3, 7, 13}),
    ("lower(s) == user.name", {2, 11}),
    ("j / 2 > d", {4, 8, 11, 13, 14}),
    ("-1 < i < 3", {2, 6, 9, 11}),
    ("i == j", {3}),
    ("i != j", ALL - {3}),                            # empty i differs from every j
    ("True", ALL),
    ("user.id == 4", set()),
    ("i in []", set()),
    ("i not in []", ALL),
])
def test_filters_select_the_expected_rows(sample, source, expected):
    database, rows = sample
    assert python_ids(rows, source) == expected
    assert sql_ids(database, source) == expected


def test_untranslatable_filters_are_rejected_before_reaching_the_database(sample):
    database, _ = sample
    with pytest.raises(FilterError, match=r"function 'len' cannot be used in a filter \(at position 0\)"):
        sql_ids(database, "len(s) > 3")


# ---------------------------------------------------------------- property test

def _comparison(terms, operators=("==", "!=", "<", "<=", ">", ">=")):
    return st.builds(lambda a, op, b: f"{a} {op} {b}", terms, st.sampled_from(operators), terms)


def _numeric_terms():
    # Arithmetic stays on the non-empty integer column with literals whose binary
    # value is exact, so SQLite's floating point agrees with Decimal arithmetic.
    plain = st.sampled_from(["i", "j", "d", "-2", "0", "1", "3", "1.5", "2.25", "0.1", "10.10",
                             "-3.75", "user.id"])
    arithmetic = st.builds(lambda op, n: f"(j {op} {n})", st.sampled_from(["+", "-", "*"]),
                           st.sampled_from(["1", "2", "0.5", "1.5", "user.id"]))
    return st.one_of(plain, arithmetic, st.sampled_from(["j / 2", "j / 4", "-j", "-(j - 1)"]))


_DATES = st.sampled_from(["dt", "date('2024-02-01')", "'2024-01-01'", "add_days(date('2024-02-27'), 2)",
                          "date('2023-12-31')"])
_TEXTS = st.sampled_from(["s", "'apple'", "'APPLE'", "''", "'货物'", "user.name", "lower(s)", "upper(s)"])
_LISTS = st.lists(st.sampled_from(["1", "3", "-2", "None", "1.5", "0.1", "10.10"]), max_size=3)

_LEAVES = st.one_of(
    _comparison(_numeric_terms()),
    st.builds(lambda a, op1, b, op2, c: f"{a} {op1} {b} {op2} {c}", _numeric_terms(),
              st.sampled_from(["<", "<="]), _numeric_terms(), st.sampled_from(["<", "<="]), _numeric_terms()),
    st.builds(lambda t, op: f"{t} {op} None", st.sampled_from(["i", "d", "s", "b", "dt"]),
              st.sampled_from(["==", "!=", "<", ">=", "is", "is not"])),
    _comparison(_DATES),
    _comparison(_TEXTS, ("==", "!=")),
    st.builds(lambda needle: f"contains(s, {needle})",
              st.sampled_from(["'a'", "'APP'", "'%'", "'_'", "'货'", "''", "'pie'", "user.name", "None"])),
    st.builds(lambda col, op, items: f"{col} {op} [{', '.join(items)}]", st.sampled_from(["i", "d"]),
              st.sampled_from(["in", "not in"]), _LISTS),
    st.builds(lambda op, items: f"s {op} ({', '.join(items)},)", st.sampled_from(["in", "not in"]),
              st.lists(st.sampled_from(["'apple'", "''", "None", "'ab'"]), min_size=1, max_size=3)),
    st.sampled_from(["b", "b == True", "b == False", "b != True", "True", "False", "user.id == 3"]),
)
FILTERS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner)),
    max_leaves=5)


def test_sql_and_python_select_the_same_rows(sample):
    database, rows = sample

    @settings(max_examples=60, deadline=None)
    @given(FILTERS)
    def check(source):
        assert sql_ids(database, source) == python_ids(rows, source), source

    check()
