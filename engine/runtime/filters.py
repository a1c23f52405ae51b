"""Filter expressions → SQLAlchemy conditions, so list filters, row permissions
and report filters run in the database.

The subset: comparisons (chained too), `and` / `or` / `not`, `in` / `not in` a
list of values, literals, record fields and bound names such as `user.id` (both
through `resolve`), `+ - * /` on fields, `contains(field, 'text')`,
`lower()` / `upper()` of a field, and any whitelisted function whose arguments
are all fixed values (`date('2024-01-01')`, `add_days(today(), -7)`), which is
computed once in Python. Anything else raises FilterError naming the construct
and its position.

The SQL selects exactly the rows for which Python evaluation of the same
expression is truthy. In particular empty values (NULL) follow the Python rules,
not SQL's three-valued logic: `x != 5` and `not (x > 5)` *include* rows where x
is empty, `x == None` is `IS NULL`, `<`/`>` with an empty side are false. Each
comparison is translated with its polarity (negations pushed down to the
leaves), adding `OR x IS NULL` where Python would say True. Two documented
differences remain: arithmetic on an empty field is an error in Python but
empty in SQL (the row then compares as empty), and ordering text with `<`
follows the database collation.
"""
from __future__ import annotations

import ast
import decimal
import operator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import (Boolean, Date, DateTime, Integer, Numeric, String, TypeDecorator, and_, false,
                        func, literal, not_, or_, true)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from engine.runtime import expressions
from engine.runtime.errors import BadRequest, ErrorDetail, ExpressionLimit
from engine.runtime.expression_limits import Limit
from engine.runtime.expression_runtime import (
    BINARY_SYMBOLS, COMPARISONS, DECIMAL_CONTEXT, RUNTIME_ERRORS, arithmetic, describe_error, exact,
    expression_cpu_time, kind_of)
from engine.runtime.expressions import Expression, ExpressionError, compile_expression, name_chain
from engine.runtime.functions import FUNCTIONS

Resolver = Callable[[tuple[str, ...]], Any]


class FilterError(ExpressionError):
    """A valid expression that cannot run as a database filter."""


@dataclass(frozen=True)
class _Value:
    """A fixed Python value (literal, bound name, folded function), as opposed to SQL."""
    value: Any


_SQL_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_INVERSE = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt}
_SQL_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                   ast.Div: operator.truediv}
_SQL_FUNCTIONS = {"lower": lambda text: func.lower(text, type_=String),
                  "upper": lambda text: func.upper(text, type_=String)}
_CONSTRUCTS = {
    ast.IfExp: "a conditional ('a if c else b')", ast.Subscript: "indexing ('x[...]')",
    ast.Slice: "a slice", ast.Compare: "a comparison used as a value",
    ast.BoolOp: "'and' / 'or' used as a value", ast.UnaryOp: "'not' used as a value",
}


def filter_to_sql(expression: str | Expression, resolve: Resolver) -> ColumnElement[bool]:
    """The SQL condition selecting the rows for which `expression` is true.

    `resolve(("status",))` returns a SQLAlchemy column expression for a record
    field, or a plain Python value for a bound name such as ("user", "id"); it
    raises KeyError for an unknown name.
    """
    compiled = expression if isinstance(expression, Expression) else compile_expression(expression)
    return _Translator(compiled, resolve).predicate(compiled.tree, True)


def filter_refusal(error: ExpressionError, place: str = "filter") -> BadRequest:
    """The 400 for a filter that cannot run: `limit_exceeded` (keeping which
    limit, so screens can say it in the user's language) or `bad_request`."""
    message, details = f"Invalid {place}: {error}", [ErrorDetail("filter", str(error))]
    if error.limit is not None:
        return ExpressionLimit(message, details, limit=error.limit)
    return BadRequest(message, details)


def escape_like(text: str, escape: str = "\\") -> str:
    return text.replace(escape, escape * 2).replace("%", escape + "%").replace("_", escape + "_")


