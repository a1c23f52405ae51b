"""Field-level checks: link targets, fill_from, defaults, bounds, options,
autonumber patterns, formula/default expressions. Returns each formula's
dependencies so the form can look for formula cycles."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.definitions.model import STRING_TYPES
from engine.definitions.semantic_context import (Context, FieldInfo, FormInfo, Path,
                                                 enumerate_dicts)
from engine.definitions.semantic_expressions import Scope, check_expression, row_scope, suggest
from engine.definitions.semantic_names import (check_duplicates, check_field_name, named_items,
                                               option_items)

# node -> (path of the formula, the nodes it reads)
Formulas = dict[str, tuple[Path, set[str]]]

AUTONUMBER_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
AUTONUMBER_PARTS = re.compile(r"^(YYYY|YY|MM|DD|seq|seq:([1-9]|1[0-2]))$")
TEXT_TYPES = frozenset({"text", "textarea"})
COMPUTED_CONFLICTS = ("default", "default_expr", "fill_from")


def check_fields(ctx: Context, form: FormInfo, scope: Scope, specs: Any, base: Path) -> Formulas:
    check_duplicates(ctx, named_items(specs, base), "field")
    formulas: Formulas = {}
    for j, spec in enumerate_dicts(specs):
        path = base + (j,)
        name = spec.get("name")
        check_field_name(ctx, path + ("name",), name)
        info = scope.fields.get(name) if isinstance(name, str) else None
        if info is None or info.spec is not spec:
            continue                     # a duplicate: reported above
        formulas.update(_check_field(ctx, form, scope, info))
    return formulas


def _check_field(ctx: Context, form: FormInfo, scope: Scope, info: FieldInfo) -> Formulas:
    spec, path = info.spec, info.path
    formulas: Formulas = {}
    if info.type == "link":
        _check_link_target(ctx, info)
    elif info.type == "subform":
        if scope.subform is not None:
            ctx.error(path + ("type",), "subforms cannot be nested",
                      "a subform row cannot hold another subform")
        elif isinstance(spec.get("fields"), list):
            formulas.update(check_fields(ctx, form, row_scope(form, info), spec.get("fields"),
                                         path + ("fields",)))
    _check_fill_from(ctx, scope, info)
    _check_computed_conflicts(ctx, info)
    if info.type is not None:
        _check_default(ctx, info)
        _check_bounds(ctx, info)
        _check_options(ctx, info)
        _check_pattern(ctx, info)
    formula = ctx.value(spec, "formula", path, str)
    if formula is not None:
        deps = check_expression(ctx, path + ("formula",), formula, scope)
        formulas[scope.node(info.name)] = (path + ("formula",), deps or set())
    default_expr = ctx.value(spec, "default_expr", path, str)
    if default_expr is not None:
        check_expression(ctx, path + ("default_expr",), default_expr, scope, user=True)
    return formulas


def _check_link_target(ctx: Context, info: FieldInfo) -> None:
    target = info.target
    if target is not None and target not in ctx.index.forms:
        guess = suggest(target, ctx.index.forms)
        ctx.error(info.path + ("form",), f"unknown form '{target}'",
                  f"did you mean '{guess}'?" if guess else None)


def _check_fill_from(ctx: Context, scope: Scope, info: FieldInfo) -> None:
    source = ctx.value(info.spec, "fill_from", info.path, str)
    if source is None or "." not in source:
        return
    path = info.path + ("fill_from",)
    link_name, _, target_name = source.partition(".")
    link = scope.fields.get(link_name)
    if link is None:
        guess = suggest(link_name, [n for n, f in scope.fields.items() if f.type == "link"])
        ctx.error(path, f"unknown field '{link_name}'",
                  f"did you mean '{guess}.{target_name}'?" if guess else None)
        return
    if link.type != "link":
        if link.type is not None:
            ctx.error(path, f"'{link_name}' is a {link.type} field, not a link",
                      "fill_from starts with a link field of the same row")
        return
    target_form = ctx.index.forms.get(link.target) if link.target else None
    if target_form is None:
        return
    target = target_form.fields.get(target_name)
    if target is None or target.type == "subform":
        guess = suggest(target_name, [n for n, f in target_form.fields.items()
                                      if f.type != "subform"])
        ctx.error(path, f"unknown field '{target_name}' in form '{target_form.name}'",
                  f"did you mean '{link_name}.{guess}'?" if guess else None)
        return
    if not _compatible(info, target):
        ctx.error(path, f"type mismatch: '{info.name}' is {info.type} but "
                  f"'{source}' is {target.type}")


def _compatible(dst: FieldInfo, src: FieldInfo) -> bool:
    if dst.type is None or src.type is None or dst.type == src.type:
        return dst.type != "link" or dst.target == src.target or None in (dst.target, src.target)
    if dst.is_numeric and src.is_numeric:
        return True
    return dst.type in TEXT_TYPES and src.type in STRING_TYPES | TEXT_TYPES


def _check_computed_conflicts(ctx: Context, info: FieldInfo) -> None:
    if ctx.value(info.spec, "formula", info.path, str) is None:
        return
    for key in COMPUTED_CONFLICTS:
        if key in info.spec and not ctx.broken(info.path + (key,)):
            ctx.error(info.path + (key,), f"a formula field cannot have '{key}'",
                      "its value is always computed by the formula")


def _check_default(ctx: Context, info: FieldInfo) -> None:
    path = info.path + ("default",)
    if "default" not in info.spec or ctx.broken(path):
        return
    value = info.spec["default"]
    problem = _default_problem(info, value)
    if problem:
        ctx.error(path, problem)


def _default_problem(info: FieldInfo, value: Any) -> str | None:
    ftype = info.type
    options = _option_values(info.spec)
    if ftype == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"default {_show(value)} is not an integer"
    if ftype == "decimal":
        return None if _as_decimal(value) is not None else f"default {_show(value)} is not a number"
    if ftype == "boolean":
        return None if isinstance(value, bool) else f"default {_show(value)} is not true or false"
    if ftype in ("date", "datetime"):
        return _temporal_problem(ftype, value)
    if ftype == "select":
        if not isinstance(value, str) or value not in options:
            return f"default {_show(value)} is not one of the options"
        return None
    if ftype == "multiselect":
        if not isinstance(value, list) or not all(isinstance(v, str) and v in options
                                                  for v in value):
            return f"default {_show(value)} must be a list of option values"
        return None
    if ftype in ("link", "user"):
        ok = isinstance(value, (int, str)) and not isinstance(value, bool)
        return None if ok else f"default {_show(value)} must be a record id"
    return None if isinstance(value, str) else f"default {_show(value)} is not text"


def _temporal_problem(ftype: str, value: Any) -> str | None:
    parse = date.fromisoformat if ftype == "date" else datetime.fromisoformat
    example = "2024-01-31" if ftype == "date" else "2024-01-31T09:30:00"
    try:
        if isinstance(value, str):
            parse(value)
            return None
    except ValueError:
        pass
    return f"default {_show(value)} is not a {ftype} (e.g. \"{example}\"; use default_expr " \
           "for today())"


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:37] + "..."


def _option_values(spec: dict) -> list[str]:
    return [v for _, v in option_items(spec.get("options"), ()) if isinstance(v, str)]


def _check_bounds(ctx: Context, info: FieldInfo) -> None:
    low = ctx.value(info.spec, "min", info.path, (int, float))
    high = ctx.value(info.spec, "max", info.path, (int, float))
    if info.type == "integer":
        for key, bound in (("min", low), ("max", high)):
            if bound is not None and bound != int(bound):
                ctx.error(info.path + (key,), f"{key} {bound} is not a whole number",
                          "integer fields need whole-number bounds")
    if low is not None and high is not None and low > high:
        ctx.error(info.path + ("min",), f"min {low} is greater than max {high}")
    default = info.spec.get("default") if info.is_numeric else None
    number = _as_decimal(default) if default is not None else None
    if number is None:
        return
    if low is not None and number < Decimal(str(low)):
        ctx.error(info.path + ("default",), f"default {default} is below min {low}")
    if high is not None and number > Decimal(str(high)):
        ctx.error(info.path + ("default",), f"default {default} is above max {high}")


def _check_options(ctx: Context, info: FieldInfo) -> None:
    if "options" in info.spec and not ctx.broken(info.path + ("options",)):
        check_duplicates(ctx, option_items(info.spec["options"], info.path + ("options",)),
                         "option")


def _check_pattern(ctx: Context, info: FieldInfo) -> None:
    pattern = ctx.value(info.spec, "pattern", info.path, str)
    if pattern is None:
        return
    path = info.path + ("pattern",)
    if info.type == "autonumber":
        problem = autonumber_problem(pattern)
        if problem:
            ctx.error(path, problem, "e.g. \"SO{YYYY}{MM}-{seq:4}\"; placeholders: "
                      "{YYYY}, {YY}, {MM}, {DD}, {seq} or {seq:N}")
        return
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        ctx.error(path, f"invalid regular expression: {exc}")


def autonumber_problem(pattern: str) -> str | None:
    parts = AUTONUMBER_PLACEHOLDER.findall(pattern)
    rest = AUTONUMBER_PLACEHOLDER.sub("", pattern)
    if "{" in rest or "}" in rest:
        return "unbalanced '{' or '}' in the number pattern"
    unknown = [p for p in parts if not AUTONUMBER_PARTS.match(p)]
    if unknown:
        return f"unknown placeholder '{{{unknown[0]}}}' in the number pattern"
    sequences = [p for p in parts if p.startswith("seq")]
    if len(sequences) != 1:
        return "the number pattern needs exactly one {seq} or {seq:N}"
    return None
