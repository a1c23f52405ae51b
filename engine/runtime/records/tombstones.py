"""Deleted records of a form, from the change log: what a sync client needs
to remove its copies (docs/api.md, "Keeping a copy in sync").

Records are deleted for real (their rows go); the change log keeps a `delete`
entry with the record's last state, which is what restore brings back. The
feed lists those entries oldest first, keyed by the entry id. A restored
record shows up again in the list with a later `updated_at`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.runtime.actor import SYSTEM, Actor
from engine.runtime.audit import change_log
from engine.runtime.errors import Forbidden
from engine.runtime.permissions import RecordReader


@dataclass(frozen=True)
class DeletionPage:
    items: list[dict[str, Any]]
    next: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next": self.next}


def deleted_records(service, app: str, form: str, *, actor: Actor, since: datetime | None = None,
                    after: int | None = None, limit: int = 50) -> DeletionPage:
    """Deletions of `form` (at or after `since`, after the entry id `after`)."""
    from engine.runtime.records.service import audit_time
    with service.database.read() as connection:
        loaded = service.registry.get(connection, app)
        form_model = loaded.form(form)
        reader = (service.policy.reader(connection, loaded, form_model, actor) if service.policy
                  else RecordReader(connection, loaded, form_model, SYSTEM))
        reader.require_read()
        if reader.read_condition() is not None:
            # A gone row's scope cannot be evaluated: as for the history of deleted records.
            raise Forbidden(f"The deletions of {form} are shown only to callers who may read every row")
        c = change_log.c
        query = (select(c.id, c.record_id, c.at, c.actor_id, c.actor_name)
                 .where(c.app == app, c.form == form, c.action == "delete").order_by(c.id).limit(limit + 1))
        if since is not None:
            query = query.where(c.at >= since)
        if after is not None:
            query = query.where(c.id > after)
        rows = connection.execute(query).mappings().all()
    items = [{"id": row["record_id"], "deleted_at": audit_time(row["at"]), "entry": row["id"],
              "deleted_by": {"id": row["actor_id"], "username": row["actor_name"]}} for row in rows[:limit]]
    return DeletionPage(items, str(rows[limit - 1]["id"]) if len(rows) > limit else None)
