"""Autonumber fields: `SO{YYYY}{MM}-{seq:4}` → SO202611-0001.

The counter lives in `ld_sequences`, one row per (app, form, field, period),
where the period is the pattern rendered without its sequence part, so a
pattern with {YYYY}{MM} restarts every month. The counter moves with one
atomic upsert, so concurrent writers never receive the same number.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from sqlalchemy import BigInteger, Column, String, Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from engine.storage.system import system_metadata

PLACEHOLDER = re.compile(r"\{(YYYY|YY|MM|DD|seq(?::(\d+))?)\}")

sequences = Table(
    "ld_sequences", system_metadata,
    Column("app", String(20), primary_key=True),
    Column("form", String(30), primary_key=True),
    Column("field", String(30), primary_key=True),
    Column("period", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)


def render(pattern: str, today: date, sequence: int | None) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token.startswith("seq"):
            if sequence is None:
                return "{seq}"
            width = int(match.group(2) or 1)
            return str(sequence).zfill(width)
        return {"YYYY": f"{today.year:04d}", "YY": f"{today.year % 100:02d}",
                "MM": f"{today.month:02d}", "DD": f"{today.day:02d}"}[token]
    return PLACEHOLDER.sub(replace, pattern)


@lru_cache(maxsize=4)
def _upsert(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE SET value = value + 1 RETURNING value, built
    once per dialect with bound parameters so SQLAlchemy compiles it once."""
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(sequences).values(
        app=bindparam("app"), form=bindparam("form"), field=bindparam("field"),
        period=bindparam("period"), value=1)
    return statement.on_conflict_do_update(
        index_elements=["app", "form", "field", "period"],
        set_={"value": sequences.c.value + 1}).returning(sequences.c.value)


def next_number(connection: Connection, app: str, form: str, field: str, pattern: str,
                today: date) -> str:
    period = render(pattern, today, None)
    value = connection.execute(_upsert(connection.dialect.name), {
        "app": app, "form": form, "field": field, "period": period}).scalar_one()
    return render(pattern, today, value)
