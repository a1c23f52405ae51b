"""Schema migration of an installed app: diff with Alembic, classify, apply.

`plan_migration` asks Alembic's autogenerate comparison what differs between the
tables the new definition wants and the live database, and turns every difference
into a `MigrationStep` a designer can read. Steps that can lose data are
`destructive` (applied only when the caller allows it); steps that cannot work on
the current data (a required column without a default on a table with rows) are
`blocked` with the reason, whatever the caller allows. `apply_plan` runs the steps
with Alembic operations, in batch mode so SQLite gets its copy-and-rename.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Column, Connection, inspect
from sqlalchemy.exc import SQLAlchemyError

from engine.definitions.model import AppModel
from engine.storage import changes
from engine.storage.changes import MigrationStep
from engine.storage.naming import app_table_prefix
from engine.storage.tables import AppTables, build_app_tables


class MigrationError(Exception):
    """A plan that cannot be applied (blocked steps, or the database refused)."""


class DestructiveChangeError(MigrationError):
    def __init__(self, steps: list["MigrationStep"]):
        self.steps = steps
        lines = "\n".join(f"  {s}" for s in steps)
        super().__init__("refusing destructive changes without --allow-destructive:\n" + lines)


@dataclass
class MigrationPlan:
    app: str
    steps: list[MigrationStep]
    tables: AppTables = field(compare=False, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.steps

    @property
    def destructive_steps(self) -> list[MigrationStep]:
        return [s for s in self.steps if s.destructive]

    @property
    def blocked_steps(self) -> list[MigrationStep]:
        return [s for s in self.steps if s.blocked]

    def __str__(self) -> str:
        if not self.steps:
            return "no schema changes"
        return "\n".join(str(s) for s in self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)


def create_plan(app_model: AppModel, tables: AppTables | None = None) -> MigrationPlan:
    """The plan of a fresh install: create every table of the app."""
    tables = tables or build_app_tables(app_model)
    steps = [MigrationStep("add_table", t.name, None,
                           f"create table {t.name} ({len(t.columns)} columns)", payload=t)
             for t in tables.all()]
    return MigrationPlan(app_model.name, steps, tables)


def plan_migration(connection: Connection, app_model: AppModel,
                   previous: AppModel | None = None) -> MigrationPlan:
    """Compare the app's desired tables with the live database.

    Only this app's tables are compared: those the new definition wants plus
    those of `previous` (the installed model, so removed forms are dropped).
    Without `previous`, every live table named `<app>__…` counts as the app's.
    """
    tables = build_app_tables(app_model)
    owned = set(tables.names)
    if previous is not None:
        owned |= build_app_tables(previous).names
    else:
        prefix = app_table_prefix(app_model.name)
        owned |= {n for n in inspect(connection).get_table_names() if n.startswith(prefix)}

    def include_name(name, type_, _parent):
        return type_ != "table" or name in owned

    def include_object(_obj, name, type_, _reflected, _compare_to):
        return type_ != "table" or name in owned

    # Alembic (and Mako under it) is imported when a schema is compared, not when
    # the module is: serving workers import the installer but never migrate,
    # and Alembic is ~30 MiB of a worker's resident memory.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    context = MigrationContext.configure(connection, opts={
        "include_name": include_name, "include_object": include_object,
        "compare_type": True, "compare_server_default": False})
    diffs = compare_metadata(context, tables.metadata)
    steps = changes.classify(connection, tables, _flatten(diffs))
    return MigrationPlan(app_model.name, steps, tables)


def _flatten(diffs: list) -> list[tuple]:
    # Column modifications come grouped in a list per column; the rest are tuples.
    flat = []
    for diff in diffs:
        flat.extend(diff if isinstance(diff, list) else [diff])
    return flat


# ------------------------------------------------------------------- applying

_ALTER_ORDER = ("drop_fk", "drop_index", "drop_unique", "drop_column", "add_column",
                "alter_type", "alter_nullable", "add_unique", "add_index", "add_fk")


def apply_plan(connection: Connection, plan: MigrationPlan, *,
               allow_destructive: bool = False) -> None:
    """Apply `plan` inside the caller's transaction (the caller rolls back on error)."""
    if plan.blocked_steps:
        lines = "\n".join(f"  {s}" for s in plan.blocked_steps)
        raise MigrationError("these changes cannot be applied to the current data:\n" + lines)
    if plan.destructive_steps and not allow_destructive:
        raise DestructiveChangeError(plan.destructive_steps)
    new_tables = [s.payload for s in plan.steps if s.kind == "add_table"]
    if new_tables:
        with _errors_as("creating tables"):
            plan.tables.metadata.create_all(connection, tables=new_tables, checkfirst=False)
    _alter_tables(connection, plan)
    _drop_tables(connection, [s for s in plan.steps if s.kind == "drop_table"])


