"""Measure expressions: a field, or arithmetic over fields, as SQL.

The subset: field names (`qty`, `parent.discount` in subform sources), number
literals, `+ - * /`, a sign, parentheses and `coalesce(a, b, ...)`. It is
deliberately small so the same tree can be checked at definition time
(`infer`, which also decides the result's type and decimal places) and
compiled into the aggregate of one GROUP BY query (`to_sql`). Anything else
raises MeasureError naming the construct.

SQL semantics, documented in docs/definition-language.md: an empty operand
makes the row's value empty (it is left out of sum/avg/min/max and not
counted); division is done in decimals and a zero divisor gives an empty value
on every backend (NULLIF), instead of failing the whole report.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import Numeric, func, literal
from sqlalchemy.sql.elements import ColumnElement

from engine.runtime.expressions import Expression, compile_expression, name_chain

NUMERIC = ("integer", "decimal")
DIVISION_SCALE = 6
MAX_SCALE = 10
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class MeasureError(ValueError):
    """A construct a measure expression cannot use, or a non-numeric operand."""


@dataclass(frozen=True)
class Term:
    """What is known of a (sub)expression before running it."""
    type: str            # a field type: integer, decimal, text, date, ...
    scale: int = 0
    inexact: bool = False   # a division: more places than `scale` (rounded to it)


FieldTyper = Callable[[tuple[str, ...]], "tuple[str, int] | None"]   # chain -> (type, scale)
ColumnFor = Callable[[tuple[str, ...]], ColumnElement]


def parse(source: str) -> Expression:
    """The compiled expression (syntax checked by the expression language)."""
    return compile_expression(source)


def infer(source: str, field_type: FieldTyper) -> Term:
    """The result type of `source`; MeasureError for what a measure cannot use."""
    expression = parse(source)
    return _Typer(expression, field_type).term(expression.tree)


def to_sql(source: str, column_for: ColumnFor) -> ColumnElement:
    expression = parse(source)
    return _Compiler(column_for).sql(expression.tree)


def names(source: str) -> list[tuple[str, ...]]:
    """The field chains a measure reads (not its function names), sorted."""
    return sorted(parse(source).names)


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        name = getattr(node.func, "id", "?")
        return f"the function '{name}'"
    if isinstance(node, ast.BinOp):
        return "the operator '" + {ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}.get(
            type(node.op), type(node.op).__name__) + "'"
    if isinstance(node, ast.Constant):
        return f"the value {node.value!r}"
    return {ast.Compare: "a comparison", ast.BoolOp: "'and' / 'or'", ast.IfExp: "a conditional",
            ast.UnaryOp: "'not'", ast.Subscript: "indexing", ast.List: "a list"}.get(
        type(node), type(node).__name__)


class _Typer:
    def __init__(self, expression: Expression, field_type: FieldTyper):
        self.expression, self.field_type = expression, field_type

    def term(self, node: ast.AST) -> Term:
        if isinstance(node, (ast.Name, ast.Attribute)):
            chain = name_chain(node)
            found = self.field_type(chain) if chain else None
            if found is None:
                raise MeasureError(f"unknown field '{'.'.join(chain or ('?',))}'")
            return Term(*found)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, Decimal)) \
                and not isinstance(node.value, bool):
            exponent = Decimal(str(node.value)).as_tuple().exponent
            return Term("integer" if isinstance(node.value, int) else "decimal",
                        max(0, -exponent) if isinstance(exponent, int) else 0)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.number(node.operand, "a sign")
        if isinstance(node, ast.BinOp) and type(node.op) in _SYMBOLS:
            return self.binary(node)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "coalesce" \
                and len(node.args) >= 2 and not node.keywords:
            terms = [self.number(arg, "coalesce()") for arg in node.args]
            widest = _widest(terms)
            return Term(widest.type, widest.scale, any(t.inexact for t in terms))
        raise MeasureError(f"{_describe(node)} cannot be used in a measure; use fields, numbers, "
                           f"+ - * / and coalesce()")

    def number(self, node: ast.AST, where: str) -> Term:
        term = self.term(node)
        if term.type not in NUMERIC:
            raise MeasureError(f"{where} needs numbers, not a {term.type} field")
        return term

    def binary(self, node: ast.BinOp) -> Term:
        symbol = _SYMBOLS[type(node.op)]
        left = self.number(node.left, f"'{symbol}'")
        right = self.number(node.right, f"'{symbol}'")
        if isinstance(node.op, ast.Div):
            return Term("decimal", DIVISION_SCALE, True)
        if isinstance(node.op, ast.Mult):
            scale = left.scale + right.scale
        else:
            scale = max(left.scale, right.scale)
        kind = "integer" if left.type == right.type == "integer" else "decimal"
        return Term(kind, min(scale, MAX_SCALE), left.inexact or right.inexact or scale > MAX_SCALE)


def _widest(terms: list[Term]) -> Term:
    kind = "integer" if all(t.type == "integer" for t in terms) else "decimal"
    return Term(kind, max(t.scale for t in terms))


class _Compiler:
    """Runs after `infer` accepted the tree, so only the subset arrives here."""

    def __init__(self, column_for: ColumnFor):
        self.column_for = column_for

    def sql(self, node: ast.AST) -> Any:
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.column_for(name_chain(node))
        if isinstance(node, ast.Constant):
            value = node.value if isinstance(node.value, int) else Decimal(str(node.value))
            return literal(value, Numeric(asdecimal=True)) if isinstance(value, Decimal) else literal(value)
        if isinstance(node, ast.UnaryOp):
            operand = self.sql(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return func.coalesce(*(self.sql(arg) for arg in node.args))
        left, right = self.sql(node.left), self.sql(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        # Decimal division on both backends (SQLite and PostgreSQL divide integers
        # as integers); a zero divisor gives an empty value instead of an error.
        return (left * literal(Decimal("1.0"), Numeric(asdecimal=True))) / func.nullif(right, 0)
