"""Apply contribution differences to target rows: atomically, in a fixed order,
as writes in their own right.

Each target moves with `UPDATE … SET f = f + :delta` (never read-modify-write),
so concurrent postings add up instead of overwriting each other. Targets are
touched in (table, id) order so two transactions cannot wait on each other in
a cycle. A moved target is then treated like any saved record: its formulas
recompute (stock.available), its own rules run (cascade), the change log
records it with the rule as cause, and its checks run at the end.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal
from typing import Mapping

from sqlalchemy import select, update

from engine.runtime import audit, ledger
from engine.runtime.actor import Cause
from engine.runtime.errors import ErrorCollector, ValidationFailed
from engine.runtime.records import compute
from engine.runtime.records.state import SaveState
from engine.runtime.records.values import diff_records, is_empty_diff, record_to_json

# (target form key, target id) -> {field: delta}
TargetDeltas = dict[tuple[str, int], dict[str, Decimal]]


def group_by_target(deltas: Mapping[ledger.ContributionKey, Decimal]) -> TargetDeltas:
    grouped: TargetDeltas = defaultdict(lambda: defaultdict(Decimal))
    for (_rule, _source, target_form, target_id, field), delta in deltas.items():
        grouped[(target_form, target_id)][field] += delta
    return {key: {f: d for f, d in fields.items() if d} for key, fields in grouped.items()}


def movers_by_target(deltas: Mapping[ledger.ContributionKey, Decimal]) -> dict[tuple[str, int], dict[str, list[str]]]:
    """Which rules moved which field of each target (checks name them)."""
    movers: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(dict)
    for (rule, _source, target_form, target_id, field), delta in sorted(deltas.items()):
        rules = movers[(target_form, target_id)].setdefault(field, [])
        if delta and rule not in rules:
            rules.append(rule)
    return movers


def write_movements(session, deltas: Mapping[ledger.ContributionKey, Decimal],
                    sources: Mapping[str, str], source_record_id: int,
                    causes: Mapping[str, Cause]) -> None:
    """One ledger row per changed contribution; `sources` maps rule → source form key."""
    now = audit.utcnow()
    movements = [{
        "tx_id": session.tx_id, "at": now, "app": session.model.name, "rule": rule,
        "source_form": sources[rule], "source_id": source_id, "source_record_id": source_record_id,
        "target_form": target_form, "target_id": target_id, "field": field, "delta": delta,
        "actor_id": session.actor.user_id, "cause_kind": causes[rule].kind,
        "cause_detail": causes[rule].detail,
    } for (rule, source_id, target_form, target_id, field), delta in sorted(deltas.items())]
    ledger.record_movements(session.connection, movements)


def apply_all(session, grouped: TargetDeltas, causes_by_target: Mapping[tuple[str, int], Cause],
              movers: Mapping[tuple[str, int], Mapping[str, list[str]]] | None = None) -> None:
    for key in sorted(grouped, key=lambda k: (_table_name(session, k[0]), k[1])):
        if grouped[key]:
            apply(session, key[0], key[1], grouped[key], causes_by_target[key], (movers or {}).get(key))


def _table_name(session, target_form: str) -> str:
    form, _, sub = target_form.partition(".")
    tables = session.store.tables
    return (tables.subform(form, sub) if sub else tables.form(form)).name


def apply(session, target_form: str, target_id: int, deltas: Mapping[str, Decimal], cause: Cause,
          movers: Mapping[str, list[str]] | None = None) -> None:
    form_name, _, sub_name = target_form.partition(".")
    form = session.model.form(form_name)
    fields = form.field(sub_name).fields if sub_name else form.fields
    integers = {f.name for f in fields if f.type == "integer"}
    # The ledger keeps Decimals; integer columns take whole numbers (coerced already).
    deltas = {f: int(d) if f in integers else d for f, d in deltas.items()}
    if sub_name:
        previous, current = _move_row(session, form, sub_name, target_id, deltas)
    else:
        previous, current = _move_record(session, form, target_id, deltas)
    record_id = current["id"]
    session.remember_original(form_name, record_id, previous)
    session.note_moved(form_name, record_id, {f"{sub_name}.{f}" if sub_name else f: rules
                                              for f, rules in (movers or {}).items()})
    session.forget_linked(form_name, record_id)
    _recompute_formulas(session, form, current)
    session.written[(form_name, record_id)] = current
    state = SaveState(form=form, action="update", cause=cause, previous=previous, record=current,
                      record_id=record_id)
    state.diff = diff_records(form, previous, current)
    with session.cascade(cause):
        session.run_rules(state)
    if not is_empty_diff(state.diff):
        session.log(state, snapshot=record_to_json(current))
    session.queue_checks(form, record_id, cause)


def _move_record(session, form, record_id: int, deltas: Mapping[str, Decimal]):
    """One statement: add the deltas, bump the version, return the new row.

    The state before is the state after minus the deltas (the row is locked by
    the UPDATE, so nothing else moved it in between)."""
    current = session.store.add_to_record(session.connection, form.name, record_id, deltas,
                                          session.actor.user_id, audit.utcnow())
    for sub in form.subforms:
        current[sub.name] = session.store.fetch_rows(session.connection, form, sub.name, record_id)
    previous = {k: (copy.deepcopy(v) if isinstance(v, list) else v) for k, v in current.items()}
    for field, delta in deltas.items():
        previous[field] = current[field] - delta
    previous["version"] = current["version"] - 1
    return previous, current


def _move_row(session, form, sub_name: str, row_id: int, deltas: Mapping[str, Decimal]):
    """A subform row target (a purchase-order line's received_qty)."""
    tables = session.store.tables
    sub_table, table = tables.subform(form.name, sub_name), tables.form(form.name)
    record_id = session.connection.execute(
        select(sub_table.c.parent_id).where(sub_table.c.id == row_id)).scalar_one()
    previous = session.store.fetch(session.connection, form, record_id, lock=True)
    session.connection.execute(update(sub_table).where(sub_table.c.id == row_id).values(
        {sub_table.c[f]: sub_table.c[f] + d for f, d in deltas.items()}))
    session.connection.execute(update(table).where(table.c.id == record_id).values(_bump(session, table)))
    return previous, session.store.fetch(session.connection, form, record_id)


def _bump(session, table) -> dict:
    return {table.c.version: table.c.version + 1, table.c.updated_at: audit.utcnow(),
            table.c.updated_by: session.actor.user_id}


def _recompute_formulas(session, form, record) -> None:
    """Formulas that read a moved field (stock.available = on_hand - reserved)."""
    if not compute.formula_order(form):
        return
    before = dict(record)
    before_rows = {sub.name: [dict(r) for r in record.get(sub.name) or []] for sub in form.subforms}
    errors = ErrorCollector()
    compute.apply_formulas(form, record, session.load_linked, errors, session.expression_functions())
    if errors:
        raise ValidationFailed(f"A rule effect left {form.name} {record['id']} with formulas that "
                               f"cannot be computed", list(errors.details))
    changed = {f.name: record[f.name] for f in form.scalar_fields
               if f.is_computed and record.get(f.name) != before.get(f.name)}
    if changed:
        table = session.store.tables.form(form.name)
        session.connection.execute(update(table).where(table.c.id == record["id"]).values(changed))
    for sub in form.subforms:
        session.store.sync_rows(session.connection, form, sub.name, record["id"],
                                before_rows[sub.name], record.get(sub.name) or [])
