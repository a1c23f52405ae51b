"""Database access: one SQLAlchemy engine per app, explicit transactions.

Every write goes through `Database.transaction()`. On SQLite the transaction
starts with BEGIN IMMEDIATE so two writers queue on the write lock up front
instead of failing half-way with "database is locked"; reads use a plain
(deferred) BEGIN so they never block writers.

Reads whose queries a user shapes (list, report and export pages: filters,
sorts) run under a statement time limit, `read(time_limit=True)`: each
statement gets `query_timeout` seconds, by PostgreSQL's `statement_timeout` or,
on SQLite, a progress handler that interrupts a statement past its deadline.
Either answers QueryTimeout (400).
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from engine.runtime.errors import QueryTimeout

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "liandong_read_only"
DEFAULT_QUERY_TIMEOUT_SECONDS = 5.0
# SQLite calls the progress handler every this many virtual-machine steps: often
# enough to stop within milliseconds, rarely enough to cost nothing measurable.
PROGRESS_STEPS = 10_000
_PG_QUERY_CANCELED = "57014"
_DEADLINE = "liandong_statement_deadline"    # key in the SQLite DBAPI connection's info


class Database:
    def __init__(self, url: str, *, echo: bool = False,
                 query_timeout: float | None = DEFAULT_QUERY_TIMEOUT_SECONDS):
        self.url = make_url(url)
        self.engine: Engine = _create_engine(url, echo=echo)
        self.query_timeout = query_timeout or None      # seconds; None (or 0): no limit

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
    def read(self, *, time_limit: bool = False) -> Iterator[Connection]:
        """A read-only unit of work (no write lock on SQLite). `time_limit`: each
        of its statements is cut after `query_timeout` seconds with QueryTimeout."""
        seconds = self.query_timeout if time_limit else None
        with self.engine.connect() as connection:
            connection.execution_options(**{READ_ONLY: True})
            with connection.begin():
                if not seconds:
                    yield connection
                    return
                try:
                    with _statement_deadline(connection, seconds):
                        yield connection
                except OperationalError as error:
                    if _timed_out(error):
                        raise QueryTimeout(
                            f"The query took longer than {seconds:g} seconds and was stopped; "
                            "narrow the filter or ask for fewer rows", seconds=seconds) from None
                    raise

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _statement_deadline(connection: Connection, seconds: float) -> Iterator[None]:
    """Inside the read's transaction, so BEGIN runs before and ROLLBACK after it."""
    if connection.dialect.name != "sqlite":
        # SET LOCAL: ends with this transaction; the pooled connection keeps no trace.
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(int(seconds * 1000), 1)}")
        yield
        return
    deadline = _Deadline(seconds)
    raw = connection.connection.driver_connection
    info = connection.connection.info
    info[_DEADLINE] = deadline         # restarted by each statement (_configure_sqlite)
    # A true answer makes SQLite abort the running statement ("interrupted").
    raw.set_progress_handler(deadline.passed, PROGRESS_STEPS)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)
        info.pop(_DEADLINE, None)


class _Deadline:
    __slots__ = ("seconds", "at")

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.start()

    def start(self) -> None:
        self.at = time.monotonic() + self.seconds

    def passed(self) -> bool:
        return time.monotonic() > self.at


def _timed_out(error: OperationalError) -> bool:
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return str(original) == "interrupted"
    return getattr(original, "sqlstate", None) == _PG_QUERY_CANCELED


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

    @event.listens_for(engine, "before_cursor_execute")
    def on_statement(connection, _cursor, _statement, _parameters, _context, _many):
        deadline = connection.connection.info.get(_DEADLINE)
        if deadline is not None:
            deadline.start()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    database = Database(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False),
                        query_timeout=app.config.get("QUERY_TIMEOUT_SECONDS", DEFAULT_QUERY_TIMEOUT_SECONDS))
    app.extensions["liandong.db"] = database


def get_db(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["liandong.db"]
