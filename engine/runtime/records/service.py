"""`RecordService`: the one door for reads and writes of records.

Each public call is one database transaction. Writes run in a `WriteSession`
(the save pipeline); on PostgreSQL a transaction that loses a deadlock or a
serialization race is retried a bounded number of times.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, TypeVar

from flask import Flask, current_app
from sqlalchemy.exc import DBAPIError

from engine.db import Database, get_db
from engine.runtime import audit, ledger, rejections, workflow
from engine.runtime.actor import SYSTEM, Actor, Cause, USER_ACTION
from engine.runtime.errors import NotFound
from engine.runtime.permissions import PermissionPolicy, RecordReader
from engine.runtime.records import queries
from engine.runtime.records.pipeline import WriteSession
from engine.runtime.records.preview import preview as preview_record
from engine.runtime.records.restore import restore as restore_record
from engine.runtime.records.values import json_value, record_to_json
from engine.runtime.registry import AppRegistry, get_registry

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRYABLE_SQLSTATES = {"40001", "40P01"}     # serialization failure, deadlock detected
MAX_ATTEMPTS = 4


class RecordService:
    def __init__(self, database: Database, registry: AppRegistry, *, policy=None):
        self.database = database
        self.registry = registry
        self.policy = policy

    # ----------------------------------------------------------- transactions
    @contextmanager
    def unit_of_work(self, app_name: str, actor: Actor, cause: Cause = USER_ACTION, *,
                     confirm: bool = False) -> Iterator[WriteSession]:
        """One transaction: everything written through the session commits together.
        A save refused by a form check is recorded after the rollback (rejections).
        `confirm`: the caller accepts every warning check of the transaction."""
        try:
            with self.database.transaction() as connection:
                loaded = self.registry.get(connection, app_name)
                session = WriteSession(connection, loaded, actor, cause, policy=self.policy,
                                       confirm=confirm)
                yield session
                session.finish()
        except rejections.CheckFailed as refused:
            rejections.record_after_rollback(self.database, refused, actor, cause)
            raise

    def run(self, app_name: str, actor: Actor, cause: Cause, work: Callable[[WriteSession], T], *,
            confirm: bool = False) -> T:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.unit_of_work(app_name, actor, cause, confirm=confirm) as session:
                    return work(session)
            except DBAPIError as error:
                if attempt == MAX_ATTEMPTS or _sqlstate(error) not in RETRYABLE_SQLSTATES:
                    raise
                log.warning("retrying transaction after %s (attempt %d)", _sqlstate(error), attempt)
                time.sleep(0.01 * 2 ** attempt)
        raise AssertionError("unreachable")

    # ----------------------------------------------------------------- writes
    # `confirm=True` accepts every warning check the write trips (else 422
    # confirmation_required and nothing is written); errors refuse regardless.
    def create(self, app: str, form: str, values: Mapping[str, Any], *, actor: Actor,
               cause: Cause = USER_ACTION, confirm: bool = False) -> dict[str, Any]:
        return self.run(app, actor, cause, lambda s: present(s, form, s.create(form, values)),
                        confirm=confirm)

    def update(self, app: str, form: str, record_id: int, values: Mapping[str, Any], *,
               actor: Actor, expected_version: int | None = None,
               cause: Cause = USER_ACTION, confirm: bool = False) -> dict[str, Any]:
        return self.run(app, actor, cause, lambda s: present(s, form, s.update(
            form, record_id, values, expected_version=expected_version)), confirm=confirm)

    def delete(self, app: str, form: str, record_id: int, *, actor: Actor,
               expected_version: int | None = None, cause: Cause = USER_ACTION,
               confirm: bool = False) -> None:
        self.run(app, actor, cause, lambda s: s.delete(form, record_id, expected_version=expected_version),
                 confirm=confirm)

    def restore(self, app: str, form: str, record_id: int, entry_id: int, *, actor: Actor,
                cause: Cause = USER_ACTION, confirm: bool = False) -> dict[str, Any]:
        return self.run(app, actor, cause, lambda s: present(
            s, form, restore_record(s, form, record_id, entry_id)), confirm=confirm)

    def transition(self, app: str, form: str, record_id: int, name: str,
                   values: Mapping[str, Any] | None = None, *, actor: Actor,
                   comment: str | None = None, cause: Cause = USER_ACTION,
                   confirm: bool = False) -> dict[str, Any]:
        """Take a workflow transition (with optional field values and a comment)."""
        return self.run(app, actor, cause, lambda s: present(
            s, form, s.transition(form, record_id, name, values, comment=comment)), confirm=confirm)

    def preview(self, app: str, form: str, values: Mapping[str, Any], *, actor: Actor,
                record_id: int | None = None) -> dict[str, Any]:
        """The record a save would compute (formulas, fill_from, defaults), unsaved."""
        return preview_record(self, app, form, values, actor=actor, record_id=record_id)

    # ------------------------------------------------------------------ reads
    def get(self, app: str, form: str, record_id: int, *, actor: Actor) -> dict[str, Any]:
        with self.database.read() as connection:
            loaded = self.registry.get(connection, app)
            form_model = loaded.form(form)
            self._reader(connection, loaded, form_model, actor).require_visible(record_id)
            record = loaded.store.fetch(connection, form_model, record_id)
            if record is None:
                raise NotFound(f"No {form} record with id {record_id}")
            return present(WriteSession(connection, loaded, actor, USER_ACTION, policy=self.policy),
                           form, record)

    def list(self, app: str, form: str, *, actor: Actor, filter: str | None = None,
             sort: str | None = None, limit: int = 50, after: str | None = None) -> queries.Page:
        # Under the statement time limit: API lists, list screens and exports read here.
        with self.database.read(time_limit=True) as connection:
            loaded = self.registry.get(connection, app)
            form_model = loaded.form(form)
            options = self._reader(connection, loaded, form_model, actor).list_options()
            query = queries.ListQuery(loaded, form_model, actor, **options)
            return query.page(connection, filter=filter, sort=sort, limit=limit, after=after)

    def ledger(self, app: str, form: str, record_id: int, *, actor: Actor,
               limit: int = 500) -> list[dict[str, Any]]:
        """Effect-ledger movements of a rule target (库存流水), newest first."""
        with self.database.read() as connection:
            loaded = self.registry.get(connection, app)
            reader = self._reader(connection, loaded, loaded.form(form), actor)
            reader.require_visible(record_id)
            targets = ledger_targets(loaded, connection, form, record_id)
            return reader.ledger([_movement_json(m)
                                  for m in ledger.target_movements(connection, app, targets, limit)])

    def history(self, app: str, form: str, record_id: int, *, actor: Actor) -> list[dict[str, Any]]:
        with self.database.read() as connection:
            loaded = self.registry.get(connection, app)
            reader = self._reader(connection, loaded, loaded.form(form), actor)
            reader.require_visible(record_id, allow_absent=True)
            entries = audit.history(connection, app, form, record_id)
            if not entries and loaded.store.fetch_scalar(connection, loaded.form(form), record_id) is None:
                raise NotFound(f"No {form} record with id {record_id}")
            return reader.history([_history_json(entry) for entry in entries])

    def _reader(self, connection, loaded, form_model, actor: Actor):
        """Read-side permissions (403/404, hidden fields); a service without a
        policy reads with system rights."""
        if self.policy is None:
            return RecordReader(connection, loaded, form_model, SYSTEM)
        return self.policy.reader(connection, loaded, form_model, actor)


def present(session: WriteSession, form: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as callers see it: JSON values, plus the transitions they may take."""
    shown = record_to_json(record)
    form_model = session.app.form(form)
    if form_model.workflow is not None:
        shown["available_transitions"] = workflow.available(session, form_model, record)
    if session.policy is not None:      # hidden fields never leave the service
        shown = session.policy.present(session, form_model, shown)
    return shown


