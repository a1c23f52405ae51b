"""The designer's services: apps, drafts, validation, publish, history, rollback.

Every operation takes the Database and the acting user; views only translate
HTTP to these calls. Publishing goes through the one install/upgrade path
(engine/storage/install.py): the same validation, the same migration plan,
the same refusal of destructive steps unless confirmed, the same version
record and operation log. A draft that has errors can be saved, never
published.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, inspect, select

from engine.db import Database
from engine.definitions import validate_definition
from engine.definitions.errors import DefinitionError, errors_only
from engine.designer import drafts
from engine.designer.paths import PatchError, apply_patch
from engine.runtime.actor import Actor
from engine.storage.install import definition_checksum, load_installed_definition
from engine.storage.system import app_versions, apps, log_operation, user_roles, users

APP_NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


class DesignerError(Exception):
    """A designer request that cannot be done; `path` names the place."""

    def __init__(self, message: str, path: str = "$", errors: list | None = None):
        self.message, self.path = message, path
        self.errors = list(errors or [])
        super().__init__(message)


@dataclass
class AppSummary:
    name: str
    label: Any
    version_id: int | None          # the published version; None when never published or deleted
    status: str                     # active | deleted
    has_draft: bool
    draft_changed: bool             # the draft differs from the published version
    error_count: int
    updated_at: Any = None          # the draft's last save, and by whom
    author: str | None = None


@dataclass
class PlanStep:
    description: str
    kind: str
    destructive: bool
    blocked: str | None


@dataclass
class PublishPlan:
    app: str
    errors: list[DefinitionError]
    steps: list[PlanStep] = field(default_factory=list)
    status: str = "invalid"          # invalid | created | upgraded | unchanged | refused
    message: str | None = None

    @property
    def destructive(self) -> bool:
        return any(s.destructive for s in self.steps)

    @property
    def blocked(self) -> bool:
        return any(s.blocked for s in self.steps)

    @property
    def publishable(self) -> bool:
        return not self.errors and self.status in ("created", "upgraded") and not self.blocked


def problems_of(definition: Any) -> list[DefinitionError]:
    return validate_definition(definition)


def error_dicts(problems: list[DefinitionError]) -> list[dict[str, Any]]:
    return [{"path": p.path, "message": p.message, "hint": p.hint, "severity": p.severity}
            for p in problems]


# ------------------------------------------------------------------ the apps

def list_apps(database: Database) -> list[AppSummary]:
    with database.read() as connection:
        installed = {r.name: r for r in connection.execute(
            select(apps.c.name, apps.c.label, apps.c.current_version_id))}
        all_drafts = {d.app: d for d in drafts.list_drafts(connection)}
        current = {name: load_installed_definition(connection, name) for name in installed}
        authors = dict(connection.execute(select(users.c.id, users.c.username).where(
            users.c.id.in_({d.author_id for d in all_drafts.values() if d.author_id}))).all())
    summaries = []
    for name in sorted(set(installed) | set(all_drafts)):
        draft, row = all_drafts.get(name), installed.get(name)
        definition = draft.definition if draft else current.get(name) or {}
        changed = bool(draft) and (current.get(name) is None or
                                   definition_checksum(draft.definition) != definition_checksum(current[name]))
        summaries.append(AppSummary(
            name, definition.get("label") or (row.label if row else None) or name,
            row.current_version_id if row else None, draft.status if draft else drafts.ACTIVE,
            draft is not None, changed, len(errors_only(problems_of(definition))) if draft else 0,
            draft.updated_at if draft else None, authors.get(draft.author_id) if draft else None))
    return summaries


def new_definition(name: str, label_zh: str, label_en: str) -> dict:
    label = {k: v.strip() for k, v in (("en", label_en), ("zh", label_zh)) if v and v.strip()}
    definition: dict[str, Any] = {"app": name, "version": "0.1.0"}
    if label:
        definition["label"] = label
    definition["roles"] = []
    definition["forms"] = []
    return definition


def create_app(database: Database, name: str, label_zh: str, label_en: str, actor: Actor) -> None:
    name = (name or "").strip()
    if not APP_NAME.match(name):
        raise DesignerError("An app name is 1 to 20 lowercase letters, digits or _, "
                            "starting with a letter (it prefixes table names)", "app")
    with database.transaction() as connection:
        _refuse_taken(connection, name)
        drafts.save_draft(connection, name, new_definition(name, label_zh, label_en),
                          author_id=actor.user_id, keep_base=False)
        log_operation(connection, "designer.create", name, actor_id=actor.user_id)


def _refuse_taken(connection, name: str) -> None:
    if drafts.get_draft(connection, name) is not None or \
            connection.execute(select(apps.c.name).where(apps.c.name == name)).first():
        raise DesignerError(f"An app named {name!r} already exists", "app")


def import_app(database: Database, text: str, actor: Actor) -> str:
    """Import a definition (JSON text) as a new app's draft; refused with every
    error (and its path) when it is not a valid definition."""
    try:
        definition = json.loads(text)
    except ValueError as exc:
        raise DesignerError(f"Not JSON: line {getattr(exc, 'lineno', '?')}, column "
                            f"{getattr(exc, 'colno', '?')}: {getattr(exc, 'msg', exc)}") from None
    errors = errors_only(problems_of(definition))
    if errors:
        raise DesignerError(f"The definition has {len(errors)} error(s)", errors=errors)
    name = definition["app"]
    with database.transaction() as connection:
        _refuse_taken(connection, name)
        drafts.save_draft(connection, name, definition, author_id=actor.user_id, keep_base=False)
        log_operation(connection, "designer.import", name, actor_id=actor.user_id)
    return name


def export_definition(database: Database, app: str) -> dict:
    return load_draft(database, app).definition


# ------------------------------------------------------------------- drafts

def load_draft(database: Database, app: str, actor: Actor | None = None) -> drafts.Draft:
    """The app's draft; an installed app without one gets one from its current version."""
    with database.transaction() as connection:
        draft = drafts.get_draft(connection, app)
        if draft is not None:
            return draft
        row = connection.execute(select(apps.c.current_version_id).where(apps.c.name == app)).first()
        if row is None:
            raise DesignerError(f"No app named {app!r}")
        definition = load_installed_definition(connection, app)
        drafts.save_draft(connection, app, definition, author_id=actor.user_id if actor else None,
                          base_version_id=row.current_version_id, keep_base=False)
        return drafts.get_draft(connection, app)


