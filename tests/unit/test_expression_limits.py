"""Expressions never build text, lists or numbers past the limit (DESIGN §7.1).

Every builder (`+`, `*`, `%` formatting, concat(), text(), upper() ...)
refuses a result over `EXPRESSION_MAX_LENGTH` before building it; the filter
translator's folding of fixed parts uses the same operators. Random
expressions made of builders must therefore either give a small value or an
EvaluationError, with a small memory peak. `LIANDONG_EXPRESSION_FUZZ_EXAMPLES`
sets how many (`make soak` runs more).
"""
from __future__ import annotations

import os
import tracemalloc
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.runtime import expression_limits
from engine.runtime.expression_format import format_text
from engine.runtime.expressions import EvaluationError, ExpressionError, evaluate
from engine.runtime.filters import FilterError, filter_to_sql

EXAMPLES = int(os.environ.get("LIANDONG_EXPRESSION_FUZZ_EXAMPLES", "200"))
LIMIT = expression_limits.DEFAULT_MAX_LENGTH
# Generous: the largest value allowed is 10,000 characters (40 KB as UCS-4), and
# a builder may hold its operands and one piece more while checking.
PEAK_BYTES = 2_000_000
NAMES = {"name": "螺栓 M8", "n": 7, "price": Decimal("2.50"), "big": "x" * 9_000, "tags": ["a", "b"],
         "record": {"a": "螺栓"}}

PROBES = [
    '"%0999999999d" % 1', '"%.999999999f" % 1', '"%*d" % (999999999, 1)', '"%.*f" % (999999999, 1)',
    '"%999999999s" % name', '"%-999999999s" % name', '"%(a)999999999s" % record', "'x' * 10 ** 9",
    "[1] * 10 ** 9", "[[0] * 100] * 1000", "big + big", "concat(big, big)", "text([big] * 2)",
    "upper('ß' * 6000)", "9 ** 9 ** 9", "(10 ** 12) ** 100 * (10 ** 12) ** 100", "text(1e999999)",
    "'%d' % 1e999999", "'%s' % [[big] * 3] * 3", "'%s' % ([big] * 5,)", "name * 10 ** 8",
]


@pytest.mark.parametrize("source", PROBES)
def test_bombs_are_refused_without_allocating(source):
    tracemalloc.start()
    try:
        with pytest.raises(EvaluationError) as caught:
            evaluate(source, NAMES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.limit is not None, str(caught.value)
    assert peak < PEAK_BYTES


@pytest.mark.parametrize("source", PROBES)
def test_bombs_are_refused_when_a_filter_folds_them(source):
    tracemalloc.start()
    try:
        with pytest.raises(FilterError) as caught:
            # `name` is a column in a filter: the bombs fold over a fixed text instead.
            filter_to_sql(source.replace("name", "'螺栓 M8'") + " == name", _resolve)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.limit is not None, str(caught.value)
    assert peak < PEAK_BYTES


def test_a_deep_or_long_filter_is_refused_when_compiling():
    for source in ("abs(" * 40 + "1" + ")" * 40, "-" * 1999 + "1", "(" * 300 + "1" + ")" * 300,
                   "name == '" + "x" * 2_100 + "'", " + ".join(["n"] * 600)):
        with pytest.raises(ExpressionError) as caught:
            filter_to_sql(source, _resolve)
        assert caught.value.limit is not None, source
        assert caught.value.limit.kind in ("depth", "source", "parts")


def test_values_up_to_the_limit_are_built():
    assert evaluate("'x' * 10000", {}) == "x" * LIMIT
    assert len(evaluate("'%10000s' % ''", {})) == LIMIT
    assert len(evaluate("'%.9990f' % 1", {})) == 9992
    assert evaluate("len([0] * 10000)", {}) == LIMIT
    assert evaluate("(10 ** 12) ** 100", {}) == 10 ** 1200
    with pytest.raises(EvaluationError, match="text longer than 10,000 characters"):
        evaluate("'x' * 10001", {})
    with pytest.raises(EvaluationError, match="text longer than 10,000 characters"):
        evaluate("'%10001s' % ''", {})


def test_long_values_read_from_records_are_not_refused():
    # The limit is on what an expression builds, not on what a record holds.
    long_note = "备注" * 20_000
    assert evaluate("len(note) > 10000 and contains(lower(note), '备注')", {"note": long_note})
    assert evaluate("note[:2]", {"note": long_note}) == "备注"
    with pytest.raises(EvaluationError, match="text longer than"):
        evaluate("note + '!'", {"note": long_note})


# ------------------------------------------------------------------ random builders

_TEXT_LEAVES = st.sampled_from(["name", "big", "'ab'", "'%s'", "'%05d'", "'%-8.3f|'", "'ß'", "''",
                                "text(tags)", "'%(a)s'"])
_NUMBER_LEAVES = st.sampled_from(["n", "price", "0", "2", "100", "9999", "10 ** 6", "999999999", "-3",
                                  "1e999999", "1e-999999"])
_LIST_LEAVES = st.sampled_from(["tags", "[1, 2]", "[name]", "[]", "[[0] * 50]"])
_SPECS = st.builds(lambda flags, width, precision, kind: "'%" + flags + width + precision + kind + "'",
                   st.sampled_from(["", "-", "0", "+", "#", " "]),
                   st.sampled_from(["", "5", "*", "99999", "999999999999", "0999999999"]),
                   st.sampled_from(["", ".2", ".*", ".99999", ".999999999"]),
                   st.sampled_from(list("dixXofeEgGsrac")))


def _builders(children):
    pairs = st.tuples(children, children)
    return st.one_of(
        pairs.map(lambda p: f"({p[0]} + {p[1]})"),
        pairs.map(lambda p: f"({p[0]} * {p[1]})"),
        pairs.map(lambda p: f"({p[0]} % {p[1]})"),
        pairs.map(lambda p: f"({p[0]} % ({p[1]}, {p[0]}))"),
        pairs.map(lambda p: f"({p[0]} ** {p[1]})"),
        pairs.map(lambda p: f"concat({p[0]}, {p[1]})"),
        children.map(lambda c: f"text({c})"),
        children.map(lambda c: f"upper({c})"),
        children.map(lambda c: f"[{c}, {c}]"),
        st.tuples(_SPECS, children).map(lambda p: f"({p[0]} % {p[1]})"),
    )


_EXPRESSIONS = st.recursive(st.one_of(_TEXT_LEAVES, _NUMBER_LEAVES, _LIST_LEAVES, _SPECS),
                            _builders, max_leaves=12)


def _size(value):
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return expression_limits.items(value, LIMIT * 10)
    if isinstance(value, int):
        return len(str(abs(value))) // 1_200 * LIMIT    # over 1,200 digits: over the limit
    return 0


def _resolve(chain):
    if chain == ("name",):
        return sa.column("name", sa.String)
    if chain[0] in NAMES:
        return NAMES[chain[0]]
    raise KeyError(".".join(chain))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_EXPRESSIONS)