def ledger_targets(loaded, connection, form: str, record_id: int) -> list[tuple[str, int]]:
    """The record itself and its subform rows: everything a rule may move."""
    form_model = loaded.form(form)
    targets = [(form, record_id)]
    for sub in form_model.subforms:
        rows = loaded.store.fetch_rows(connection, form_model, sub.name, record_id)
        targets.extend((f"{form}.{sub.name}", row["id"]) for row in rows)
    return targets


def _movement_json(move: Mapping[str, Any]) -> dict[str, Any]:
    source_form = move["source_form"].split(".", 1)[0]
    return {
        "id": move["id"], "at": audit_time(move["at"]), "rule": move["rule"],
        "field": move["field"], "delta": json_value(move["delta"]),
        "target": {"form": move["target_form"], "id": move["target_id"]},
        "source": {"form": source_form, "id": move["source_record_id"],
                   "row": move["source_form"], "row_id": move["source_id"]},
        "cause": {"kind": move["cause_kind"], "detail": move["cause_detail"]},
        "actor_id": move["actor_id"], "transaction": move["tx_id"],
    }


def _history_json(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": entry["id"], "at": audit_time(entry["at"]), "action": entry["action"],
        "actor": {"id": entry["actor_id"], "username": entry["actor_name"]},
        "cause": {"kind": entry["cause_kind"], "detail": entry["cause_detail"]},
        "transaction": entry["tx_id"], "changes": entry["changes"],
    }


def audit_time(value) -> str:
    return value.isoformat(timespec="milliseconds") + "Z"


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)


def init_app(app: Flask) -> None:
    app.extensions["liandong.records"] = RecordService(get_db(app), get_registry(app),
                                                       policy=PermissionPolicy())


def get_record_service(app: Flask | None = None) -> RecordService:
    return (app or current_app).extensions["liandong.records"]
