"""Defaults, `fill_from` and formulas: the computed part of the save pipeline.

Formulas run in dependency order over the whole record: a subform row formula
(`amount = qty * price`) runs before the parent aggregate that reads it
(`total = sum(lines.amount)`). The order is computed once per form and cached.
"""
from __future__ import annotations

from functools import lru_cache
from graphlib import TopologicalSorter
from typing import Any, Callable, Iterable, Mapping

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.errors import ErrorCollector
from engine.runtime.expressions import EvaluationError, RowList, compile_expression
from engine.runtime.records.coerce import CoercionError, coerce_value

# A step is (subform name or None, field): None means a field of the form itself.
Step = tuple[str | None, FieldModel]
LinkLoader = Callable[[str, int], Mapping[str, Any] | None]


class LinkedRecord(int):
    """A link value: compares and prints as the target id, reads target fields lazily.

    `product.unit_price` in an expression reads the linked product only when it
    is used, and at most once per write (the loader caches).
    """

    def __new__(cls, record_id: int, form: str, loader: LinkLoader):
        obj = super().__new__(cls, record_id)
        obj._form, obj._loader = form, loader
        return obj

    @property
    def target_form(self) -> str:
        return self._form

    def __getitem__(self, name: str) -> Any:
        row = self._loader(self._form, int(self))
        if row is None:
            raise KeyError(name)
        return row[name]


@lru_cache(maxsize=256)
def formula_order(form: FormModel) -> tuple[Step, ...]:
    """Formula fields of a form and its subforms, each after what it reads."""
    nodes: dict[str, Step] = {}
    for field in form.fields:
        if field.is_computed:
            nodes[field.name] = (None, field)
        for sub in field.fields:
            if sub.is_computed:
                nodes[f"{field.name}.{sub.name}"] = (field.name, sub)
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for key, (subform, field) in nodes.items():
        deps = _formula_dependencies(form, subform, field, nodes)
        sorter.add(key, *deps)
    return tuple(nodes[key] for key in sorter.static_order() if key in nodes)


def _formula_dependencies(form: FormModel, subform: str | None, field: FieldModel,
                          nodes: Mapping[str, Step]) -> list[str]:
    deps = []
    for chain in compile_expression(field.formula).names:
        head = chain[0]
        if subform is not None:
            candidates = [f"{subform}.{head}"] if head != "parent" else chain[1:2]
        elif len(chain) > 1 and (sub := form.field(head)) is not None and sub.is_subform:
            candidates = [f"{head}.{chain[1]}"]
        else:
            candidates = [head]
        deps.extend(c for c in candidates if c in nodes)
    return deps


def wrap_links(fields: Iterable[FieldModel], values: Mapping[str, Any],
               loader: LinkLoader) -> dict[str, Any]:
    """The expression namespace for one row: links become `LinkedRecord`s."""
    names = dict(values)
    for field in fields:
        if field.type == "link" and isinstance(values.get(field.name), int):
            names[field.name] = LinkedRecord(values[field.name], field.form, loader)
    return names


def record_namespace(form: FormModel, record: Mapping[str, Any], loader: LinkLoader) -> dict[str, Any]:
    names = wrap_links(form.scalar_fields, record, loader)
    for sub in form.subforms:
        rows = [wrap_links(sub.fields, row, loader) for row in record.get(sub.name) or ()]
        names[sub.name] = RowList(rows)
    return names


def row_namespace(sub: FieldModel, row: Mapping[str, Any], parent_names: Mapping[str, Any],
                  loader: LinkLoader) -> dict[str, Any]:
    names = wrap_links(sub.fields, row, loader)
    names["parent"] = parent_names
    return names


def apply_formulas(form: FormModel, record: dict[str, Any], loader: LinkLoader,
                   errors: ErrorCollector, functions: Mapping[str, Any] | None = None) -> None:
    """Compute every formula field of `record` (and its subform rows) in place."""
    for subform, field in formula_order(form):
        if subform is None:
            names = record_namespace(form, record, loader)
            record[field.name] = _evaluate(field, names, field.name, errors, functions)
            continue
        sub = form.field(subform)
        parent_names = record_namespace(form, record, loader)
        for index, row in enumerate(record.get(subform) or ()):
            names = row_namespace(sub, row, parent_names, loader)
            row[field.name] = _evaluate(field, names, f"{subform}[{index}].{field.name}",
                                        errors, functions)


def _evaluate(field: FieldModel, names: Mapping[str, Any], path: str,
              errors: ErrorCollector, functions: Mapping[str, Any] | None) -> Any:
    try:
        value = compile_expression(field.formula).evaluate(names, functions=functions)
        return coerce_value(field, value)
    except (EvaluationError, CoercionError) as error:
        errors.add(path, f"cannot compute {field.formula!r}: {error}")
        return None


def fill_linked_values(fields: Iterable[FieldModel], row: dict[str, Any], previous: Mapping[str, Any] | None,
                       submitted: Iterable[str], loader: LinkLoader) -> None:
    """`fill_from` fields copy the linked record's value when the link is set or
    changes, unless the caller supplied a value of their own in this request."""
    submitted = set(submitted)
    for field in fields:
        if not field.fill_from or field.name in submitted:
            continue
        link_name, source_field = field.fill_from.split(".", 1)
        link_value = row.get(link_name)
        changed = previous is None or previous.get(link_name) != link_value
        if not changed and row.get(field.name) is not None:
            continue
        target = loader(_link_form(fields, link_name), link_value) if link_value else None
        row[field.name] = coerce_value(field, target.get(source_field)) if target else None


def _link_form(fields: Iterable[FieldModel], link_name: str) -> str:
    return next(f.form for f in fields if f.name == link_name)


def apply_defaults(fields: Iterable[FieldModel], row: dict[str, Any], submitted: Iterable[str],
                   names: Mapping[str, Any], path_prefix: str, errors: ErrorCollector,
                   functions: Mapping[str, Any] | None = None) -> None:
    """Literal defaults and `default_expr` for fields the caller left out on create.

    Expressions see the row's own values (so far), plus `names` (user, parent)."""
    submitted = set(submitted)
    for field in fields:
        if field.name in submitted or field.is_computed or field.is_subform:
            continue
        if row.get(field.name) is not None:
            continue
        try:
            if field.default_expr:
                value = compile_expression(field.default_expr).evaluate({**row, **names}, functions)
            elif field.default is not None:
                value = field.default
            else:
                continue
            row[field.name] = coerce_value(field, value)
        except (EvaluationError, CoercionError) as error:
            errors.add(path_prefix + field.name, f"cannot compute the default: {error}")
