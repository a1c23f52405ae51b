"""ld_designer_drafts: one server-side draft per app being designed.

A draft is the definition the designer edits, saved on every change (whatever
its state: an invalid draft is kept, it just cannot be published), with its
author, the time, and the published version it started from. `status` says
whether the app is live or was deleted in the designer (its ld_apps row is
gone, so no screen serves it, but its tables and data stay until a purge).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Connection, DateTime, String, Table, delete, select, update

from engine.storage.system import system_metadata
from engine.storage.types import ID_TYPE, utcnow

ACTIVE, DELETED = "active", "deleted"

drafts_table = Table(
    "ld_designer_drafts", system_metadata,
    Column("app", String(20), primary_key=True),
    Column("definition", JSON, nullable=False),
    # No FKs: a draft outlives the user who wrote it and the versions it came from.
    Column("author_id", ID_TYPE, nullable=True),
    Column("base_version_id", ID_TYPE, nullable=True),
    Column("status", String(20), nullable=False, default=ACTIVE),
    Column("created_at", DateTime, nullable=False, default=utcnow),
    Column("updated_at", DateTime, nullable=False, default=utcnow),
)


@dataclass(frozen=True)
class Draft:
    app: str
    definition: dict
    author_id: int | None
    base_version_id: int | None
    status: str
    updated_at: datetime


def _plain(definition: Any) -> Any:
    return json.loads(json.dumps(definition, default=str))


def get_draft(connection: Connection, app: str, *, lock: bool = False) -> Draft | None:
    """The draft; `lock` holds its row until the transaction ends (PostgreSQL
    FOR UPDATE; SQLite writers are already serialised by BEGIN IMMEDIATE)."""
    query = select(drafts_table).where(drafts_table.c.app == app)
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        return None
    return Draft(row["app"], dict(row["definition"]), row["author_id"], row["base_version_id"],
                 row["status"], row["updated_at"])


def list_drafts(connection: Connection) -> list[Draft]:
    rows = connection.execute(select(drafts_table).order_by(drafts_table.c.app)).mappings()
    return [Draft(r["app"], dict(r["definition"]), r["author_id"], r["base_version_id"],
                  r["status"], r["updated_at"]) for r in rows]


def save_draft(connection: Connection, app: str, definition: dict, *, author_id: int | None,
               base_version_id: int | None = None, keep_base: bool = True) -> None:
    now = utcnow()
    values: dict[str, Any] = {"definition": _plain(definition), "author_id": author_id, "updated_at": now}
    if not keep_base:
        values["base_version_id"] = base_version_id
    changed = connection.execute(update(drafts_table).where(drafts_table.c.app == app).values(values))
    if changed.rowcount == 0:
        connection.execute(drafts_table.insert().values(
            app=app, status=ACTIVE, created_at=now, base_version_id=base_version_id,
            **{k: v for k, v in values.items() if k != "base_version_id"}))


def set_status(connection: Connection, app: str, status: str) -> None:
    connection.execute(update(drafts_table).where(drafts_table.c.app == app)
                       .values(status=status, updated_at=utcnow()))


def delete_draft(connection: Connection, app: str) -> None:
    connection.execute(delete(drafts_table).where(drafts_table.c.app == app))
