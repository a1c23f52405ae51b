"""The installed apps of this process: compiled once per published version.

A request asks the registry for an app; the registry checks the app's current
version id (one indexed lookup) and compiles the definition only when it
changed, so every worker serves a newly published version from its next
request without a restart.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Connection

from engine.definitions.model import AppModel, FormModel, compile_app
from engine.runtime.errors import NotFound
from engine.runtime.records.store import RecordStore
from engine.runtime.rules import RuleEngine
from engine.storage.system import system_metadata
from engine.storage.tables import build_app_tables


@dataclass(frozen=True)
class LoadedApp:
    model: AppModel
    tables: object          # engine.storage.tables.AppTables
    store: RecordStore
    version_id: int
    rules: RuleEngine

    @property
    def name(self) -> str:
        return self.model.name

    def form(self, name: str) -> FormModel:
        form = self.model.form(name)
        if form is None:
            raise NotFound(f"No form {name!r} in app {self.model.name!r}")
        return form


class AppRegistry:
    def __init__(self):
        self._cache: dict[str, LoadedApp] = {}
        self._lock = threading.Lock()

    def get(self, connection: Connection, app_name: str) -> LoadedApp:
        apps = system_metadata.tables["ld_apps"]
        version_id = connection.execute(
            select(apps.c.current_version_id).where(apps.c.name == app_name)).scalar()
        if version_id is None:
            raise NotFound(f"No installed app {app_name!r}")
        cached = self._cache.get(app_name)
        if cached is not None and cached.version_id == version_id:
            return cached
        loaded = self._load(connection, version_id)
        with self._lock:
            self._cache[app_name] = loaded
        return loaded

    def names(self, connection: Connection) -> list[str]:
        apps = system_metadata.tables["ld_apps"]
        return list(connection.execute(select(apps.c.name).order_by(apps.c.name)).scalars())

    def _load(self, connection: Connection, version_id: int) -> LoadedApp:
        versions = system_metadata.tables["ld_app_versions"]
        definition = connection.execute(
            select(versions.c.definition).where(versions.c.id == version_id)).scalar_one()
        model = compile_app(definition)
        tables = build_app_tables(model, MetaData())
        return LoadedApp(model, tables, RecordStore(tables), version_id, RuleEngine(model))

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def init_app(app: Flask) -> None:
    app.extensions["liandong.registry"] = AppRegistry()


def get_registry(app: Flask | None = None) -> AppRegistry:
    return (app or current_app).extensions["liandong.registry"]
