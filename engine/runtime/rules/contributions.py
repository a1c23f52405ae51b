"""Contribution rules: keep `target.field == base + Σ contributions` on every write.

After a source record is written, each contribution rule computes what each of
its source rows contributes now (zero when `when` is false or the row is gone),
compares that with what the ledger says it contributed before, and hands only
the differences to `effects.apply`, which moves the targets atomically.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Iterator, Mapping

from sqlalchemy import select, tuple_

from engine.definitions.model import FormModel, Rule
from engine.runtime import ledger
from engine.runtime.errors import ErrorDetail, ValidationFailed
from engine.runtime.expressions import EvaluationError, compile_expression
from engine.runtime.records import compute
from engine.runtime.records.coerce import CoercionError, coerce_value

Key = ledger.ContributionKey


def source_rows(session, rule: Rule, form: FormModel, record: Mapping[str, Any] | None
                ) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(source row id, place for messages, expression names) of a record's source rows."""
    if not record:
        return
    names = compute.record_namespace(form, record, session.load_linked)
    if rule.source_subform is None:
        yield record["id"], f"{form.name} {record['id']}", names
        return
    sub = form.field(rule.source_subform)
    for index, row in enumerate(record.get(sub.name) or ()):
        yield (row["id"], f"{form.name} {record['id']} {sub.name}[{index}]",
               compute.row_namespace(sub, row, names, session.load_linked))


def evaluate(session, rule: Rule, source: str, purpose: str, expression: str, names) -> Any:
    try:
        return compile_expression(expression).evaluate(names, functions=session.expression_functions())
    except EvaluationError as error:
        raise ValidationFailed(f"Rule {rule.name} could not evaluate its {purpose} for {source}: {error}",
                               [ErrorDetail(None, f"rule {rule.name}: {error}")]) from None


def new_contributions(session, rules: list[Rule], form: FormModel,
                      record: Mapping[str, Any] | None) -> dict[Key, Decimal]:
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    for rule in rules:
        pending = []        # (source row id, place, match values, {field: amount})
        for source_id, source, names in source_rows(session, rule, form, record):
            if rule.when and not evaluate(session, rule, source, "condition", rule.when, names):
                continue
            pending.append((source_id, source, match_values(session, rule, source, names),
                            _amounts(session, rule, source, names)))
        targets = resolve_targets(session, rule, [(source, values) for _, source, values, _ in pending])
        for (source_id, _source, values, amounts), target_id in zip(pending, targets):
            for field_name, amount in amounts.items():
                totals[(rule.name, source_id, rule.target, target_id, field_name)] += amount
    return {key: value for key, value in totals.items() if value}


def _amounts(session, rule: Rule, source: str, names) -> dict[str, Decimal]:
    target_form = session.model.form(rule.target_form)
    amounts = {}
    for field_name, expression in rule.adjust.items():
        value = evaluate(session, rule, source, f"adjustment of {field_name}", expression, names)
        amounts[field_name] = _amount(rule, source, _target_field(target_form, rule, field_name), value)
    return amounts


def _target_field(target_form: FormModel, rule: Rule, name: str):
    if rule.target_subform:
        return target_form.field(rule.target_subform).subfield(name)
    return target_form.field(name)


def _amount(rule: Rule, source: str, field, value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        return Decimal(coerce_value(field, value))
    except (CoercionError, TypeError) as error:
        raise ValidationFailed(f"Rule {rule.name} computed an unusable amount for {field.name} "
                               f"from {source}: {error}") from None


def match_values(session, rule: Rule, source: str, names) -> tuple[tuple[str, Any], ...]:
    """The target key a source row points at, typed like the target's fields."""
    target_form = session.model.form(rule.target_form)
    fields = target_form.field(rule.target_subform).fields if rule.target_subform else target_form.fields
    by_name = {f.name: f for f in fields}
    values = []
    for target_field, expression in sorted(rule.match.items()):
        value = evaluate(session, rule, source, f"match for {target_field}", expression, names)
        if value is None:
            raise ValidationFailed(f"Rule {rule.name}: the match value for {target_field} is empty "
                                   f"for {source}", [ErrorDetail(None, f"rule {rule.name}")])
        try:
            typed = (int(value) if target_field in ("id", "parent_id")
                     else coerce_value(by_name[target_field], value))
        except (CoercionError, TypeError, ValueError) as error:
            raise ValidationFailed(f"Rule {rule.name}: unusable match value for {target_field} "
                                   f"from {source}: {error}") from None
        values.append((target_field, typed))
    return tuple(values)


def resolve_targets(session, rule: Rule, wanted: list[tuple[str, tuple]]) -> list[int]:
    """Target ids for each (source, match values), found with one query per rule;
    missing ones are created when the rule allows it."""
    unknown = {values: source for source, values in wanted
               if (rule.target, values) not in session.target_cache}
    if unknown:
        found = _find(session, rule, list(unknown))
        for values, source in unknown.items():
            ids = found.get(values, [])
            shown = ", ".join(f"{k}={v}" for k, v in values)
            if len(ids) > 1:
                raise ValidationFailed(f"Rule {rule.name}: several {rule.target} records match {shown} "
                                       f"for {source}", [ErrorDetail(None, f"rule {rule.name}")])
            if not ids and (not rule.create_missing or rule.target_subform):
                raise ValidationFailed(f"Rule {rule.name}: no {rule.target} record matches {shown} "
                                       f"for {source}", [ErrorDetail(None, f"rule {rule.name}")])
            session.target_cache[(rule.target, values)] = (
                ids[0] if ids else session.create_rule_target(rule, dict(values)))
    return [session.target_cache[(rule.target, values)] for _, values in wanted]


def _find(session, rule: Rule, keys: list[tuple]) -> dict[tuple, list[int]]:
    names = [name for name, _ in keys[0]]
    if names == ["id"] and not rule.target_subform:
        # Matching a record by id: the link prefetch usually has it already.
        return {key: [key[0][1]] for key in keys
                if session.load_linked(rule.target_form, key[0][1]) is not None}
    table = (session.store.tables.subform(rule.target_form, rule.target_subform) if rule.target_subform
             else session.store.tables.form(rule.target_form))
    columns = [table.c[name] for name in names]
    condition = (columns[0].in_([key[0][1] for key in keys]) if len(columns) == 1
                 else tuple_(*columns).in_([tuple(v for _, v in key) for key in keys]))
    found: dict[tuple, list[int]] = defaultdict(list)
    for row in session.connection.execute(select(table.c.id, *columns).where(condition)):
        found[tuple(zip(names, row[1:]))].append(row[0])
    return found


def differences(old: Mapping[Key, Decimal], new: Mapping[Key, Decimal]) -> dict[Key, Decimal]:
    deltas = {}
    for key in set(old) | set(new):
        delta = new.get(key, Decimal(0)) - old.get(key, Decimal(0))
        if delta:
            deltas[key] = delta
    return deltas
