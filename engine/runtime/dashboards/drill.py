"""Drill-down: the list filter that shows the rows behind one bar, point or slice.

The target is the list screen of the report's source form (`?filter=…`); list
filters name the form's own fields. The rule, per report source:

- **form source**: each group condition is a condition on the form's field
  (`warehouse == 3`, a date bucket becomes a range `date >= … and date < …`);
  the report's filter and the chart's filter are added as they are. The list
  then shows exactly the rows of the group.
- **subform source** (`form.lines`): the list is the parent form's. Conditions
  on `parent.<field>` groups and filters whose names are all `parent.…` are
  kept (with `parent.` dropped); conditions on the rows' own fields cannot be
  said about the parent, so they are left out. The list then shows the parent
  records of the group (those with at least one counted row and possibly more).
- a group or filter on a linked record's field (`product.category`) stays a
  condition through the link: list filters follow links.

`drill_filter()` returns the expression and whether it is exact."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from engine.definitions.model import Report, ReportGroup
from engine.runtime.expressions import compile_expression


@dataclass(frozen=True)
class DrillFilter:
    form: str                 # the list to open
    expression: str           # '' when there is nothing to filter on
    exact: bool               # False when some condition could not be said on the list


def bucket_end(start: date, bucket: str) -> date:
    """The first day after the bucket that starts on `start`."""
    if bucket == "day":
        return start + timedelta(days=1)
    if bucket == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[bucket]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def list_name(report: Report, field_path: str) -> str | None:
    """The list form's name (a field, or a path through links) a group/filter
    name stands for, or None when the list cannot filter on it (row fields of a
    subform source)."""
    chain = field_path.split(".")
    if report.source_subform:
        if chain[0] != "parent" or len(chain) < 2:
            return None
        chain = chain[1:]
    return ".".join(chain)


def group_condition(report: Report, group: ReportGroup, value: Any) -> str | None:
    """`field == value` (or a date range for a bucket) on the list form, or None."""
    name = list_name(report, group.field)
    if name is None:
        return None
    if value is None:
        return f"{name} == None"
    if group.bucket:
        start = date.fromisoformat(str(value)[:10])
        end = bucket_end(start, group.bucket)
        return f"{name} >= date('{start.isoformat()}') and {name} < date('{end.isoformat()}')"
    if isinstance(value, date):
        return f"{name} == date('{value.isoformat()}')"
    if isinstance(value, bool):
        return f"{name} == {value}"
    if isinstance(value, (int, str)):
        return f"{name} == {value!r}"
    return f"{name} == {value}"            # Decimal, float: plain digits


def translate_filter(report: Report, source: str | None) -> tuple[str | None, bool]:
    """A filter over the report's source rows, said on the list form: the
    expression (or None) and whether it was kept."""
    if not source:
        return None, True
    tree = ast.parse(source, mode="eval")
    chains = compile_expression(source).names
    if report.source_subform:
        if not all((c[0] == "parent" and len(c) >= 2) or (c[0] == "user" and len(c) == 2) for c in chains):
            return None, False
        tree = _DropParent().visit(tree)
    return ast.unparse(tree), True


class _DropParent(ast.NodeTransformer):
    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "parent":
            return ast.copy_location(ast.Name(id=node.attr, ctx=ast.Load()), node)
        return self.generic_visit(node)


def drill_filter(report: Report, groups: Iterable[tuple[ReportGroup, Any]],
                 filters: Iterable[str | None]) -> DrillFilter:
    """The list and filter for the rows where each group has its value and
    every filter (the report's, the chart's) holds."""
    parts, exact = [], True
    for group, value in groups:
        condition = group_condition(report, group, value)
        exact = exact and condition is not None
        if condition:
            parts.append(condition)
    for source in filters:
        translated, kept = translate_filter(report, source)
        exact = exact and kept
        if translated:
            parts.append(f"({translated})")
    expression = " and ".join(parts)
    return DrillFilter(report.source_form, expression, exact)
