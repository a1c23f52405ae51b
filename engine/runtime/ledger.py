"""The effect ledger: append-only movements written by contribution rules.

A row says: in transaction T, rule R, because of source row S (of parent P),
moved field F of target row X by DELTA. A source row's current contribution to
a target is the sum of its movements, so the ledger both drives the engine
(only the difference to the new contribution is written) and is the movement
history of every target (库存流水). `liandong verify` rebuilds targets from it.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import (BigInteger, Column, DateTime, Index, Integer, String, Table, Text, func,
                        insert, or_, select)
from sqlalchemy.engine import Connection

from engine.storage.system import system_metadata
from engine.storage.types import DecimalType, ID_TYPE

LEDGER_SCALE = 8

effect_ledger = Table(
    "ld_effect_ledger", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("tx_id", String(32), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("app", String(20), nullable=False),
    Column("rule", String(60), nullable=False),
    Column("source_form", String(61), nullable=False),      # form or form.subform
    Column("source_id", BigInteger, nullable=False),        # the source row
    Column("source_record_id", BigInteger, nullable=False), # its record (the parent for subform rows)
    Column("target_form", String(61), nullable=False),
    Column("target_id", BigInteger, nullable=False),
    Column("field", String(30), nullable=False),
    Column("delta", DecimalType(LEDGER_SCALE), nullable=False),
    Column("actor_id", Integer, nullable=True),
    Column("cause_kind", String(20), nullable=False),
    Column("cause_detail", Text, nullable=True),   # a chain of rule names can be long
    Index("ix_ld_effect_ledger_source", "app", "source_form", "source_record_id"),
    Index("ix_ld_effect_ledger_target", "app", "target_form", "target_id", "id"),
)

# (rule, source_id, target_form, target_id, field) -> current contribution
ContributionKey = tuple[str, int, str, int, str]


def current_contributions(connection: Connection, app: str, source_forms: Iterable[str],
                          source_record_id: int, rules: Iterable[str]) -> dict[ContributionKey, Decimal]:
    """What every source row of one record contributes now, per rule and target."""
    rule_names = sorted(set(rules))
    if not rule_names:
        return {}
    c = effect_ledger.c
    rows = connection.execute(
        select(c.rule, c.source_id, c.target_form, c.target_id, c.field, func.sum(c.delta))
        .where(c.app == app, c.source_form.in_(sorted(set(source_forms))),
               c.source_record_id == source_record_id, c.rule.in_(rule_names))
        .group_by(c.rule, c.source_id, c.target_form, c.target_id, c.field))
    totals: dict[ContributionKey, Decimal] = {}
    for rule, source_id, target_form, target_id, field, total in rows:
        amount = _decimal(total)
        if amount:
            totals[(rule, source_id, target_form, target_id, field)] = amount
    return totals


def record_movements(connection: Connection, movements: list[dict[str, Any]]) -> None:
    if movements:
        connection.execute(insert(effect_ledger), movements)


def target_movements(connection: Connection, app: str, targets: Iterable[tuple[str, int]],
                     limit: int = 500) -> list[dict[str, Any]]:
    """Movements of the given target rows, newest first."""
    c = effect_ledger.c
    conditions = [(c.target_form == form) & (c.target_id == target_id) for form, target_id in targets]
    if not conditions:
        return []
    rows = connection.execute(select(effect_ledger).where(c.app == app, or_(*conditions))
                              .order_by(c.id.desc()).limit(limit)).mappings()
    return [dict(row) for row in rows]


def target_totals(connection: Connection, app: str, target_form: str) -> dict[tuple[int, str], Decimal]:
    """Sum of all movements per (target id, field) of one target form."""
    c = effect_ledger.c
    rows = connection.execute(select(c.target_id, c.field, func.sum(c.delta))
                              .where(c.app == app, c.target_form == target_form)
                              .group_by(c.target_id, c.field))
    return {(target_id, field): _decimal(total) for target_id, field, total in rows}


def all_contributions(connection: Connection, app: str, rule: str) -> dict[ContributionKey, Decimal]:
    c = effect_ledger.c
    rows = connection.execute(
        select(c.rule, c.source_id, c.target_form, c.target_id, c.field, func.sum(c.delta))
        .where(c.app == app, c.rule == rule)
        .group_by(c.rule, c.source_id, c.target_form, c.target_id, c.field))
    return {(r, s, tf, t, f): _decimal(total) for r, s, tf, t, f, total in rows if _decimal(total)}


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    # SQLite sums REAL values: round back to the ledger's scale.
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-LEDGER_SCALE))