class _Translator:
    def __init__(self, expression: Expression, resolve: Resolver):
        self.expression, self.resolve = expression, resolve
        # Fixed parts are computed under the evaluator's deadline (and its operators' bounds).
        self.timeout = expressions.EVALUATION_TIMEOUT_SECONDS
        self.deadline = expression_cpu_time() + self.timeout

    def fail(self, message: str, node: ast.AST, limit: Limit | None = None) -> FilterError:
        return FilterError(message, self.expression.source, self.expression.position(node), limit)

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.expression.source[self.expression.offset:], node) or "?"

    # ------------------------------------------------------------ conditions

    def predicate(self, node: ast.AST, positive: bool) -> ColumnElement[bool]:
        """`node` as a condition; `positive=False` translates `not node` (pushed down,
        so each leaf can say how its empty values count)."""
        if isinstance(node, ast.BoolOp):
            parts = [self.predicate(value, positive) for value in node.values]
            return and_(*parts) if isinstance(node.op, ast.And) == positive else or_(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.predicate(node.operand, not positive)
        if isinstance(node, ast.Compare):
            operands = [self.value(o) for o in (node.left, *node.comparators)]
            parts = [self.comparison(operands[i], op, operands[i + 1], positive, node)
                     for i, op in enumerate(node.ops)]
            return and_(*parts) if positive else or_(*parts)
        if isinstance(node, ast.Call) and node.func.id == "contains":
            return self.contains(node, positive)
        return self.truth(node, positive)

    def truth(self, node: ast.AST, positive: bool) -> ColumnElement[bool]:
        value = self.value(node)
        if isinstance(value, _Value):
            return _constant(bool(value.value) == positive)
        if not _is_type(value, Boolean):
            text = self.segment(node)
            raise self.fail(f"'{text}' is not a yes/no field; compare it, e.g. '{text} > 0'", node)
        return value.is_(True) if positive else value.is_not(True)

    def comparison(self, left: Any, op: ast.cmpop, right: Any, positive: bool,
                   node: ast.AST) -> ColumnElement[bool]:
        kind = type(op)
        if kind in (ast.In, ast.NotIn):
            return self.membership(left, right, positive == (kind is ast.In), node)
        if isinstance(left, _Value) and isinstance(right, _Value):
            return _constant(self.fold(lambda: COMPARISONS[kind](left.value, right.value), node) == positive)
        for column, fixed in ((left, right), (right, left)):
            if isinstance(fixed, _Value):
                self.check_types(column, fixed.value, node)
        kinds = (_kind(left), _kind(right))
        if not isinstance(left, _Value) and not isinstance(right, _Value) \
                and None not in kinds and kinds[0] != kinds[1]:
            raise self.fail(f"cannot compare a {kinds[0]} field with a {kinds[1]} field "
                            f"in '{self.segment(node)}'", node)
        if kind in (ast.Eq, ast.Is, ast.NotEq, ast.IsNot):
            return self.equality(left, right, positive == (kind in (ast.Eq, ast.Is)))
        if _is_empty(left) or _is_empty(right):
            return _constant(not positive)         # Python: `<` with None is False
        lhs, rhs = _bind(left, right), _bind(right, left)
        if positive:
            return _SQL_ORDER[kind](lhs, rhs)
        empties = [side.is_(None) for side in (left, right) if not isinstance(side, _Value)]
        return or_(_SQL_ORDER[_INVERSE[kind]](lhs, rhs), *empties)

    def equality(self, left: Any, right: Any, positive: bool) -> ColumnElement[bool]:
        if isinstance(left, _Value):
            left, right = right, left
        if not isinstance(right, _Value):
            return left.is_not_distinct_from(right) if positive else left.is_distinct_from(right)
        if right.value is None:
            return left.is_(None) if positive else left.is_not(None)
        bound = _bind(right, left)
        return left == bound if positive else or_(left != bound, left.is_(None))

    def membership(self, item: Any, values: Any, positive: bool, node: ast.AST) -> ColumnElement[bool]:
        if not isinstance(values, _Value) or not isinstance(values.value, (list, tuple)):
            raise self.fail("'in' in a filter needs a list of values on its right, "
                            "e.g. status in ['draft', 'confirmed']", node)
        if isinstance(item, _Value):
            found = self.fold(lambda: COMPARISONS[ast.In](item.value, values.value), node)
            return _constant(found == positive)
        for value in values.value:
            self.check_types(item, value, node)
        has_empty = any(v is None for v in values.value)
        bound = [_bind(_Value(exact(v)), item) for v in values.value if v is not None]
        if positive:
            clauses = ([item.in_(bound)] if bound else []) + ([item.is_(None)] if has_empty else [])
            return or_(*clauses) if clauses else false()
        outside = item.not_in(bound) if bound else true()
        return and_(outside, item.is_not(None)) if has_empty else or_(outside, item.is_(None))

    def contains(self, node: ast.Call, positive: bool) -> ColumnElement[bool]:
        haystack, needle = (self.value(arg) for arg in node.args)
        if isinstance(haystack, _Value) and isinstance(needle, _Value):
            found = self.fold(lambda: FUNCTIONS["contains"].func(haystack.value, needle.value), node)
            return _constant(found == positive)
        if not isinstance(needle, _Value) or not _is_type(haystack, String):
            raise self.fail("contains() in a filter needs a text field and a fixed text, "
                            "e.g. contains(name, 'steel')", node)
        if needle.value is None:
            return _constant(not positive)         # Python: contains(x, None) is False
        pattern = "%" + escape_like(FUNCTIONS["text"].func(needle.value).lower()) + "%"
        match = func.lower(haystack).like(pattern, escape="\\")
        return match if positive else or_(not_(match), haystack.is_(None))

    def check_types(self, column: Any, value: Any, node: ast.AST) -> None:
        """Refuse what the database would reject mid-query (PostgreSQL: bigint = 'abc')."""
        expected, actual = _sql_kind(column), _value_kind(value)
        if expected is None or actual is None or expected == actual:
            return
        if expected == "date" and actual == "text" and _iso_date(value, column) is not None:
            return
        raise self.fail(f"cannot compare a {expected} field with {kind_of(value)} "
                        f"in '{self.segment(node)}'", node)

    # ------------------------------------------------------------ values

    def value(self, node: ast.AST) -> Any:
        """A `_Value` for anything computable in Python now, else a SQL expression."""
        if isinstance(node, ast.Constant):
            return _Value(node.value)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.name(node)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(item) for item in node.elts]
            if not all(isinstance(item, _Value) for item in items):
                raise self.fail("a list in a filter may hold fixed values only", node)
            values = [item.value for item in items]
            # A tuple stays a tuple, as in the evaluator: `'%s-%s' % (a, b)` formats two values.
            return _Value(tuple(values) if isinstance(node, ast.Tuple) else values)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.value(node.operand)
            if isinstance(operand, _Value):
                return _Value(self.fold(lambda: _negate(operand.value, node.op), node))
            if _kind(operand) not in (None, "number"):
                raise self.fail(f"cannot apply a sign to a {_kind(operand)} field", node)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self.call(node)
        construct = _CONSTRUCTS.get(type(node), type(node).__name__)
        raise self.fail(f"{construct} cannot be used in a filter", node)

    def name(self, node: ast.AST) -> Any:
        chain = name_chain(node)
        if chain is None:
            raise self.fail("reading a field of a computed value cannot be used in a filter", node)
        try:
            resolved = self.resolve(chain)
        except KeyError:
            raise self.fail(f"unknown name '{'.'.join(chain)}'", node) from None
        if hasattr(resolved, "__clause_element__"):
            resolved = resolved.__clause_element__()
        return resolved if isinstance(resolved, ColumnElement) else _Value(exact(resolved))

    def binary(self, node: ast.BinOp) -> Any:
        kind = type(node.op)
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(left, _Value) and isinstance(right, _Value):
            if left.value is None or right.value is None:
                raise self.fail(f"'{self.segment(node)}' uses an empty value", node)
            return _Value(self.fold(lambda: arithmetic(kind, left.value, right.value), node))
        if kind not in _SQL_ARITHMETIC:
            raise self.fail(f"operator '{BINARY_SYMBOLS[kind]}' cannot be used in a filter", node)
        if _is_empty(left) or _is_empty(right):
            raise self.fail(f"'{self.segment(node)}' uses an empty value", node)
        kinds = (_kind(left), _kind(right))
        computable = kinds == ("number", "number") or (kind, kinds) == (ast.Add, ("text", "text"))
        fixed_list = any(isinstance(side, _Value) and _value_kind(side.value) is None for side in (left, right))
        if (None not in kinds or fixed_list) and not computable:
            # What the database cannot compute (PostgreSQL: varchar * bigint), nor Python.
            raise self.fail(f"cannot apply '{BINARY_SYMBOLS[kind]}' to {kinds[0] or 'a list'} and "
                            f"{kinds[1] or 'a list'} in '{self.segment(node)}'", node)
        return _SQL_ARITHMETIC[kind](_bind(left, right), _bind(right, left))

    def call(self, node: ast.Call) -> Any:
        name = node.func.id
        args = [self.value(arg) for arg in node.args]
        kwargs = {k.arg: self.value(k.value) for k in node.keywords}
        fixed = all(isinstance(a, _Value) for a in [*args, *kwargs.values()])
        if fixed and name not in ("contains", "lookup"):
            spec = FUNCTIONS[name]
            return _Value(self.fold(lambda: spec.func(*(a.value for a in args),
                                                      **{k: v.value for k, v in kwargs.items()}), node))
        if name in _SQL_FUNCTIONS and len(args) == 1 and _is_type(args[0], String):
            return _SQL_FUNCTIONS[name](args[0])
        if name == "contains":
            raise self.fail("contains() is a condition on its own here; "
                            "write 'contains(x, ...)' or 'not contains(x, ...)'", node)
        raise self.fail(f"function '{name}' cannot be used in a filter", node)

    def fold(self, compute: Callable[[], Any], node: ast.AST) -> Any:
        """Compute a fixed part now, with the evaluator's rules, bounds and decimal context."""
        if expression_cpu_time() > self.deadline:
            raise self.fail(f"evaluation took longer than {self.timeout * 1000:g} ms", node,
                            Limit("time", round(self.timeout * 1000)))
        try:
            with decimal.localcontext(DECIMAL_CONTEXT):
                return compute()
        except RUNTIME_ERRORS as error:
            raise self.fail(describe_error(error), node, getattr(error, "limit", None)) from None


