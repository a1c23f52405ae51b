"""Reading and writing one record (its row and its subform rows) with SQLAlchemy Core.

No business rules here: the pipeline decides what to write, this module only
knows how records map to tables. Subform rows keep their order in `position`.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.definitions.model import FormModel
from engine.runtime.errors import Conflict

ROW_SYSTEM_KEYS = ("parent_id", "position")


class RecordStore:
    """Table access for one installed app (`tables` is its `AppTables`)."""

    def __init__(self, tables):
        self.tables = tables
        self._add_statements: dict[tuple, Any] = {}
        self._statements: dict[tuple, Any] = {}

    def _cached(self, key: tuple, build):
        """Statements built once per compiled app, with bound parameters: building
        a select and its cache key costs more than SQLite takes to run it."""
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build()
        return statement

    def add_to_record(self, connection: Connection, form_name: str, record_id: int,
                      deltas: Mapping[str, Any], actor_id: int | None, now) -> dict[str, Any]:
        """`UPDATE … SET f = f + :delta, version = version + 1 … RETURNING *`.

        Atomic (never read-modify-write). The statement is built once per
        (form, fields) with bound parameters, so SQLAlchemy compiles it once."""
        fields = tuple(sorted(deltas))
        statement = self._add_statements.get((form_name, fields))
        if statement is None:
            table = self.tables.form(form_name)
            values = {table.c[f]: table.c[f] + bindparam(f"delta_{f}", type_=table.c[f].type)
                      for f in fields}
            values.update({table.c.version: table.c.version + 1,
                           table.c.updated_at: bindparam("now", type_=table.c.updated_at.type),
                           table.c.updated_by: bindparam("actor", type_=table.c.updated_by.type)})
            statement = (update(table).where(table.c.id == bindparam("record_id"))
                         .values(values).returning(*table.c))
            self._add_statements[(form_name, fields)] = statement
        params = {"record_id": record_id, "now": now, "actor": actor_id,
                  **{f"delta_{f}": delta for f, delta in deltas.items()}}
        return dict(connection.execute(statement, params).mappings().one())

    # ------------------------------------------------------------------ reads
    def fetch(self, connection: Connection, form: FormModel, record_id: int,
              *, lock: bool = False) -> dict[str, Any] | None:
        table = self.tables.form(form.name)
        # SQLite already serialises writers with BEGIN IMMEDIATE.
        lock = lock and connection.dialect.name != "sqlite"

        def build():
            statement = select(table).where(table.c.id == bindparam("record_id"))
            return statement.with_for_update() if lock else statement
        statement = self._cached(("fetch", form.name, lock), build)
        row = connection.execute(statement, {"record_id": record_id}).mappings().first()
        if row is None:
            return None
        record = dict(row)
        for sub in form.subforms:
            record[sub.name] = self.fetch_rows(connection, form, sub.name, record_id)
        return record

    def fetch_scalar(self, connection: Connection, form: FormModel,
                     record_id: int) -> dict[str, Any] | None:
        """The record's own row, without subform rows (for link lookups)."""
        table = self.tables.form(form.name)
        statement = self._cached(("fetch_scalar", form.name), lambda: select(table).where(
            table.c.id == bindparam("record_id")))
        row = connection.execute(statement, {"record_id": record_id}).mappings().first()
        return dict(row) if row else None

    def fetch_many(self, connection: Connection, form: FormModel,
                   ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        table = self.tables.form(form.name)
        statement = self._cached(("fetch_many", form.name), lambda: select(table).where(
            table.c.id.in_(bindparam("ids", expanding=True))))
        rows = connection.execute(statement, {"ids": sorted(ids)}).mappings()
        return {row["id"]: dict(row) for row in rows}

    def fetch_rows(self, connection: Connection, form: FormModel, subform: str,
                   parent_id: int) -> list[dict[str, Any]]:
        table = self.tables.subform(form.name, subform)
        statement = self._cached(("fetch_rows", form.name, subform), lambda: select(table).where(
            table.c.parent_id == bindparam("parent_id")).order_by(table.c.position, table.c.id))
        rows = connection.execute(statement, {"parent_id": parent_id}).mappings()
        return [{k: v for k, v in row.items() if k not in ROW_SYSTEM_KEYS} for row in rows]

    def existing_ids(self, connection: Connection, form_name: str, ids: Iterable[int]) -> set[int]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        table = self.tables.form(form_name)
        found = connection.execute(select(table.c.id).where(table.c.id.in_(wanted))).scalars()
        return set(found)

    # ----------------------------------------------------------------- writes
    def insert(self, connection: Connection, form: FormModel, values: Mapping[str, Any],
               rows: Mapping[str, list[dict[str, Any]]]) -> int:
        table = self.tables.form(form.name)
        # Parameters apart from the statement: SQLAlchemy caches one compiled INSERT.
        record_id = connection.execute(insert(table), dict(values)).inserted_primary_key[0]
        for subform, sub_rows in rows.items():
            self._insert_rows(connection, form, subform, record_id, list(enumerate(sub_rows)))
        return record_id

    def update(self, connection: Connection, form: FormModel, record_id: int,
               expected_version: int, values: Mapping[str, Any]) -> None:
        table = self.tables.form(form.name)
        result = connection.execute(
            update(table).where(table.c.id == record_id, table.c.version == expected_version)
            .values(**values, version=table.c.version + 1))
        if result.rowcount != 1:
            raise Conflict("The record was changed by someone else; reload it and try again",
                           [])

    def sync_rows(self, connection: Connection, form: FormModel, subform: str, record_id: int,
                  old_rows: list[dict[str, Any]], new_rows: list[dict[str, Any]]) -> None:
        """Make the stored rows equal `new_rows`: update kept, insert new, delete dropped."""
        table = self.tables.subform(form.name, subform)
        kept = {row["id"] for row in new_rows if row.get("id")}
        dropped = [row["id"] for row in old_rows if row["id"] not in kept]
        if dropped:
            connection.execute(delete(table).where(table.c.id.in_(dropped)))
        old_by_id = {row["id"]: (position, row) for position, row in enumerate(old_rows)}
        fields = [c.name for c in table.columns if c.name not in ("id", *ROW_SYSTEM_KEYS)]
        changed, added = [], []
        for position, row in enumerate(new_rows):
            if not row.get("id"):
                added.append((position, row))
                continue
            old_position, old_row = old_by_id[row["id"]]
            if old_position != position or any(old_row.get(f) != row.get(f) for f in fields):
                changed.append({"_id": row["id"], "position": position,
                                **{f: row.get(f) for f in fields}})
        if changed:
            connection.execute(update(table).where(table.c.id == bindparam("_id"))
                               .values(position=bindparam("position"),
                                       **{f: bindparam(f) for f in fields}), changed)
        self._insert_rows(connection, form, subform, record_id, added)

    def _insert_rows(self, connection, form, subform, record_id, numbered_rows) -> None:
        if not numbered_rows:
            return
        table = self.tables.subform(form.name, subform)
        fields = [c.name for c in table.columns if c.name not in ("id", *ROW_SYSTEM_KEYS)]
        params = [{"parent_id": record_id, "position": position, **{f: row.get(f) for f in fields}}
                  for position, row in numbered_rows]
        result = connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), params)
        for (position, row), new_id in zip(numbered_rows, result.scalars()):
            row["id"] = new_id

    def delete(self, connection: Connection, form: FormModel, record_id: int) -> None:
        table = self.tables.form(form.name)
        for sub in form.subforms:
            sub_table = self.tables.subform(form.name, sub.name)
            connection.execute(delete(sub_table).where(sub_table.c.parent_id == record_id))
        connection.execute(delete(table).where(table.c.id == record_id))


def is_unique_violation(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "unique" in text or "duplicate key" in text


def is_foreign_key_violation(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "foreign key" in text
