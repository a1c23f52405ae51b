"""Database access: one SQLAlchemy engine per app, explicit transactions.

Every write goes through `Database.transaction()`. On SQLite the transaction
starts with BEGIN IMMEDIATE so two writers queue on the write lock up front
instead of failing half-way with "database is locked"; reads use a plain
(deferred) BEGIN so they never block writers.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "liandong_read_only"


class Database:
    def __init__(self, url: str, *, echo: bool = False):
        self.url = make_url(url)
        self.engine: Engine = _create_engine(url, echo=echo)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A read-write transaction: commits when the block ends, rolls back on error."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def schema_transaction(self) -> Iterator[Connection]:
        """A write transaction for schema changes (install, upgrade).

        SQLite rebuilds a table to alter it (copy, drop, rename); with foreign keys
        on, dropping the old copy would cascade-delete subform rows and trip
        RESTRICT links. So, as SQLite's documentation prescribes, foreign keys are
        off for the transaction (possible only before BEGIN) and checked as a
        whole before commit.
        """
        if not self.is_sqlite:
            with self.transaction() as connection:
                yield connection
            return
        with self.engine.connect() as connection:
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    yield connection
                    _check_foreign_keys(connection)
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work (no write lock on SQLite)."""
        with self.engine.connect() as connection:
            connection.execution_options(**{READ_ONLY: True})
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        self.engine.dispose()


class ForeignKeyViolation(Exception):
    """Rows left referencing missing rows at the end of a schema transaction."""


def _check_foreign_keys(connection: Connection) -> None:
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        table, rowid, parent, _fk = rows[0]
        raise ForeignKeyViolation(
            f"{len(rows)} rows reference missing rows (first: {table} row {rowid} "
            f"-> {parent})")


def _create_engine(url: str, *, echo: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, future=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, future=True,
                           connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Take transaction control away from the sqlite3 module so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    database = Database(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
    app.extensions["liandong.db"] = database


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["liandong.db"]