def test_random_builders_never_grow_past_the_limit(source):
    tracemalloc.start()
    try:
        try:
            value = evaluate(source, NAMES)
        except (ExpressionError, EvaluationError):
            value = None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert _size(value) <= LIMIT, source
    assert peak < PEAK_BYTES, source


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_EXPRESSIONS)
def test_random_builders_in_a_filter_never_grow_past_the_limit(source):
    tracemalloc.start()
    try:
        try:
            filter_to_sql(f"name == {source}", _resolve)
        except ExpressionError:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, source


# ------------------------------------------------------------------ formatting is Python's

_SMALL_SPECS = st.builds(lambda key, flags, width, precision, length, kind: "%" + key + flags + width + precision
                         + length + kind,
                         st.sampled_from(["", "", "", "(a)", "(b)", "((x))"]),
                         st.sampled_from(["", "-", "0", "+", "#", " ", "-0", "+ "]),
                         st.sampled_from(["", "3", "12", "*"]),
                         st.sampled_from(["", ".", ".0", ".3", ".*"]),
                         st.sampled_from(["", "", "l", "h"]),
                         st.sampled_from(list("diouxXeEfFgGcrsa%y")))
_TEMPLATES = st.lists(st.one_of(_SMALL_SPECS, st.sampled_from(["", "x", "价格 ", "%", "%%", " | "])),
                      max_size=5).map("".join)
_VALUES = st.one_of(st.integers(-10 ** 6, 10 ** 6), st.sampled_from(
    [Decimal("2.5"), Decimal("-0.125"), "螺栓", "", "x", True, None, [1, "a"], 65, 3]))
_ARGUMENTS = st.one_of(_VALUES, st.lists(_VALUES, max_size=4).map(tuple),
                       st.fixed_dictionaries({"a": _VALUES, "b": _VALUES, "(x)": _VALUES}))


@settings(max_examples=EXAMPLES * 2, deadline=None, derandomize=True, database=None)
@given(_TEMPLATES, _ARGUMENTS)
def test_bounded_formatting_answers_as_python_does(template, arguments):
    try:
        expected = template % arguments
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        # The same error, or the limit when a width or precision is over it
        # (checked before Python would have built the piece and then failed).
        with pytest.raises((type(error), expression_limits.LimitExceeded)):
            format_text(template, arguments)
        return
    if len(expected) > LIMIT:
        with pytest.raises(expression_limits.LimitExceeded):
            format_text(template, arguments)
    else:
        assert format_text(template, arguments) == expected
