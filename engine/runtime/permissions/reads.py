"""Read-side enforcement: what one actor sees of one form's records.

`RecordReader` is created per read transaction by `PermissionPolicy.reader()`.
It answers 403 for a form the caller may not read, 404 for a record outside
their row scope, and strips hidden fields from everything it returns: records,
history diffs (also of subform rows), link titles and ledger movements.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import select, true
from sqlalchemy.engine import Connection

from engine.definitions.model import FormModel
from engine.runtime.actor import Actor
from engine.runtime.errors import Forbidden, NotFound
from engine.runtime.permissions.access import access_for
from engine.runtime.permissions.scope import ScopeCompiler, records_in_scope

# Keys of a record answer that are not fields: kept whenever the record is shown.
RECORD_EXTRAS = ("available_transitions",)


class RecordReader:
    def __init__(self, connection: Connection, loaded, form: FormModel, actor: Actor):
        self.connection = connection
        self.loaded = loaded
        self.form = form
        self.actor = actor
        self.access = access_for(actor, loaded.model, form)
        self.scopes = ScopeCompiler(loaded, actor)
        self.table = loaded.tables.form(form.name)

    # ------------------------------------------------------------- gates
    def require_read(self) -> None:
        if not self.access.can("read"):
            raise Forbidden(f"You may not read {self.form.name} records")

    def read_condition(self):
        return self.scopes.condition(self.access, "read")

    def require_visible(self, record_id: int, *, allow_absent: bool = False) -> None:
        """404 unless the record exists and is inside the read scope.

        `allow_absent` (history of a deleted record): a record that no longer
        exists passes only when the caller may read every row, since its scope
        can no longer be evaluated on the row."""
        self.require_read()
        condition = self.read_condition()
        if records_in_scope(self.connection, self.table, condition, [record_id]):
            return
        if allow_absent and condition is None:
            exists = self.connection.execute(select(self.table.c.id).where(self.table.c.id == record_id)).first()
            if exists is None:
                return
        raise NotFound(f"No {self.form.name} record with id {record_id}")

    # ----------------------------------------------------------- records
    def record(self, shown: Mapping[str, Any]) -> dict[str, Any]:
        """A record answer with only what the caller may see."""
        if self.access.unrestricted:
            return dict(shown)
        if not self.access.can("read"):
            # E.g. a create-only role: it learns the new record's id, nothing more.
            return {k: shown[k] for k in ("id", "version") if k in shown}
        visible = self.access.readable
        result = {k: v for k, v in shown.items() if k in visible or k in RECORD_EXTRAS}
        if isinstance(shown.get("_titles"), dict):
            result["_titles"] = {k: v for k, v in shown["_titles"].items() if k in visible}
        return result

    def list_options(self) -> dict[str, Any]:
        """Keyword arguments for `ListQuery`: scope, readable names, link titles."""
        self.require_read()
        if self.access.unrestricted:
            return {}
        return {"row_scope": self.read_condition(), "readable": self.access.readable,
                "link_titles": self.link_title_condition, "linked_field": self.linked_field_condition}

    def link_title_condition(self, target: FormModel, alias):
        """Show a link's title only from records the caller could open: the
        target's read right, its title field visible, the row in its scope.
        None means no title column at all; else the extra join condition."""
        return self.linked_field_condition(target, alias, target.title)

    def linked_field_condition(self, target: FormModel, alias, name: str):
        """Filtering by `link.name`: only with the target's read right and `name`
        visible there, and only over target rows in the caller's read scope."""
        access = access_for(self.actor, self.loaded.model, target)
        if not access.can("read") or access.level(name) == "hidden":
            return None
        condition = self.scopes.condition(access, "read", alias)
        return true() if condition is None else condition

    # ------------------------------------------------------------ history
    def history(self, entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        if self.access.unrestricted:
            return list(entries)
        return [self._history_entry(entry) for entry in entries]

    def _history_entry(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        changes = dict(entry.get("changes") or {})
        visible = self.access.readable
        changes["fields"] = {k: v for k, v in (changes.get("fields") or {}).items() if k in visible}
        changes["rows"] = {k: v for k, v in (changes.get("rows") or {}).items() if k in visible}
        state_field = self.form.workflow.field if self.form.workflow else None
        if "transition" in changes and state_field and state_field not in visible:
            del changes["transition"]
        return {**entry, "changes": changes}

    # ------------------------------------------------------------- ledger
    def ledger(self, movements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Movements of visible target fields; source records the caller cannot
        open are shown without their ids."""
        if self.access.unrestricted:
            return movements
        shown = [m for m in movements if self._target_visible(m)]
        readable_sources = self._readable_sources(shown)
        result = []
        for movement in shown:
            source = dict(movement["source"])
            if (source["form"], source["id"]) not in readable_sources:
                source.update(id=None, row_id=None)
            result.append({**movement, "source": source})
        return result

    def _target_visible(self, movement: Mapping[str, Any]) -> bool:
        form_name, _, sub = movement["target"]["form"].partition(".")
        name = sub or movement["field"]
        return form_name == self.form.name and self.access.level(name) != "hidden"

    def _readable_sources(self, movements) -> set[tuple[str, int]]:
        wanted: dict[str, set[int]] = {}
        for movement in movements:
            wanted.setdefault(movement["source"]["form"], set()).add(movement["source"]["id"])
        readable: set[tuple[str, int]] = set()
        for form_name, ids in wanted.items():
            form = self.loaded.model.form(form_name)
            if form is None:
                continue
            access = access_for(self.actor, self.loaded.model, form)
            if not access.can("read"):
                continue
            table = self.loaded.tables.form(form_name)
            found = records_in_scope(self.connection, table, self.scopes.condition(access, "read"), ids)
            readable.update((form_name, record_id) for record_id in found)
        return readable


def visible_form_names(actor: Actor, model) -> list[str]:
    """The forms of an app the actor may read, in definition order."""
    return [name for name, form in model.forms.items() if access_for(actor, model, form).can("read")]