def save_definition(database: Database, app: str, definition: Any, actor: Actor) -> list[DefinitionError]:
    """Store the whole definition as the draft (valid or not); return its problems."""
    if not isinstance(definition, dict):
        raise DesignerError("A definition is a JSON object")
    if definition.get("app") != app:
        raise DesignerError(f"The app's name cannot change (it is {app!r})", "app")
    load_draft(database, app, actor)
    with database.transaction() as connection:
        drafts.save_draft(connection, app, definition, author_id=actor.user_id)
    return problems_of(definition)


def patch_draft(database: Database, app: str, operations: list, actor: Actor
                ) -> tuple[dict, list[DefinitionError]]:
    """Apply a patch to the latest draft, read and written in one transaction with
    the draft's row locked, so two designers' patches never overwrite each other."""
    load_draft(database, app, actor)
    with database.transaction() as connection:
        draft = drafts.get_draft(connection, app, lock=True)
        try:
            definition = apply_patch(draft.definition, operations)
        except PatchError as exc:
            raise DesignerError(str(exc), exc.path) from None
        _retype_fields(draft.definition, definition, operations)
        drafts.save_draft(connection, app, definition, author_id=actor.user_id)
    return definition, problems_of(definition)


_FIELD_TYPE = re.compile(r"^(forms\[\d+\](?:\.fields\[\d+\])+)\.type$")


