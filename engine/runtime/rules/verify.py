"""`liandong verify`: rebuild every rule-adjusted field and compare.

Two independent checks per app:
1. ledger → targets: each adjusted field must equal its base (the field's
   default) plus the sum of its ledger movements;
2. sources → ledger: recomputing every source row's contribution from the
   current data must give what the ledger holds (catches contributions that
   went stale, e.g. a rule edited after records were posted).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator

from sqlalchemy import select

from engine.runtime import ledger
from engine.runtime.actor import SYSTEM, Cause
from engine.runtime.errors import ServiceError
from engine.runtime.rules import contributions


@dataclass(frozen=True)
class Mismatch:
    kind: str          # target | contribution
    where: str
    expected: Decimal
    actual: Decimal

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: expected {self.expected}, found {self.actual}"


def verify_app(session) -> list[Mismatch]:
    """Run inside a WriteSession that will be rolled back (lookups may not write)."""
    return [*_check_targets(session), *_check_sources(session)]


def _adjusted(session) -> dict[str, set[str]]:
    fields: dict[str, set[str]] = {}
    for rule in session.model.rules:
        if rule.is_contribution:
            fields.setdefault(rule.target, set()).update(rule.adjust)
    return fields


def _check_targets(session) -> Iterator[Mismatch]:
    for target, names in sorted(_adjusted(session).items()):
        form_name, _, sub_name = target.partition(".")
        form = session.model.form(form_name)
        table = (session.store.tables.subform(form_name, sub_name) if sub_name
                 else session.store.tables.form(form_name))
        fields = form.field(sub_name).fields if sub_name else form.fields
        bases = {f.name: Decimal(str(f.default or 0)) for f in fields if f.name in names}
        totals = ledger.target_totals(session.connection, session.model.name, target)
        for row in session.connection.execute(select(table.c.id, *(table.c[n] for n in sorted(names)))).mappings():
            for name in sorted(names):
                expected = bases[name] + totals.get((row["id"], name), Decimal(0))
                actual = Decimal(str(row[name] if row[name] is not None else 0))
                if expected != actual:
                    yield Mismatch("target", f"{target} {row['id']}.{name}", expected, actual)


def _check_sources(session) -> Iterator[Mismatch]:
    for rule in session.model.rules:
        if not rule.is_contribution:
            continue
        recorded = ledger.all_contributions(session.connection, session.model.name, rule.name)
        recomputed: dict = {}
        form = session.model.form(rule.source_form)
        table = session.store.tables.form(form.name)
        for record_id in session.connection.execute(select(table.c.id).order_by(table.c.id)).scalars():
            record = session.store.fetch(session.connection, form, record_id)
            try:
                recomputed.update(contributions.new_contributions(session, [rule], form, record))
            except ServiceError as error:
                yield Mismatch("contribution", f"rule {rule.name} on {form.name} {record_id}: {error}",
                               Decimal(0), Decimal(0))
        for key in sorted(set(recorded) | set(recomputed)):
            expected, actual = recomputed.get(key, Decimal(0)), recorded.get(key, Decimal(0))
            if expected != actual:
                _rule, source_id, target, target_id, field = key
                yield Mismatch("contribution", f"rule {rule.name}: {rule.source} {source_id} → "
                               f"{target} {target_id}.{field}", expected, actual)


def run(service, app_name: str) -> list[Mismatch]:
    """Verify one app in a transaction that is always rolled back."""
    found: list[Mismatch] = []

    class _Rollback(Exception):
        pass

    try:
        with service.unit_of_work(app_name, SYSTEM, Cause("system", "verify")) as session:
            found = verify_app(session)
            raise _Rollback
    except _Rollback:
        pass
    return found
