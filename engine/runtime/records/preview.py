"""Preview a save without writing it: what the form would hold after the
pipeline's computing steps (parse → merge → defaults → fill_from → compute).

Screens post the form being edited here on every change, so totals, formulas
and `fill_from` values shown live are computed by the very code that saves
them (one source of truth for formula semantics, no JavaScript copy). The steps
run inside a transaction that is always rolled back, and autonumbers are not
drawn, so a preview never consumes a number nor changes a row.
"""
from __future__ import annotations

from typing import Any, Mapping

from engine.db import READ_ONLY
from engine.runtime.actor import USER_ACTION, Actor, Cause
from engine.runtime.records.pipeline import WriteSession
from engine.runtime.records.state import SaveState
from engine.runtime.records.values import record_to_json

PREVIEW_STEPS = ("load", "authorize", "parse", "merge", "defaults", "fill_from", "compute")


class PreviewSession(WriteSession):
    """A write session that stops before validation and never writes."""

    def _assign_autonumbers(self, state: SaveState) -> None:
        # Drawing a number increments a counter row: a preview must not.
        return None


def preview(service, app: str, form: str, values: Mapping[str, Any], *, actor: Actor,
            record_id: int | None = None, cause: Cause = USER_ACTION) -> dict[str, Any]:
    """{"record": the computed record as JSON, "errors": formula errors as details}.

    Errors of the parse step (wrong types, unknown or read-only fields) raise the
    same ServiceError the save would raise, so a caller maps them to fields alike.
    """
    engine = service.database.engine
    with engine.connect() as connection:
        # Deferred BEGIN on SQLite: the preview reads, it must not queue for the write lock.
        connection.execution_options(**{READ_ONLY: True})
        transaction = connection.begin()
        try:
            loaded = service.registry.get(connection, app)
            session = PreviewSession(connection, loaded, actor, cause, policy=service.policy)
            state = SaveState(form=loaded.form(form), action="update" if record_id else "create",
                              cause=cause, submitted=dict(values), record_id=record_id)
            state.system_values["trusted"] = frozenset()
            for step in PREVIEW_STEPS:
                getattr(session, f"_step_{step}")(state)
            errors = state.system_values.get("formula_errors")
            shown = record_to_json(state.record)
            if session.policy is not None:      # hidden fields never leave the service
                shown = session.policy.present(session, state.form, shown)
            return {"record": shown,
                    "errors": [d.as_dict() for d in (errors.details if errors else [])]}
        finally:
            transaction.rollback()
