"""Restore a record to its state after a history entry, or undelete it.

Restore is a write like any other: it goes through the save pipeline (so rules
recompute, checks run and the change log records cause "restore"). Fields that
rules maintain are not restored directly: they follow from the restored
sources, which keeps the ledger invariant.
"""
from __future__ import annotations

from typing import Any, Mapping

from engine.runtime import audit
from engine.runtime.errors import NotFound
from engine.runtime.records.values import SYSTEM_KEYS


def restore(session, form_name: str, record_id: int, entry_id: int) -> dict[str, Any]:
    form = session.app.form(form_name)
    entry = audit.entry(session.connection, entry_id)
    if (entry is None or entry["app"] != session.model.name or entry["form"] != form_name
            or entry["record_id"] != record_id or entry["snapshot"] is None):
        raise NotFound(f"No history entry {entry_id} for {form_name} {record_id}")
    cause = session.cause.derive("restore", f"history entry {entry_id}")
    current = session.store.fetch(session.connection, form, record_id, lock=True)
    values = _restorable_values(session, form, entry["snapshot"], current)
    trusted = _trusted_fields(form)
    if current is None:
        return session.create(form_name, values, cause=cause, trusted=trusted, record_id=record_id)
    return session.update(form_name, record_id, values, cause=cause, trusted=trusted, action="restore")


def _trusted_fields(form) -> frozenset[str]:
    """Fields a restore may set although users may not: workflow state, autonumbers."""
    names = {f.name for f in form.scalar_fields if f.type == "autonumber"}
    if form.workflow:
        names.add(form.workflow.field)
    return frozenset(names)


def _restorable_values(session, form, snapshot: Mapping[str, Any],
                       current: Mapping[str, Any] | None) -> dict[str, Any]:
    skip = {f.name for f in form.fields if f.is_computed} | session.model.adjusted_fields(form.name)
    values: dict[str, Any] = {}
    for field in form.fields:
        if field.name in skip or field.name in SYSTEM_KEYS:
            continue
        if field.is_subform:
            values[field.name] = _restorable_rows(field, snapshot.get(field.name) or [], current)
        else:
            values[field.name] = snapshot.get(field.name)
    if form.workflow and form.workflow.field in snapshot:
        values[form.workflow.field] = snapshot[form.workflow.field]
    return values


def _restorable_rows(subform, rows, current) -> list[dict[str, Any]]:
    """Rows that still exist keep their id; rows deleted since come back as new rows."""
    existing = {row["id"] for row in (current or {}).get(subform.name) or []}
    restored = []
    for row in rows:
        values = {f.name: row.get(f.name) for f in subform.fields if not f.is_computed}
        if row.get("id") in existing:
            values["id"] = row["id"]
        restored.append(values)
    return restored
