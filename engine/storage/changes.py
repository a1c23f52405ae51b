"""Classify Alembic's schema differences into readable, safe-or-not migration steps.

Additive: new tables, columns, indexes, uniques, foreign keys, widened types,
relaxed NOT NULL. Destructive (need explicit permission): dropped tables and
columns, narrowed or changed types, NOT NULL filled in with the default. Blocked
(impossible on the current data): required columns without a default on tables
with rows, uniques the existing rows already violate.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, column, func, inspect, select, table
from sqlalchemy import types as sqltypes

if TYPE_CHECKING:
    from engine.storage.tables import AppTables


@dataclass(frozen=True)
class MigrationStep:
    kind: str                      # add_table, drop_table, add_column, alter_type, ...
    table: str
    column: str | None
    description: str
    destructive: bool = False
    blocked: str | None = None     # why it cannot be applied to the current data
    payload: Any = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        if self.blocked:
            return f"! {self.description}: {self.blocked}"
        if self.destructive:
            return f"- {self.description} (destructive)"
        return f"+ {self.description}"


def classify(connection: Connection, tables: "AppTables",
             diffs: list[tuple]) -> list[MigrationStep]:
    classifier = _Classifier(connection, tables)
    steps = [step for diff in diffs for step in classifier.steps_for(diff)]
    # Alembic lists the indexes and constraints of created and dropped tables
    # separately; they come and go with their tables.
    whole = {s.table for s in steps if s.kind in ("add_table", "drop_table")}
    steps = [s for s in steps if s.table not in whole or s.kind in ("add_table", "drop_table")]
    # Readable order: new tables, changes to existing tables, dropped tables.
    rank = {"add_table": 0, "drop_table": 2}
    return sorted(steps, key=lambda s: rank.get(s.kind, 1))


def server_default_for(col: Column) -> str | None:
    """The SQL default that fills existing rows when a required column is added."""
    value = col.info.get("default")
    if col.nullable or value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"     # PostgreSQL reads '1'/'0' as booleans too
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Classifier:
    def __init__(self, connection: Connection, tables: "AppTables"):
        self.connection = connection
        self.tables = tables
        self.inspector = inspect(connection)

    def steps_for(self, diff: tuple) -> list:
        handler = getattr(self, "_" + diff[0], None)
        return handler(*diff[1:]) if handler else []   # comments, server defaults: ignored

    # ---------------------------------------------------------------- tables
    def _add_table(self, tbl) -> list:
        # Alembic hands over a copy without indexes; create the real table.
        real = self.tables.metadata.tables[tbl.name]
        return [_step("add_table", tbl.name, None,
                      f"create table {tbl.name} ({len(real.columns)} columns)", payload=real)]

    def _remove_table(self, tbl) -> list:
        rows = self._count(tbl.name)
        return [_step("drop_table", tbl.name, None, f"DROP table {tbl.name} ({rows} rows)",
                      destructive=True)]

    # --------------------------------------------------------------- columns
    def _add_column(self, _schema, tname, col) -> list:
        description = f"add column {tname}.{col.name} {self._sql(col.type)}"
        blocked = None
        if not col.nullable:
            description += " NOT NULL"
            default = server_default_for(col)
            rows = self._count(tname)
            if default is not None:
                description += f" (existing rows get {col.info['default']!r})"
            elif rows:
                blocked = (f"{rows} existing rows would have no value; give the field a "
                           "default or add it as optional first")
        return [_step("add_column", tname, col.name, description, blocked=blocked, payload=col)]

    def _remove_column(self, _schema, tname, col) -> list:
        values = self._count(tname, where=column(col.name).isnot(None))
        return [_step("drop_column", tname, col.name,
                      f"DROP column {tname}.{col.name} ({values} values)", destructive=True)]

    def _modify_type(self, _schema, tname, cname, existing, old_type, new_type) -> list:
        change = type_change(old_type, new_type)
        verb = {"widen": "widen", "narrow": "NARROW", "convert": "CONVERT"}[change]
        description = (f"{verb} column {tname}.{cname} "
                       f"{self._sql(old_type)} -> {self._sql(new_type)}")
        return [_step("alter_type", tname, cname, description, destructive=change != "widen",
                      payload=(old_type, new_type, existing.get("existing_nullable", True)))]

    def _modify_nullable(self, _schema, tname, cname, existing, _old, nullable) -> list:
        col_type = existing.get("existing_type")
        if nullable:
            return [_step("alter_nullable", tname, cname, f"make column {tname}.{cname} optional",
                          payload=(col_type, True, None))]
        description = f"make column {tname}.{cname} NOT NULL"
        empty = self._count(tname, where=column(cname).is_(None))
        if not empty:
            return [_step("alter_nullable", tname, cname, description,
                          payload=(col_type, False, None))]
        default = self.tables.metadata.tables[tname].c[cname].info.get("default")
        if default is None:
            return [_step("alter_nullable", tname, cname, description, payload=None,
                          blocked=f"{empty} rows have no value and the field has no default")]
        return [_step("alter_nullable", tname, cname,
                      f"{description}, filling {empty} empty values with {default!r}",
                      destructive=True, payload=(col_type, False, default))]

    # ------------------------------------------------- indexes and constraints
    def _add_index(self, index) -> list:
        kind = "unique index" if index.unique else "index"
        names = [c.name for c in index.columns]
        return [_step("add_index", index.table.name, None,
                      f"add {kind} {index.name} on {index.table.name} ({', '.join(names)})",
                      blocked=self._duplicates(index.table.name, names) if index.unique else None,
                      payload=index)]

    def _remove_index(self, index) -> list:
        return [_step("drop_index", index.table.name, None,
                      f"drop index {index.name} on {index.table.name}", payload=index)]

    def _add_constraint(self, constraint) -> list:
        names = [c.name for c in constraint.columns]
        tname = constraint.table.name
        return [_step("add_unique", tname, None,
                      f"add unique {constraint.name} on {tname} ({', '.join(names)})",
                      blocked=self._duplicates(tname, names), payload=constraint)]

    def _remove_constraint(self, constraint) -> list:
        tname = constraint.table.name
        return [_step("drop_unique", tname, None,
                      f"drop unique {constraint.name} on {tname}", payload=constraint)]

    def _add_fk(self, fk) -> list:
        local = ", ".join(c.name for c in fk.columns)
        target = fk.elements[0].target_fullname
        return [_step("add_fk", fk.table.name, None,
                      f"add foreign key {fk.table.name}({local}) -> {target}", payload=fk)]

    def _remove_fk(self, fk) -> list:
        return [_step("drop_fk", fk.table.name, None,
                      f"drop foreign key {fk.name} on {fk.table.name}", payload=fk)]

    # --------------------------------------------------------------- helpers
    def _count(self, tname: str, where=None) -> int:
        query = select(func.count()).select_from(table(tname))
        if where is not None:
            query = query.where(where)
        return int(self.connection.execute(query).scalar_one())

    def _duplicates(self, tname: str, names: list[str]) -> str | None:
        live = {c["name"] for c in self.inspector.get_columns(tname)}
        if not set(names) <= live:
            return None            # a new column: only NULLs so far, which never collide
        cols = [column(n) for n in names]
        query = (select(*cols, func.count()).select_from(table(tname, *cols))
                 .where(*[c.isnot(None) for c in cols])
                 .group_by(*cols).having(func.count() > 1).limit(1))
        row = self.connection.execute(query).first()
        if row is None:
            return None
        values = ", ".join(repr(v) for v in row[:-1])
        return f"{row[-1]} existing rows share the value {values}"

    def _sql(self, type_) -> str:
        try:
            return type_.compile(dialect=self.connection.dialect)
        except Exception:          # a type this dialect cannot render: show its name
            return repr(type_)


def _step(kind, tname, cname, description, *, destructive=False, blocked=None, payload=None):
    return MigrationStep(kind, tname, cname, description, destructive, blocked, payload)


# ------------------------------------------------------------ type changes

def type_change(old: Any, new: Any) -> str:
    """'widen' (no value can be lost), 'narrow' (same kind, smaller) or 'convert'."""
    old, new = _base(old), _base(new)
    if isinstance(old, sqltypes.String) and isinstance(new, sqltypes.String):
        if new.length is None or (old.length is not None and new.length >= old.length):
            return "widen"
        return "narrow"
    if isinstance(old, sqltypes.Integer) and isinstance(new, sqltypes.Integer):
        return "widen" if _int_rank(new) >= _int_rank(old) else "narrow"
    if _is_decimal(old) and _is_decimal(new):
        return "widen" if _numeric_fits(old, new) else "narrow"
    if old._type_affinity is new._type_affinity:
        return "widen"
    return "convert"


def _base(type_: Any) -> Any:
    return type_.impl_instance if isinstance(type_, sqltypes.TypeDecorator) else type_


def _is_decimal(type_: Any) -> bool:
    return isinstance(type_, sqltypes.Numeric) and not isinstance(type_, sqltypes.Float)


def _int_rank(type_: Any) -> int:
    if isinstance(type_, sqltypes.BigInteger):
        return 3
    return 1 if isinstance(type_, sqltypes.SmallInteger) else 2


def _numeric_fits(old: sqltypes.Numeric, new: sqltypes.Numeric) -> bool:
    if new.precision is None:
        return True
    if old.precision is None:
        return False
    old_scale, new_scale = old.scale or 0, new.scale or 0
    return new_scale >= old_scale and new.precision - new_scale >= old.precision - old_scale
