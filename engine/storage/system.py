"""System tables (`ld_*`): installed apps, their definition versions, identity, log.

A later subsystem adds its own tables by defining them on `system_metadata` in
its own module and listing that module in `TABLE_MODULES`, so `ensure_tables`
imports it before creating whatever is missing.

Today the system schema is created with `create_all(checkfirst=True)`: tables
are only ever added. Versioned engine migrations (changing an existing ld_*
table) come later; they will run from `ensure_tables` too.
"""
from __future__ import annotations

import importlib

from flask import Flask
from sqlalchemy import (JSON, Boolean, Column, Connection, DateTime, ForeignKey, Index,
                        String, Table, Text, UniqueConstraint, text)

from engine.storage.naming import new_metadata
from engine.storage.types import ID_TYPE, utcnow

system_metadata = new_metadata()

# Modules defining more ld_* tables on `system_metadata` (e.g. the change log).
TABLE_MODULES: list[str] = ["engine.runtime.audit", "engine.runtime.records.autonumber",
                             "engine.runtime.ledger", "engine.runtime.notifications",
                             "engine.runtime.outbox", "engine.runtime.webhooks.store",
                             "engine.runtime.rejections", "engine.runtime.analysis.anomalies_store",
                             "engine.runtime.jobs.store", "engine.designer.drafts",
                             "engine.runtime.sessions",
                             "engine.runtime.api.idempotency_store"]

# Arbitrary constant: the PostgreSQL advisory lock serialising schema creation
# when several workers start at once.
_SCHEMA_LOCK_ID = 7_310_452_001


def _id() -> Column:
    return Column("id", ID_TYPE, primary_key=True, autoincrement=True)


users = Table(
    "ld_users", system_metadata,
    _id(),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=True),
    Column("password_hash", String(255), nullable=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("language", String(10), nullable=True),
    Column("attributes", JSON, nullable=True),
    Column("created_at", DateTime, nullable=False, default=utcnow),
)

apps = Table(
    "ld_apps", system_metadata,
    Column("name", String(20), primary_key=True),
    Column("label", JSON, nullable=True),
    Column("current_version", String(50), nullable=False),
    # The version row is inserted before this one is upserted; a plain FK
    # (no cycle: ld_app_versions.app is deliberately not a foreign key).
    Column("current_version_id", ID_TYPE, ForeignKey("ld_app_versions.id"), nullable=False),
    Column("installed_at", DateTime, nullable=False, default=utcnow),
    Column("updated_at", DateTime, nullable=False, default=utcnow),
)

app_versions = Table(
    "ld_app_versions", system_metadata,
    _id(),
    Column("app", String(20), nullable=False, index=True),
    Column("version", String(50), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("definition", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False, default=utcnow),
    Column("created_by", ID_TYPE, ForeignKey("ld_users.id", ondelete="SET NULL"), nullable=True),
    Column("note", Text, nullable=True),
)

user_roles = Table(
    "ld_user_roles", system_metadata,
    _id(),
    Column("user_id", ID_TYPE, ForeignKey("ld_users.id", ondelete="CASCADE"), nullable=False),
    Column("app", String(20), nullable=False),
    Column("role", String(50), nullable=False),
    UniqueConstraint("user_id", "app", "role"),
)

api_tokens = Table(
    "ld_api_tokens", system_metadata,
    _id(),
    Column("user_id", ID_TYPE, ForeignKey("ld_users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("name", String(100), nullable=True),
    Column("created_at", DateTime, nullable=False, default=utcnow),
    Column("last_used_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
)

operation_log = Table(
    "ld_operation_log", system_metadata,
    _id(),
    Column("at", DateTime, nullable=False, default=utcnow),
    # No FK: log entries outlive the users they mention.
    Column("actor_id", ID_TYPE, nullable=True),
    Column("action", String(50), nullable=False),
    Column("target", String(200), nullable=True),
    Column("details", JSON, nullable=True),
    Column("address", String(64), nullable=True),
    Index(None, "at"),
)


def ensure_tables(connection: Connection) -> None:
    """Create the system tables that do not exist yet, inside the caller's transaction."""
    for module in TABLE_MODULES:
        importlib.import_module(module)
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SCHEMA_LOCK_ID})
    system_metadata.create_all(connection, checkfirst=True)


def log_operation(connection: Connection, action: str, target: str | None = None, *,
                  actor_id: int | None = None, details: dict | None = None,
                  address: str | None = None) -> None:
    connection.execute(operation_log.insert().values(
        at=utcnow(), actor_id=actor_id, action=action, target=target, details=details,
        address=address))


def init_app(app: Flask) -> None:
    from engine.db import get_db
    with get_db(app).transaction() as connection:
        ensure_tables(connection)
