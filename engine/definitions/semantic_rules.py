"""Rule checks: sources and targets, match/adjust keys, expressions, actions,
and cycles across forms (a rule that writes form B makes B's rules run, so a
chain of rules leading back to where it started is rejected, with the cycle named)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.definitions.semantic_context import (Context, FieldInfo, FormInfo, Path, as_dict,
                                                 as_list, enumerate_dicts, find_cycles)
from engine.definitions.semantic_expressions import (Scope, check_expression, check_template,
                                                     form_scope, row_scope, suggest)
from engine.definitions.semantic_names import check_duplicates, check_sql_name, named_items
from engine.definitions.semantic_workflow import check_role

Writes = list[tuple[str, frozenset[str]]]     # (form written, {"created", "updated"})
UPDATED, CREATED = frozenset({"updated"}), frozenset({"created"})


@dataclass
class _RuleNode:
    index: int
    source: str
    events: frozenset[str] | None        # None: a contribution rule (runs on every write)
    writes: Writes

    def runs_on(self, form: str, kinds: frozenset[str]) -> bool:
        return self.source == form and (self.events is None or bool(kinds & self.events))


def check_rules(ctx: Context) -> None:
    rules = as_dict(ctx.definition).get("rules")
    check_duplicates(ctx, named_items(rules, ("rules",)), "rule")
    nodes: list[_RuleNode] = []
    for i, rule in enumerate_dicts(rules):
        path = ("rules", i)
        check_sql_name(ctx, path + ("name",), rule.get("name"))
        source = _resolve_ref(ctx, rule, "source", path)
        scope = _scope(source)
        is_event = "on" in rule or "actions" in rule
        when = ctx.value(rule, "when", path, str)
        if when is not None and scope is not None:
            check_expression(ctx, path + ("when",), when, scope, previous=is_event)
        if is_event:
            writes = _check_event_rule(ctx, rule, path, source, scope)
            events = frozenset(e for e in as_list(rule.get("on")) if isinstance(e, str))
        else:
            writes, events = _check_contribution_rule(ctx, rule, path, scope), None
        if source is not None:
            nodes.append(_RuleNode(i, source[0].name, events, writes))
    _check_rule_cycles(ctx, nodes)


def _resolve_ref(ctx: Context, rule: dict, key: str,
                 path: Path) -> tuple[FormInfo, FieldInfo | None] | None:
    ref = ctx.value(rule, key, path, str)
    if ref is None:
        return None
    form_name, _, sub_name = ref.partition(".")
    form = ctx.index.forms.get(form_name)
    if form is None:
        guess = suggest(form_name, ctx.index.forms)
        ctx.error(path + (key,), f"unknown form '{form_name}'",
                  f"did you mean '{guess}'?" if guess else None)
        return None
    if not sub_name:
        return form, None
    sub = form.fields.get(sub_name)
    if sub is None or sub.type != "subform":
        subforms = [n for n, f in form.fields.items() if f.type == "subform"]
        guess = suggest(sub_name, subforms)
        ctx.error(path + (key,), f"'{sub_name}' is not a subform of '{form_name}'",
                  f"did you mean '{form_name}.{guess}'?" if guess else None)
        return None
    return form, sub


def _scope(resolved: tuple[FormInfo, FieldInfo | None] | None) -> Scope | None:
    if resolved is None:
        return None
    form, sub = resolved
    return row_scope(form, sub) if sub is not None else form_scope(form)


# ---------------------------------------------------------------- contribution

def _check_contribution_rule(ctx: Context, rule: dict, path: Path,
                             scope: Scope | None) -> Writes:
    target = _resolve_ref(ctx, rule, "target", path)
    if target is None:
        return []
    form, sub = target
    fields = sub.fields if sub is not None else form.fields
    what = f"{form.name}.{sub.name}" if sub is not None else form.name
    match_keys = ("id", "parent_id") if sub is not None else ("id",)
    for key, source in as_dict(rule.get("match")).items():
        kpath = path + ("match", key)
        if ctx.broken(kpath):
            continue
        if key not in match_keys:
            _check_target_field(ctx, kpath, key, fields, what)
        if scope is not None:
            check_expression(ctx, kpath, source, scope)
    for key, source in as_dict(rule.get("adjust")).items():
        kpath = path + ("adjust", key)
        if ctx.broken(kpath):
            continue
        _check_adjusted_field(ctx, kpath, key, fields, what)
        if scope is not None:
            check_expression(ctx, kpath, source, scope)
    creates = bool(ctx.value(rule, "create_missing", path, bool))
    if creates:
        _check_create_missing(ctx, rule, path, sub, fields, what)
    return [(form.name, UPDATED | CREATED if creates else UPDATED)]


def _check_target_field(ctx: Context, path: Path, key: str, fields: dict[str, FieldInfo],
                        what: str) -> FieldInfo | None:
    info = fields.get(key)
    if info is None or info.type == "subform":
        guess = suggest(key, [n for n, f in fields.items() if f.type != "subform"])
        ctx.error(path, f"unknown field '{key}' in '{what}'",
                  f"did you mean '{guess}'?" if guess else None)
        return None
    return info


def _check_adjusted_field(ctx: Context, path: Path, key: str, fields: dict[str, FieldInfo],
                          what: str) -> None:
    info = _check_target_field(ctx, path, key, fields, what)
    if info is None or info.type is None:
        return
    if not info.is_numeric:
        ctx.error(path, f"adjust on a non-numeric field '{key}' ({info.type})",
                  "only integer and decimal fields can be adjusted")
    elif "formula" in info.spec:
        ctx.error(path, f"'{key}' has a formula, so rules cannot adjust it",
                  "a field is either computed by a formula or adjusted by rules")


def _check_create_missing(ctx: Context, rule: dict, path: Path, sub: FieldInfo | None,
                          fields: dict[str, FieldInfo], what: str) -> None:
    if sub is not None:
        ctx.error(path + ("create_missing",), "create_missing is not possible on a subform "
                  "target", "a new subform row would have no parent record")
        return
    given = set(as_dict(rule.get("match")))
    missing = [name for name, info in fields.items()
               if name not in given and _needs_value(info)]
    if missing:
        ctx.error(path + ("create_missing",), f"a created '{what}' row would miss the "
                  f"required field '{missing[0]}'", "add it to match, or give it a default")


def _needs_value(info: FieldInfo) -> bool:
    spec = info.spec
    if info.implicit or spec.get("required") is not True or info.type == "autonumber":
        return False
    return not any(k in spec for k in ("default", "default_expr", "formula", "fill_from"))


# ---------------------------------------------------------------- events

def _check_event_rule(ctx: Context, rule: dict, path: Path,
                      source: tuple[FormInfo, FieldInfo | None] | None,
                      scope: Scope | None) -> Writes:
    record = source[0] if source is not None else None   # the record a transition acts on
    for k, event in enumerate(rule.get("on") if isinstance(rule.get("on"), list) else ()):
        if isinstance(event, str) and event.startswith("transition:") and record is not None \
                and not ctx.broken(path + ("on", k)):
            _check_transition_ref(ctx, path + ("on", k), event.split(":", 1)[1], record)
    written: Writes = []
    for k, action in enumerate_dicts(rule.get("actions")):
        created = _check_action(ctx, action, path + ("actions", k), record, scope)
        if created:
            written.append((created, CREATED))
    return written


def _check_transition_ref(ctx: Context, path: Path, name: str, form: FormInfo) -> None:
    if form.workflow_field is None:
        ctx.error(path, f"form '{form.name}' has no workflow, so it has no transition '{name}'")
    elif name not in form.transitions:
        guess = suggest(name, form.transitions)
        ctx.error(path, f"unknown transition '{name}' in form '{form.name}'",
                  f"did you mean '{guess}'?" if guess else None)


def _check_action(ctx: Context, action: dict, path: Path, record: FormInfo | None,
                  scope: Scope | None) -> str | None:
    created = ctx.value(action, "create", path, str)
    if created is not None:
        _check_create_action(ctx, action, path, created, scope)
    for k, who in enumerate(action.get("notify") if isinstance(action.get("notify"), list) else ()):
        if isinstance(who, str) and not who.startswith("user:") \
                and not ctx.broken(path + ("notify", k)):
            check_role(ctx, path + ("notify", k), who)
    for key in ("message", "reject"):
        if key in action and scope is not None and not ctx.broken(path + (key,)):
            check_template(ctx, path + (key,), action[key], scope, previous=True)
    webhook = ctx.value(action, "webhook", path, str)
    if webhook is not None and "://" in webhook \
            and not webhook.startswith(("http://", "https://")):
        ctx.error(path + ("webhook",), "a webhook URL must start with http:// or https://")
    transition = ctx.value(action, "transition", path, str)
    if transition is not None and record is not None:
        _check_transition_ref(ctx, path + ("transition",), transition, record)
    return created if created in ctx.index.forms else None


def _check_create_action(ctx: Context, action: dict, path: Path, created: str,
                         scope: Scope | None) -> None:
    form = ctx.index.forms.get(created)
    if form is None:
        guess = suggest(created, ctx.index.forms)
        ctx.error(path + ("create",), f"unknown form '{created}'",
                  f"did you mean '{guess}'?" if guess else None)
    values: dict[str, Any] = as_dict(action.get("values"))
    for key, source in values.items():
        kpath = path + ("values", key)
        if ctx.broken(kpath):
            continue
        if form is not None:
            info = _check_target_field(ctx, kpath, key, form.fields, form.name)
            if info is not None and info.spec.get("formula") is not None:
                ctx.error(kpath, f"'{key}' is computed by a formula and cannot be set")
        if scope is not None:
            check_expression(ctx, kpath, source, scope, previous=True)
    if form is None or ctx.broken(path + ("values",)):
        return
    missing = [n for n, info in form.fields.items() if n not in values and _needs_value(info)]
    if missing:
        ctx.error(path + ("create",), f"the created '{created}' record would miss the "
                  f"required field '{missing[0]}'", "set it in values")


# ---------------------------------------------------------------- cycles

def _check_rule_cycles(ctx: Context, nodes: list[_RuleNode]) -> None:
    """A rule's write (adjusting or creating a record) runs the written form's rules:
    contribution rules on every write, event rules on the matching event. Workflow
    transitions taken by a `transition` action are not followed (the record is
    the rule's own source; its `when` decides)."""
    by_source: dict[str, list[_RuleNode]] = {}
    for node in nodes:
        by_source.setdefault(node.source, []).append(node)
    graph = {node.index: [other.index for form, kinds in node.writes
                          for other in by_source.get(form, ()) if other.runs_on(form, kinds)]
             for node in nodes}
    sources = {node.index: node.source for node in nodes}
    for cycle in find_cycles(graph, [node.index for node in nodes]):
        start = cycle.index(min(cycle))
        cycle = cycle[start:] + cycle[:start]
        forms = [sources[i] for i in cycle] + [sources[cycle[0]]]
        ctx.error(("rules", cycle[0]), "rule cycle: " + " → ".join(forms),
                  "a rule's write makes the target form's rules run; a chain of rules must "
                  "not lead back to where it started")
