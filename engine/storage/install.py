"""Install or upgrade an app atomically, and read back what is installed.

load → validate → compile → one schema transaction: create the tables (fresh
install) or plan and apply the migration (upgrade), record the definition
version, point ld_apps at it, log the operation. Any error rolls all of it back,
so a failed install leaves no table and no ld_apps row behind.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from engine.db import Database, ForeignKeyViolation
from engine.definitions.model import AppModel, compile_app, label_dict
from engine.storage.migrate import (MigrationError, MigrationPlan, apply_plan, create_plan,
                                    plan_migration)
from engine.storage.system import app_versions, apps, ensure_tables, log_operation
from engine.storage.types import utcnow

CREATED, UPGRADED, UNCHANGED = "created", "upgraded", "unchanged"


class InstallError(Exception):
    """The app could not be installed; nothing was changed.

    `errors` holds the DefinitionErrors of an invalid definition; `plan` the
    migration plan when the schema change was refused or failed.
    """

    def __init__(self, message: str, errors: list | None = None,
                 plan: MigrationPlan | None = None):
        self.message = message
        self.errors = list(errors or [])
        self.plan = plan
        super().__init__(message)

    def __str__(self) -> str:
        return "\n".join([self.message] + [str(e) for e in self.errors])


@dataclass
class InstallResult:
    app: str
    version: str
    status: str                          # created | upgraded | unchanged
    plan: MigrationPlan
    version_id: int | None
    dry_run: bool = False
    warnings: list = field(default_factory=list)


@dataclass(frozen=True)
class InstalledApp:
    name: str
    label: Mapping[str, str]
    version: str
    version_id: int
    checksum: str
    installed_at: datetime
    updated_at: datetime


class _DryRunDone(Exception):
    """Raised inside the transaction to roll a dry run back."""

    def __init__(self, result: InstallResult):
        self.result = result


def definition_checksum(definition: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys): the same definition, the same sum."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def install_app(database: Database, source: str | Path | Mapping[str, Any], *,
                dry_run: bool = False, allow_destructive: bool = False,
                actor_id: int | None = None, note: str | None = None) -> InstallResult:
    """Install `source` (a definition path or dict), or upgrade the installed app to it.

    A dry run does all the work, including the schema change, then rolls it
    back: the plan it returns is one the database accepted.
    """
    definition = _load(source)
    warnings = _validate(definition, source)
    model = compile_app(definition)
    checksum = definition_checksum(definition)
    try:
        with database.schema_transaction() as connection:
            result = _install(connection, model, definition, checksum,
                              allow_destructive=allow_destructive, actor_id=actor_id, note=note)
            result.warnings = warnings
            if dry_run and result.status != UNCHANGED:
                result.dry_run = True
                raise _DryRunDone(result)
            return result
    except _DryRunDone as done:
        return done.result
    except MigrationError as exc:
        raise InstallError(f"cannot install {model.name}: {exc}",
                           plan=getattr(exc, "plan", None)) from exc
    except (SQLAlchemyError, ForeignKeyViolation) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise InstallError(f"installing {model.name} failed: {reason}") from exc


def _install(connection: Connection, model: AppModel, definition: Mapping[str, Any],
             checksum: str, *, allow_destructive: bool, actor_id: int | None,
             note: str | None) -> InstallResult:
    ensure_tables(connection)
    current = _current_row(connection, model.name)
    if current is not None and current.checksum == checksum:
        plan = MigrationPlan(model.name, [], None)
        return InstallResult(model.name, model.version, UNCHANGED, plan, current.id)
    if current is None:
        plan, status = create_plan(model), CREATED
    else:
        previous = compile_app(current.definition)
        plan, status = plan_migration(connection, model, previous), UPGRADED
    try:
        apply_plan(connection, plan, allow_destructive=allow_destructive)
    except MigrationError as exc:
        exc.plan = plan
        raise
    version_id = _record_version(connection, model, definition, checksum, actor_id, note)
    log_operation(connection, f"app.{'install' if status == CREATED else 'upgrade'}",
                  model.name, actor_id=actor_id,
                  details={"version": model.version, "version_id": version_id,
                           "steps": [str(s) for s in plan.steps]})
    return InstallResult(model.name, model.version, status, plan, version_id)


def _record_version(connection: Connection, model: AppModel, definition: Mapping[str, Any],
                    checksum: str, actor_id: int | None, note: str | None) -> int:
    now = utcnow()
    version_id = connection.execute(app_versions.insert().values(
        app=model.name, version=model.version, checksum=checksum,
        definition=json.loads(json.dumps(definition, default=str)),
        created_at=now, created_by=actor_id, note=note,
    ).returning(app_versions.c.id)).scalar_one()
    values = {"label": dict(model.label), "current_version": model.version,
              "current_version_id": version_id, "updated_at": now}
    updated = connection.execute(apps.update().where(apps.c.name == model.name).values(values))
    if updated.rowcount == 0:
        connection.execute(apps.insert().values(name=model.name, installed_at=now, **values))
    return version_id


def _current_row(connection: Connection, app: str):
    query = (select(app_versions.c.id, app_versions.c.checksum, app_versions.c.definition)
             .join(apps, apps.c.current_version_id == app_versions.c.id)
             .where(apps.c.name == app))
    return connection.execute(query).first()


def _load(source: str | Path | Mapping[str, Any]) -> dict:
    if isinstance(source, Mapping):
        return dict(source)
    from engine.definitions import DefinitionLoadError, load_definition
    try:
        return load_definition(source)
    except DefinitionLoadError as exc:
        raise InstallError(str(exc)) from exc
    except OSError as exc:
        raise InstallError(f"{source}: cannot read the definition: {exc.strerror or exc}") from exc


def _validate(definition: dict, source: Any) -> list:
    """Refuse a definition with errors (all listed); return its warnings."""
    from engine.definitions import validate_definition
    problems = validate_definition(definition)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        name = definition.get("app") if isinstance(definition, dict) else None
        where = name or (source if not isinstance(source, Mapping) else "definition")
        raise InstallError(f"{where}: the definition has {len(errors)} error(s)", errors=errors)
    return [p for p in problems if p.severity != "error"]


# ------------------------------------------------------------- installed apps

def installed_apps(connection: Connection) -> list[InstalledApp]:
    query = (select(apps.c.name, apps.c.label, apps.c.current_version, apps.c.current_version_id,
                    app_versions.c.checksum, apps.c.installed_at, apps.c.updated_at)
             .join(app_versions, app_versions.c.id == apps.c.current_version_id)
             .order_by(apps.c.name))
    return [InstalledApp(r.name, label_dict(r.label, r.name), r.current_version,
                         r.current_version_id, r.checksum, r.installed_at, r.updated_at)
            for r in connection.execute(query)]


def load_installed_definition(connection: Connection, app: str) -> dict | None:
    """The current definition of an installed app, or None if it is not installed."""
    row = _current_row(connection, app)
    return dict(row.definition) if row is not None else None
