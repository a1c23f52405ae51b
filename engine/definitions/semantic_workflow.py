"""Workflow checks: the state field, states, locked states, transitions, roles,
conditions, required fields, the assignee field; unreachable states warn."""
from __future__ import annotations

from engine.definitions.semantic_context import (Context, FormInfo, Path, as_dict, as_list,
                                                 enumerate_dicts)
from engine.definitions.semantic_expressions import check_expression, form_scope, suggest
from engine.definitions.semantic_names import (check_duplicates, check_field_name, named_items,
                                               state_items)


def check_workflow(ctx: Context, form: FormInfo) -> None:
    spec = as_dict(form.spec.get("workflow"))
    path = form.path + ("workflow",)
    _check_state_field(ctx, form, spec, path)
    check_duplicates(ctx, state_items(spec.get("states"), path + ("states",)), "state")
    check_duplicates(ctx, named_items(spec.get("transitions"), path + ("transitions",)),
                     "transition")
    before = len(ctx.problems)
    initial = ctx.value(spec, "initial", path, str)
    states_ok = not ctx.broken(path + ("states",))     # else every state looks unknown
    if initial is not None and states_ok:
        _check_state(ctx, form, path + ("initial",), initial)
    for key in ("locked", "final"):
        for k, state in enumerate(as_list(spec.get(key))):
            if isinstance(state, str) and states_ok and not ctx.broken(path + (key, k)):
                _check_state(ctx, form, path + (key, k), state)
    for k, transition in enumerate_dicts(spec.get("transitions")):
        _check_transition(ctx, form, transition, path + ("transitions", k), states_ok)
    assignee = ctx.value(spec, "assignee_field", path, str)
    if assignee is not None:
        info = form.fields.get(assignee)
        if info is None or info.type not in ("user", None):
            ctx.error(path + ("assignee_field",),
                      f"unknown field '{assignee}'" if info is None
                      else f"'{assignee}' is a {info.type} field, not a user field",
                      "the assignee field must be a user field of the form")
    clean = not ctx.broken(path) and len(ctx.problems) == before
    if clean and initial is not None and initial in form.states:
        _warn_unreachable(ctx, form, spec, path, initial)
    if clean:
        _warn_locked_dead_ends(ctx, spec, path)


def _check_state_field(ctx: Context, form: FormInfo, spec: dict, path: Path) -> None:
    name = form.workflow_field
    fpath = path + ("field",)
    if name is None or ctx.broken(fpath):
        return
    if "field" in spec:
        check_field_name(ctx, fpath, name)
    declared = [i for i, f in enumerate_dicts(form.spec.get("fields")) if f.get("name") == name]
    if declared:
        ctx.error(form.path + ("fields", declared[0], "name"),
                  f"'{name}' is the workflow's state field; the workflow creates it",
                  "remove it from fields, or name the state field differently "
                  "with workflow.field")


def _check_state(ctx: Context, form: FormInfo, path: Path, state: str) -> None:
    if state not in form.states:
        guess = suggest(state, form.states)
        ctx.error(path, f"unknown state '{state}'",
                  f"did you mean '{guess}'?" if guess else None)


def _check_transition(ctx: Context, form: FormInfo, spec: dict, path: Path,
                      states_ok: bool) -> None:
    sources = spec.get("from")
    if not states_ok:
        pass
    elif isinstance(sources, str) and not ctx.broken(path + ("from",)):
        _check_state(ctx, form, path + ("from",), sources)
    elif isinstance(sources, list):
        for k, state in enumerate(sources):
            if isinstance(state, str) and not ctx.broken(path + ("from", k)):
                _check_state(ctx, form, path + ("from", k), state)
    to = ctx.value(spec, "to", path, str)
    if to is not None and states_ok:
        _check_state(ctx, form, path + ("to",), to)
    for k, role in enumerate(as_list(spec.get("roles"))):
        if isinstance(role, str) and not ctx.broken(path + ("roles", k)):
            check_role(ctx, path + ("roles", k), role)
    when = ctx.value(spec, "when", path, str)
    if when is not None:
        check_expression(ctx, path + ("when",), when, form_scope(form))
    for k, name in enumerate(as_list(spec.get("required_fields"))):
        if isinstance(name, str) and not ctx.broken(path + ("required_fields", k)) \
                and name not in form.fields:
            guess = suggest(name, form.fields)
            ctx.error(path + ("required_fields", k), f"unknown field '{name}'",
                      f"did you mean '{guess}'?" if guess else None)


def check_role(ctx: Context, path: Path, role: str) -> None:
    if role not in ctx.index.roles:
        guess = suggest(role, ctx.index.roles)
        ctx.error(path, f"unknown role '{role}'",
                  f"did you mean '{guess}'?" if guess else "declare it in roles")


def _warn_locked_dead_ends(ctx: Context, spec: dict, path: Path) -> None:
    """A locked state nothing leaves freezes its records for good: say so,
    unless the definition lists it in `final` (cancelled, archived...)."""
    leaving = set()
    for _, transition in enumerate_dicts(spec.get("transitions")):
        sources = transition.get("from")
        leaving.update([sources] if isinstance(sources, str) else as_list(sources))
    final = set(as_list(spec.get("final")))
    for k, state in enumerate(as_list(spec.get("locked"))):
        if isinstance(state, str) and state not in leaving and state not in final:
            ctx.warning(path + ("locked", k), f"locked state '{state}' has no transition out: "
                        "its records can never change again",
                        "add a transition out of it, or list it in workflow.final if intended")


def _warn_unreachable(ctx: Context, form: FormInfo, spec: dict, path: Path,
                      initial: str) -> None:
    edges: dict[str, set[str]] = {}
    for _, transition in enumerate_dicts(spec.get("transitions")):
        sources = transition.get("from")
        sources = [sources] if isinstance(sources, str) else as_list(sources)
        to = transition.get("to")
        for source in sources:
            if isinstance(source, str) and isinstance(to, str):
                edges.setdefault(source, set()).add(to)
    reached, todo = {initial}, [initial]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    for k, state in enumerate(as_list(spec.get("states"))):
        name = state if isinstance(state, str) else as_dict(state).get("name")
        if isinstance(name, str) and name not in reached:
            ctx.warning(path + ("states", k), f"state '{name}' cannot be reached from "
                        f"the initial state '{initial}'")
