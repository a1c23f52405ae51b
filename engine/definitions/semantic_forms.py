"""Form-level checks: names, fields, title, unique sets, list settings, checks,
permissions and formula cycles. Workflows are in semantic_workflow."""
from __future__ import annotations

from engine.definitions.model import SYSTEM_COLUMNS
from engine.definitions.semantic_context import (Context, FormInfo, Path, as_dict, as_list,
                                                 enumerate_dicts, find_cycles)
from engine.definitions.semantic_expressions import (check_expression, check_template,
                                                     form_scope, suggest)
from engine.definitions.semantic_fields import Formulas, check_fields
from engine.definitions.semantic_names import check_duplicates, check_sql_name, named_items
from engine.definitions.semantic_workflow import check_workflow


def check_forms(ctx: Context) -> None:
    forms = as_dict(ctx.definition).get("forms")
    check_duplicates(ctx, named_items(forms, ("forms",)), "form")
    for i, spec in enumerate_dicts(forms):
        check_sql_name(ctx, ("forms", i, "name"), spec.get("name"))
        form = ctx.index.forms.get(spec.get("name")) if isinstance(spec.get("name"), str) else None
        if form is None or form.spec is not spec:
            continue
        check_form(ctx, form)


def check_form(ctx: Context, form: FormInfo) -> None:
    spec, path = form.spec, form.path
    scope = form_scope(form)
    formulas = check_fields(ctx, form, scope, spec.get("fields"), path + ("fields",))
    _check_formula_cycles(ctx, formulas)
    if isinstance(spec.get("workflow"), dict):
        check_workflow(ctx, form)
    title = ctx.value(spec, "title", path, str)
    if title is not None:
        _check_field_ref(ctx, form, path + ("title",), title, scalar=True)
    for k, names in enumerate(as_list(spec.get("unique"))):
        for m, name in enumerate(as_list(names)):
            if isinstance(name, str) and not ctx.broken(path + ("unique", k, m)):
                _check_field_ref(ctx, form, path + ("unique", k, m), name, scalar=True)
    list_spec = as_dict(spec.get("list"))
    for key in ("columns", "search"):
        for m, name in enumerate(as_list(list_spec.get(key))):
            if isinstance(name, str) and not ctx.broken(path + ("list", key, m)):
                _check_field_ref(ctx, form, path + ("list", key, m), name, scalar=True,
                                 system=(key == "columns"))
    for k, check in enumerate_dicts(spec.get("checks")):
        cpath = path + ("checks", k)
        when = ctx.value(check, "when", cpath, str)
        if when is not None:
            check_expression(ctx, cpath + ("when",), when, scope, previous=True)
        if "message" in check and not ctx.broken(cpath + ("message",)):
            check_template(ctx, cpath + ("message",), check["message"], scope, previous=True)
    _check_permissions(ctx, form)


def _check_field_ref(ctx: Context, form: FormInfo, path: Path, name: str, *,
                     scalar: bool = False, system: bool = True) -> None:
    if system and name in SYSTEM_COLUMNS:
        return
    info = form.fields.get(name)
    if info is None:
        guess = suggest(name, form.fields)
        ctx.error(path, f"unknown field '{name}' in form '{form.name}'",
                  f"did you mean '{guess}'?" if guess else None)
    elif scalar and info.type == "subform":
        ctx.error(path, f"'{name}' is a subform; it cannot be used here")


def _check_permissions(ctx: Context, form: FormInfo) -> None:
    base = form.path + ("permissions",)
    scope = form_scope(form)
    for role, rights in as_dict(form.spec.get("permissions")).items():
        path = base + (role,)
        if role not in ctx.index.roles and not ctx.broken(path):
            guess = suggest(role, ctx.index.roles)
            ctx.error(path, f"unknown role '{role}'",
                      f"did you mean '{guess}'?" if guess else "declare it in roles")
        if not isinstance(rights, dict):
            continue
        for name, access in as_dict(rights.get("fields")).items():
            fpath = path + ("fields", name)
            if isinstance(name, str) and not ctx.broken(fpath):
                _check_field_ref(ctx, form, fpath, name, system=False)
        rows = ctx.value(rights, "rows", path, str)
        if rows is not None:
            check_expression(ctx, path + ("rows",), rows, scope, user=True)


def _check_formula_cycles(ctx: Context, formulas: Formulas) -> None:
    graph = {node: sorted(dep for dep in deps if dep in formulas)
             for node, (_, deps) in formulas.items()}
    order = {node: i for i, node in enumerate(formulas)}
    for cycle in find_cycles(graph, list(formulas)):
        start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
        cycle = cycle[start:] + cycle[:start]
        ctx.error(formulas[cycle[0]][0], "formula cycle: " + " → ".join(cycle + cycle[:1]),
                  "a formula cannot depend on itself, directly or through other formulas")
