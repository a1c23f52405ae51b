"""Publish a draft (or an old version: a rollback) through the install path.

`plan_publish` runs the install as a dry run (engine/storage/install.py rolls
it back), so the plan shown is one the database accepted: tables and columns
added or changed, destructive steps flagged, blocked ones with their reason.
`publish` runs it for real; destructive steps need `confirm_destructive`.
Other workers see the new version on their next request: the registry compares
ld_apps.current_version_id on every request (engine/runtime/registry.py).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.db import Database
from engine.definitions.errors import errors_only
from engine.designer import drafts
from engine.designer.service import (DesignerError, PlanStep, PublishPlan, load_draft, problems_of)
from engine.runtime.actor import Actor
from engine.storage.install import (InstallError, definition_checksum, install_app,
                                    load_installed_definition)
from engine.storage.system import app_versions, apps, log_operation, users

_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


@dataclass
class VersionRow:
    id: int
    version: str
    created_at: Any
    created_by: int | None
    note: str | None
    current: bool
    publisher: str | None = None


def next_version(definition: dict, installed: dict | None) -> dict:
    """The definition to publish: its `version` bumped when it still says the
    installed version, so every published version has its own number."""
    result = copy.deepcopy(definition)
    if installed is None:
        result.setdefault("version", "0.1.0")
        return result
    if definition_checksum(definition) == definition_checksum(installed):
        return result                       # nothing to publish: install says "unchanged"
    if result.get("version", "1.0.0") == installed.get("version"):
        current = str(installed.get("version") or "0.1.0")
        result["version"] = _LAST_NUMBER.sub(lambda m: str(int(m.group(1)) + 1), current, count=1) \
            if _LAST_NUMBER.search(current) else current + ".1"
    return result


def _installed(database: Database, app: str) -> dict | None:
    with database.read() as connection:
        return load_installed_definition(connection, app)


def _steps(plan) -> list[PlanStep]:
    return [PlanStep(s.description, s.kind, s.destructive, s.blocked) for s in (plan or [])]


def plan_publish(database: Database, app: str, definition: dict | None = None) -> PublishPlan:
    """What publishing would do, computed by a dry run of the install."""
    if definition is None:
        definition = load_draft(database, app).definition
    errors = errors_only(problems_of(definition))
    if errors:
        return PublishPlan(app, errors)
    candidate = next_version(definition, _installed(database, app))
    try:
        result = install_app(database, candidate, dry_run=True, allow_destructive=True)
    except InstallError as exc:
        return PublishPlan(app, list(exc.errors), _steps(exc.plan), "refused", exc.message)
    return PublishPlan(app, [], _steps(result.plan), result.status)


def publish(database: Database, app: str, actor: Actor, *, confirm_destructive: bool = False,
            definition: dict | None = None, rollback_of: int | None = None) -> PublishPlan:
    """Publish the draft (or `definition`); the draft then follows the published
    version. Raises DesignerError (nothing changed) when invalid or refused."""
    draft = load_draft(database, app, actor)
    if draft.status == drafts.DELETED:
        raise DesignerError("This app was deleted; restore it before publishing")
    source = definition if definition is not None else draft.definition
    errors = errors_only(problems_of(source))
    if errors:
        raise DesignerError(f"The definition has {len(errors)} error(s); fix them first", errors=errors)
    candidate = next_version(source, _installed(database, app))
    note = f"rollback to version #{rollback_of}" if rollback_of else "published in the designer"
    try:
        result = install_app(database, candidate, allow_destructive=confirm_destructive,
                             actor_id=actor.user_id, note=note)
    except InstallError as exc:
        plan = PublishPlan(app, list(exc.errors), _steps(exc.plan), "refused", exc.message)
        raise DesignerError(_refusal(plan, exc.message), errors=exc.errors) from None
    with database.transaction() as connection:
        drafts.save_draft(connection, app, candidate, author_id=actor.user_id,
                          base_version_id=result.version_id, keep_base=False)
        log_operation(connection, "designer.rollback" if rollback_of else "designer.publish", app,
                      actor_id=actor.user_id,
                      details={"version": result.version, "version_id": result.version_id,
                               "status": result.status, "rollback_of": rollback_of,
                               "steps": [str(s) for s in result.plan.steps]})
    return PublishPlan(app, [], _steps(result.plan), result.status)


def _refusal(plan: PublishPlan, message: str) -> str:
    if plan.blocked:
        return "Some changes cannot be applied to the data that exists now (see the plan)"
    if plan.destructive:
        return "This publish removes or changes stored data: confirm the destructive steps to go on"
    return message


# ------------------------------------------------------------------ history

def versions(database: Database, app: str) -> list[VersionRow]:
    with database.read() as connection:
        current = connection.execute(select(apps.c.current_version_id)
                                     .where(apps.c.name == app)).scalar()
        rows = connection.execute(select(app_versions.c.id, app_versions.c.version,
                                         app_versions.c.created_at, app_versions.c.created_by,
                                         app_versions.c.note, users.c.username)
                                  .outerjoin(users, users.c.id == app_versions.c.created_by)
                                  .where(app_versions.c.app == app).order_by(app_versions.c.id.desc()))
        return [VersionRow(r.id, r.version, r.created_at, r.created_by, r.note, r.id == current, r.username)
                for r in rows]


def version_definition(database: Database, app: str, version_id: int) -> dict:
    with database.read() as connection:
        definition = connection.execute(select(app_versions.c.definition).where(
            app_versions.c.app == app, app_versions.c.id == version_id)).scalar()
    if definition is None:
        raise DesignerError(f"No version #{version_id} of {app!r}")
    return dict(definition)


def rollback(database: Database, app: str, version_id: int, actor: Actor, *,
             confirm_destructive: bool = False) -> PublishPlan:
    """Publish an old version again, with every check a publish has."""
    old = version_definition(database, app, version_id)
    installed = _installed(database, app)
    if installed is not None and definition_checksum(old) != definition_checksum(installed):
        old["version"] = installed.get("version", old.get("version"))   # numbered after the current one
    return publish(database, app, actor, confirm_destructive=confirm_destructive,
                   definition=old, rollback_of=version_id)


def same_as_published(database: Database, app: str, definition: dict) -> bool:
    installed = _installed(database, app)
    return installed is not None and definition_checksum(installed) == definition_checksum(definition)