def _sql_type(expression: Any) -> Any:
    sql_type = getattr(expression, "type", None)
    while isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    return None if isinstance(sql_type, NullType) else sql_type


def _is_type(expression: Any, kinds: type | tuple[type, ...]) -> bool:
    """Of that type, seeing through TypeDecorators; untyped SQL passes (we cannot tell)."""
    sql_type = _sql_type(expression)
    return sql_type is None or isinstance(sql_type, kinds)


def _sql_kind(expression: Any) -> str | None:
    sql_type = _sql_type(expression)
    for kinds, name in ((Boolean, "yes/no"), ((Integer, Numeric), "number"), (String, "text"),
                        ((Date, DateTime), "date")):
        if isinstance(sql_type, kinds):
            return name
    return None


def _kind(side: Any) -> str | None:
    return _value_kind(side.value) if isinstance(side, _Value) else _sql_kind(side)


def _value_kind(value: Any) -> str | None:
    for kinds, name in ((bool, "yes/no"), ((int, Decimal), "number"), (str, "text"), (date, "date")):
        if isinstance(value, kinds):
            return name
    return None


def _iso_date(text: str, column: Any) -> date | None:
    """ISO text read the way Python compares it with the column's values."""
    kind = datetime if isinstance(_sql_type(column), DateTime) else date
    try:
        return kind.fromisoformat(text)
    except ValueError:
        return None


def _constant(value: bool) -> ColumnElement[bool]:
    return true() if value else false()


def _is_empty(side: Any) -> bool:
    return isinstance(side, _Value) and side.value is None


def _negate(value: Any, op: ast.unaryop) -> Any:
    if value is None:
        raise ValueError("cannot negate an empty value")
    return -exact(value) if isinstance(op, ast.USub) else exact(value)


def _bind(side: Any, other: Any) -> Any:
    """A fixed value as a bound parameter typed to match the SQL side it meets."""
    if not isinstance(side, _Value):
        return side
    value = side.value
    if isinstance(value, str) and _sql_kind(other) == "date":
        value = _iso_date(value, other) or value
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        value = Decimal(value)     # beyond a 64-bit integer: compared as a number, not bound as one
    if isinstance(value, Decimal):
        # Typed explicitly: coerced to an Integer column's type, SQLite could not bind it.
        return literal(value, Numeric(asdecimal=True))
    return value