def _retype_fields(before: dict, definition: dict, operations: list) -> None:
    """A field whose type was just changed keeps only what its new type allows."""
    from engine.designer.items import retype
    from engine.designer.paths import get_at, parse_path
    forms = [f.get("name") for f in definition.get("forms") or [] if isinstance(f, dict)]
    for operation in operations:
        match = _FIELD_TYPE.match(str(operation.get("path", ""))) if operation.get("op") == "set" else None
        if not match:
            continue
        parts = parse_path(match.group(1))
        field = get_at(definition, parts)
        container = get_at(definition, parts[:-1])
        if get_at(before, parts + ["type"]) == operation.get("value"):
            continue                     # a page post repeats every type: only a change counts
        if isinstance(field, dict) and isinstance(container, list):
            container[parts[-1]] = retype(field, forms)


def discard_draft(database: Database, app: str, actor: Actor) -> None:
    """Throw the draft away: the next load starts again from the published version."""
    with database.transaction() as connection:
        if connection.execute(select(apps.c.name).where(apps.c.name == app)).first() is None:
            raise DesignerError("An app that was never published has nothing to go back to")
        drafts.delete_draft(connection, app)
        log_operation(connection, "designer.discard", app, actor_id=actor.user_id)


# ------------------------------------------------------------- delete, purge

def delete_app(database: Database, app: str, actor: Actor) -> None:
    """Unpublish: the app disappears from every screen and the API (its ld_apps
    row goes), its tables, data and versions stay until `purge_app`."""
    load_draft(database, app, actor)
    with database.transaction() as connection:
        connection.execute(delete(apps).where(apps.c.name == app))
        drafts.set_status(connection, app, drafts.DELETED)
        log_operation(connection, "designer.delete", app, actor_id=actor.user_id)


def restore_app(database: Database, app: str, actor: Actor) -> None:
    """Bring a deleted app back at its last published version."""
    with database.transaction() as connection:
        draft = drafts.get_draft(connection, app)
        if draft is None or draft.status != drafts.DELETED:
            raise DesignerError(f"{app!r} is not a deleted app")
        last = _last_version(connection, app)
        if last is not None:
            from engine.storage.types import utcnow
            connection.execute(apps.insert().values(
                name=app, label=last.definition.get("label"), current_version=last.version,
                current_version_id=last.id, installed_at=utcnow(), updated_at=utcnow()))
        drafts.set_status(connection, app, drafts.ACTIVE)
        log_operation(connection, "designer.restore", app, actor_id=actor.user_id)


def purge_app(database: Database, app: str, actor: Actor, confirm_name: str) -> list[str]:
    """Drop a deleted app's tables and data for good; `confirm_name` must repeat its name."""
    if confirm_name.strip() != app:
        raise DesignerError("Type the app's name to confirm the purge", "confirm")
    from sqlalchemy import MetaData
    from engine.definitions.model import compile_app
    from engine.storage.tables import build_app_tables
    with database.schema_transaction() as connection:
        draft = drafts.get_draft(connection, app)
        if draft is None or draft.status != drafts.DELETED:
            raise DesignerError("Only a deleted app can be purged: delete it first")
        dropped: list[str] = []
        versions = connection.execute(select(app_versions.c.definition).where(
            app_versions.c.app == app).order_by(app_versions.c.id.desc())).scalars().all()
        for version in versions:        # newest first; older ones only add forms removed since
            existing = set(inspect(connection).get_table_names())
            tables = build_app_tables(compile_app(version), MetaData())
            doomed = [t for t in tables.all() if t.name in existing]
            tables.metadata.drop_all(connection, tables=doomed)   # in dependency order
            dropped += [t.name for t in doomed]
        connection.execute(delete(app_versions).where(app_versions.c.app == app))
        connection.execute(delete(user_roles).where(user_roles.c.app == app))
        drafts.delete_draft(connection, app)
        log_operation(connection, "designer.purge", app, actor_id=actor.user_id,
                      details={"dropped": dropped})
    return dropped


def _last_version(connection, app: str):
    return connection.execute(select(app_versions).where(app_versions.c.app == app)
                              .order_by(app_versions.c.id.desc()).limit(1)).first()
