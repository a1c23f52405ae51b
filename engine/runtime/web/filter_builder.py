"""The list screen's filter builder and quick search, written as the filter
expression the record service takes (`status == 'shipped' and total > 100`).

The service checks and runs the expression (and refuses hidden fields); this
module only spells what the user picked, quoting values so that typed text is
always a literal, never expression code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.records.queries import sortable_fields

OPERATORS = {
    "==": "=", "!=": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤",
    "contains": _l("contains"), "empty": _l("is empty"), "not_empty": _l("is not empty"),
}
NUMERIC = {"integer", "decimal", "link", "user"}
SYSTEM_TYPES = {"id": "integer", "version": "integer", "created_at": "datetime",
                "updated_at": "datetime", "created_by": "user", "updated_by": "user"}
MAX_CONDITIONS = 10


class FilterInputError(ValueError):
    """A builder value that does not fit its field (shown at the builder row)."""


@dataclass
class Condition:
    field: str
    op: str
    value: str


def filterable(form: FormModel, visible) -> list[str]:
    return [name for name in sortable_fields(form) if name == "id" or visible(name)]


def field_type(form: FormModel, name: str) -> str:
    field = form.field(name)
    if field is not None:
        return field.type
    if form.workflow and name == form.workflow.field:
        return "select"
    return SYSTEM_TYPES.get(name, "text")


def condition_expression(form: FormModel, condition: Condition) -> str:
    name, op, raw = condition.field, condition.op, condition.value.strip()
    if op not in OPERATORS:
        raise FilterInputError(f"unknown operator {op!r}")
    if op == "empty":
        return f"{name} == None"
    if op == "not_empty":
        return f"{name} != None"
    kind = field_type(form, name)
    if op == "contains":
        return f"contains({name}, {text_literal(raw)})"
    return f"{name} {op} {literal(kind, raw)}"


def literal(kind: str, raw: str) -> str:
    if kind in NUMERIC:
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise FilterInputError(f"{raw!r} is not a number") from None
        if not number.is_finite():
            raise FilterInputError(f"{raw!r} is not a number")
        return str(number)
    if kind == "boolean":
        if raw.lower() in ("true", "1", "yes", "y", "是"):
            return "True"
        if raw.lower() in ("false", "0", "no", "n", "否"):
            return "False"
        raise FilterInputError(f"{raw!r} is not yes or no")
    if kind in ("date", "datetime"):
        try:
            date.fromisoformat(raw[:10])
        except ValueError:
            raise FilterInputError(f"{raw!r} is not a date (YYYY-MM-DD)") from None
        return f"date({text_literal(raw[:10])})"
    return text_literal(raw)


def text_literal(raw: str) -> str:
    # repr() writes a Python string literal, which is the expression language's.
    return repr(raw)


def quick_search(form: FormModel, text: str, visible) -> str | None:
    """`contains(a, 'text') or contains(b, 'text')` over the form's search fields."""
    text = text.strip()
    if not text:
        return None
    names = [n for n in (form.search_fields or _default_search(form)) if visible(n)]
    if not names:
        return None
    return " or ".join(f"contains({name}, {text_literal(text)})" for name in names)


def _default_search(form: FormModel) -> tuple[str, ...]:
    return (form.title,) if form.title else ()


def combine(parts: list[str]) -> str | None:
    parts = [p for p in parts if p]
    if not parts:
        return None
    return " and ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]


def parse_conditions(args) -> list[Condition]:
    fields, ops, values = args.getlist("ff"), args.getlist("fo"), args.getlist("fv")
    conditions = []
    for index, name in enumerate(fields[:MAX_CONDITIONS]):
        if not name:
            continue
        op = ops[index] if index < len(ops) else "=="
        value = values[index] if index < len(values) else ""
        conditions.append(Condition(name, op, value))
    return conditions


def is_searchable_type(field: FieldModel) -> bool:
    return field.type not in ("multiselect", "attachment", "subform")
