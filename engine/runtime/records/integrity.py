"""Referential and uniqueness rules, answered as clear errors instead of tracebacks.

The database enforces them too (FKs, UNIQUE); these checks run first so the
caller learns which field and which value, and the IntegrityError handlers
cover races that slip between check and write.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from engine.definitions.model import FormModel
from engine.runtime.errors import Conflict, Duplicate, ErrorCollector, ErrorDetail
from engine.runtime.expressions import EvaluationError
from engine.runtime.records.store import is_foreign_key_violation, is_unique_violation
from engine.runtime.records.values import json_value

REFERRER_SAMPLE = 5


def detail(path: str | None, message: str) -> ErrorDetail:
    return ErrorDetail(path, message)


def link_sources(form: FormModel, record: Mapping[str, Any]):
    """(fields, row) pairs: the record's own fields, then each subform row."""
    yield form.scalar_fields, record
    for sub in form.subforms:
        for row in record.get(sub.name) or ():
            yield sub.fields, row


def check_links(session, form: FormModel, record: Mapping[str, Any], errors: ErrorCollector) -> None:
    """Every link points at an existing record of its target form (422 otherwise)."""
    for field in form.scalar_fields:
        _check_link(session, field, record.get(field.name), field.name, errors)
    for sub in form.subforms:
        for index, row in enumerate(record.get(sub.name) or ()):
            for field in sub.fields:
                _check_link(session, field, row.get(field.name), f"{sub.name}[{index}].{field.name}", errors)
    _check_users(session, form, record, errors)


def _check_link(session, field, value, path: str, errors: ErrorCollector) -> None:
    if field.type == "link" and value is not None and session.load_linked(field.form, value) is None:
        errors.add(path, f"no {field.form} record with id {value}")


def _check_users(session, form, record, errors) -> None:
    from engine.storage.system import system_metadata
    users = system_metadata.tables["ld_users"]
    for field in form.scalar_fields:
        value = record.get(field.name)
        if field.type == "user" and value is not None:
            exists = session.connection.execute(select(users.c.id).where(users.c.id == value)).first()
            if exists is None:
                errors.add(field.name, f"no user with id {value}")


def unique_groups(form: FormModel, *, autonumbers: bool = False) -> list[tuple[str, ...]]:
    """The fields and field sets that must be unique (with `autonumbers`, also
    the numbers the engine assigns: unique in the database, never typed)."""
    singles = [(f.name,) for f in form.scalar_fields if f.unique or (autonumbers and f.type == "autonumber")]
    return singles + [tuple(group) for group in form.unique]


def check_unique(session, form: FormModel, record: Mapping[str, Any], record_id: int | None) -> None:
    """Unique fields and unique field sets: 409 `duplicate` naming the field(s) and value(s)."""
    table = session.store.tables.form(form.name)
    for group in unique_groups(form):
        values = [record.get(name) for name in group]
        if any(v is None for v in values):
            continue
        condition = and_(*(table.c[name] == value for name, value in zip(group, values)))
        if record_id is not None:
            condition = and_(condition, table.c.id != record_id)
        clash = session.connection.execute(select(table.c.id).where(condition).limit(1)).scalar()
        if clash is not None:
            raise duplicate(form, group, record)


def duplicate(form: FormModel, group: tuple[str, ...], record: Mapping[str, Any]) -> Duplicate:
    """The answer for a value another record already holds; the other record
    itself is not named (the caller may not be allowed to see it)."""
    values = [json_value(record.get(name)) for name in group]
    shown = ", ".join(f"{name}={value}" for name, value in zip(group, values))
    together = f" together with {', '.join(group)}" if len(group) > 1 else ""
    return Duplicate(f"A {form.name} record with {shown} already exists",
                     [ErrorDetail(name, f"{value} is already used by another {form.name} record{together}", value=value)
                      for name, value in zip(group, values)])


def raise_integrity_error(form: FormModel, error: IntegrityError, record: Mapping[str, Any]):
    """The database refused a write the checks let through (a concurrent write
    won the race): the same answers as the checks give."""
    if is_unique_violation(error):
        group = violated_group(form, error, record)
        if group is not None:
            raise duplicate(form, group, record) from None
        raise Duplicate(f"A {form.name} record with the same unique value already exists") from None
    if is_foreign_key_violation(error):
        raise Conflict(f"The {form.name} record refers to, or is referred to by, a missing record") from None
    raise Conflict(f"The database refused the {form.name} record") from None


SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
POSTGRES_KEY = re.compile(r"Key \((.+?)\)=")


def violated_group(form: FormModel, error: IntegrityError, record: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Which unique field set the database names (SQLite lists `table.column`s,
    PostgreSQL's detail says `Key (a, b)=(…)`); else the only set that has values."""
    columns: set[str] = set()
    sqlite = SQLITE_UNIQUE.search(str(error.orig))
    if sqlite:
        columns = {part.strip().rsplit(".", 1)[-1] for part in sqlite.group(1).split(",")}
    postgres = POSTGRES_KEY.search(getattr(getattr(error.orig, "diag", None), "message_detail", None) or "")
    if postgres:
        columns = {part.strip().strip('"') for part in postgres.group(1).split(",")}
    groups = unique_groups(form, autonumbers=True)
    named = [group for group in groups if set(group) == columns]
    if named:
        return named[0]
    filled = [group for group in groups if all(record.get(name) is not None for name in group)]
    return filled[0] if len(filled) == 1 else None


def referrers(session, form: FormModel, record_id: int) -> list[tuple[str, int]]:
    """(form, record id) of records whose links point at this record (a sample)."""
    found: list[tuple[str, int]] = []
    for other in session.model.forms.values():
        table = session.store.tables.form(other.name)
        for field in other.scalar_fields:
            if field.type == "link" and field.form == form.name:
                ids = session.connection.execute(
                    select(table.c.id).where(table.c[field.name] == record_id).limit(REFERRER_SAMPLE)).scalars()
                found.extend((other.name, i) for i in ids)
        for sub in other.subforms:
            sub_table = session.store.tables.subform(other.name, sub.name)
            for field in sub.fields:
                if field.type == "link" and field.form == form.name:
                    ids = session.connection.execute(
                        select(sub_table.c.parent_id).where(sub_table.c[field.name] == record_id)
                        .distinct().limit(REFERRER_SAMPLE)).scalars()
                    found.extend((other.name, i) for i in ids)
    return found


def refuse_if_referenced(session, form: FormModel, record_id: int) -> None:
    found = referrers(session, form, record_id)
    if found:
        listed = ", ".join(f"{name} {rid}" for name, rid in found)
        raise Conflict(f"Cannot delete {form.name} {record_id}: other records refer to it ({listed})",
                       [ErrorDetail(None, f"referenced by {name} {rid}") for name, rid in found])


def _criteria(session, form_name: str, criteria: Mapping[str, Any], function: str):
    table = session.store.tables.form(form_name)
    for name in criteria:
        if name not in table.c:
            raise EvaluationError(f"{function}(): no field {name!r} in form {form_name!r}")
    return table, and_(*(table.c[n] == (int(v) if isinstance(v, int) else v) for n, v in criteria.items()))


def count_of(session, form_name: str, criteria: Mapping[str, Any]) -> int:
    """`count_of('purchase_request', product=p, status='open')`."""
    if session.model.form(form_name) is None:
        raise EvaluationError(f"count_of(): no form {form_name!r}")
    table, condition = _criteria(session, form_name, criteria, "count_of")
    return session.connection.execute(select(func.count()).select_from(table).where(condition)).scalar_one()


def lookup(session, form_name: str, field_name: str, criteria: Mapping[str, Any]) -> Any:
    """`lookup('stock', 'on_hand', product=p, warehouse=w)`: one value or None."""
    form = session.model.form(form_name)
    if form is None or form.field(field_name) is None and field_name != "id":
        raise EvaluationError(f"lookup(): no field {field_name!r} in form {form_name!r}")
    table = session.store.tables.form(form_name)
    for name in criteria:
        if name not in table.c:
            raise EvaluationError(f"lookup(): no field {name!r} in form {form_name!r}")
    condition = and_(*(table.c[n] == (int(v) if isinstance(v, int) else v) for n, v in criteria.items()))
    rows = session.connection.execute(select(table.c[field_name]).where(condition).limit(2)).scalars().all()
    if len(rows) > 1:
        raise EvaluationError(f"lookup(): several {form_name} records match {dict(criteria)}")
    return rows[0] if rows else None
