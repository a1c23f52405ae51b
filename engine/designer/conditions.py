"""The condition builder (rule conditions, transition conditions) and the
row-scope builder: rows of field / operator / value, written as an expression
the engine runs (`parent.status == 'shipped' and qty > 0`), and read back from
one when it is that simple. Values are quoted as literals (filter_builder's
rule), so what the user types is never expression code."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

OPERATORS = ("==", "!=", ">", ">=", "<", "<=", "contains", "empty", "not_empty")
_SIMPLE = re.compile(
    r"^\s*(?P<name>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\s*(?P<op>==|!=|>=|<=|>|<)\s*"
    r"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d+)?|True|False|None|user\.[a-z_]+)\s*$")
_CONTAINS = re.compile(r"^\s*contains\((?P<name>[a-z_][a-z0-9_.]*),\s*(?P<value>'(?:[^'\\]|\\.)*')\)\s*$")


@dataclass
class Row:
    field: str
    op: str
    value: str


def literal(raw: str) -> str:
    """A number stays a number, user.x stays a name (row scopes), the rest is quoted text."""
    raw = raw.strip()
    if re.fullmatch(r"user\.[a-z_][a-z0-9_]*", raw) or raw in ("True", "False"):
        return raw
    try:
        number = Decimal(raw)
        if number.is_finite():
            return raw
    except InvalidOperation:
        pass
    return repr(raw)


def row_expression(row: Row) -> str:
    if row.op == "empty":
        return f"{row.field} == None"
    if row.op == "not_empty":
        return f"{row.field} != None"
    if row.op == "contains":
        return f"contains({row.field}, {repr(row.value.strip())})"
    return f"{row.field} {row.op} {literal(row.value)}"


def build(rows: list[Row]) -> str | None:
    parts = [row_expression(r) for r in rows if r.field and r.op in OPERATORS]
    return " and ".join(parts) or None


def parse(expression: str | None) -> list[Row] | None:
    """The rows of a simple `a == 'x' and b > 1` expression; None when it is not that simple."""
    if not expression:
        return []
    rows = []
    for part in re.split(r"\s+and\s+", expression.strip()):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1]
        match = _SIMPLE.match(part)
        if match:
            value = match.group("value")
            if value == "None":
                rows.append(Row(match.group("name"), "empty" if match.group("op") == "==" else "not_empty", ""))
                continue
            if value[0] in "'\"":
                value = value[1:-1]
            rows.append(Row(match.group("name"), match.group("op"), value))
            continue
        match = _CONTAINS.match(part)
        if not match:
            return None
        rows.append(Row(match.group("name"), "contains", match.group("value")[1:-1]))
    return rows


def rows_from_form(form, prefix: str) -> list[Row]:
    fields, ops, values = (form.getlist(f"{prefix}_field"), form.getlist(f"{prefix}_op"),
                           form.getlist(f"{prefix}_value"))
    return [Row(f, ops[i] if i < len(ops) else "==", values[i] if i < len(values) else "")
            for i, f in enumerate(fields) if f]


def form_field_names(form: dict) -> list[str]:
    names = [f.get("name") for f in form.get("fields") or []
             if isinstance(f, dict) and f.get("type") not in ("subform", "attachment")]
    workflow = form.get("workflow")
    if isinstance(workflow, dict):
        names.append(workflow.get("field") or "status")
    return names + ["created_by", "id"]


def source_field_names(definition: dict, source: str) -> list[str]:
    """Names a rule over `source` (form or form.subform) may test: a subform row's
    own fields, and its parent's as parent.x."""
    form_name, _, sub_name = (source or "").partition(".")
    form = next((f for f in definition.get("forms") or [] if isinstance(f, dict) and f.get("name") == form_name), None)
    if form is None:
        return []
    if not sub_name:
        return form_field_names(form)
    sub = next((f for f in form.get("fields") or [] if isinstance(f, dict) and f.get("name") == sub_name), {})
    own = [f.get("name") for f in sub.get("fields") or [] if isinstance(f, dict)]
    return own + [f"parent.{n}" for n in form_field_names(form) if n not in ("created_by", "id")]