def _alter_tables(connection: Connection, plan: MigrationPlan) -> None:
    by_table: dict[str, list[MigrationStep]] = defaultdict(list)
    for step in plan.steps:
        if step.kind in _ALTER_ORDER:
            by_table[step.table].append(step)
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    operations = Operations(MigrationContext.configure(connection))
    for table_name, steps in by_table.items():
        steps.sort(key=lambda s: _ALTER_ORDER.index(s.kind))
        # One batch per table: on SQLite at most one copy-and-rename of the
        # table; elsewhere plain ALTER statements.
        with _errors_as(f"altering table {table_name}"):
            with operations.batch_alter_table(table_name, recreate="auto") as batch:
                for step in steps:
                    _apply_step(connection, batch, plan.tables, step)


def _apply_step(connection: Connection, batch, tables: AppTables, step: MigrationStep) -> None:
    payload = step.payload
    if step.kind == "add_column":
        _add_column(batch, payload)
    elif step.kind == "drop_column":
        batch.drop_column(step.column)
    elif step.kind == "alter_type":
        _alter_type(connection, batch, step)
    elif step.kind == "alter_nullable":
        _alter_nullable(connection, batch, tables, step)
    elif step.kind in ("add_unique", "add_index"):
        names = [c.name for c in payload.columns]
        if step.kind == "add_unique":
            batch.create_unique_constraint(payload.name, names)
        else:
            batch.create_index(payload.name, names, unique=bool(payload.unique))
    elif step.kind == "add_fk":
        element = payload.elements[0]
        batch.create_foreign_key(
            payload.name, element.column.table.name, [c.name for c in payload.columns],
            [e.column.name for e in payload.elements], ondelete=payload.ondelete)
    elif step.kind == "drop_index":
        batch.drop_index(payload.name)
    elif step.kind in ("drop_unique", "drop_fk"):
        type_ = "unique" if step.kind == "drop_unique" else "foreignkey"
        batch.drop_constraint(payload.name, type_=type_)
    else:
        raise MigrationError(f"unknown migration step {step.kind!r}")


def _add_column(batch, column: Column) -> None:
    # A bare column: its FK, unique and index are steps of their own (Alembic
    # would otherwise add them twice).
    default = changes.server_default_for(column)
    if column.nullable or default is not None:
        batch.add_column(Column(column.name, column.type, nullable=column.nullable,
                                server_default=default))
        return
    # Required, no default, empty table (else the step is blocked): SQLite cannot
    # ADD a NOT NULL column without a default, so add it optional, then tighten.
    batch.add_column(Column(column.name, column.type, nullable=True))
    batch.alter_column(column.name, nullable=False, existing_type=column.type)


def _alter_type(connection: Connection, batch, step: MigrationStep) -> None:
    old_type, new_type, nullable = step.payload
    kwargs = {}
    if connection.dialect.name == "postgresql" and step.destructive:
        # PostgreSQL converts between type families only when told how.
        quoted = connection.dialect.identifier_preparer.quote(step.column)
        kwargs["postgresql_using"] = f"{quoted}::{new_type.compile(dialect=connection.dialect)}"
    batch.alter_column(step.column, type_=new_type, existing_type=old_type,
                       existing_nullable=nullable, **kwargs)


def _alter_nullable(connection: Connection, batch, tables: AppTables,
                    step: MigrationStep) -> None:
    column_type, nullable, fill = step.payload
    if fill is not None:
        table = tables.metadata.tables[step.table]
        column = table.c[step.column]
        connection.execute(table.update().where(column.is_(None)).values({column: fill}))
    batch.alter_column(step.column, nullable=nullable, existing_type=column_type)


def _drop_tables(connection: Connection, steps: list[MigrationStep]) -> None:
    if not steps:
        return
    quote = connection.dialect.identifier_preparer.quote
    with _errors_as("dropping tables"):
        if connection.dialect.name == "postgresql":
            # One statement drops tables that reference each other in any order.
            names = ", ".join(quote(s.table) for s in steps)
            connection.exec_driver_sql(f"DROP TABLE {names}")
        else:
            # SQLite: foreign keys are off during migrations (Database.schema_transaction).
            for step in steps:
                connection.exec_driver_sql(f"DROP TABLE {quote(step.table)}")


class _errors_as:
    """Turn a database error into a MigrationError naming what was being done."""

    def __init__(self, doing: str):
        self.doing = doing

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, _tb):
        if exc is not None and isinstance(exc, SQLAlchemyError):
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise MigrationError(f"{self.doing} failed: {reason}") from exc
        return False
