"""`PermissionPolicy`: the object `RecordService` and `WriteSession` consult.

Writes are checked in three places of the save pipeline:

- `authorize_load` (step "load", right after the stored record is read and
  before anything about it is revealed: lock state, version): a record outside
  the caller's read scope is 404; missing the right (or outside its scope) 403;
- `authorize_write` (step "authorize"): the create right, and the fields the
  caller may not write — a hidden field sent at all is 403, a read-only one is
  handed to the parser, which refuses it only when it changes (so a client may
  send back what it read);
- `authorize_result` (before the rules run): the saved row must still be
  inside the caller's scope for that right, else 403 (the transaction rolls
  back, nothing is written).

Writes made by rules (cause "rule", or anything inside a rule cascade) run with
system rights; the change log still names the user who triggered them.
Workflow transitions are authorised by their roles in `engine.runtime.workflow`;
here they only need the record to be readable.
"""
from __future__ import annotations

from typing import Any, Mapping

from engine.definitions.model import FormModel
from engine.runtime.errors import ErrorDetail, Forbidden, NotFound, ValidationFailed
from engine.runtime.permissions.access import Access, access_for
from engine.runtime.permissions.reads import RecordReader
from engine.runtime.permissions.scope import ScopeCompiler, record_in_scope, records_in_scope
from engine.runtime.records.values import ANSWER_KEYS

# SaveState.system_values key: fields the parser must treat as read-only for this caller.
CALLER_READONLY = "caller_readonly"


class PermissionPolicy:
    # ------------------------------------------------------------- rights
    def access(self, loaded, form: FormModel, actor) -> Access:
        """The actor's rights on `form` as a whole (screens, form listings)."""
        return access_for(actor, loaded.model, form)

    def record_access(self, connection, loaded, form: FormModel, actor, record_id: int) -> Access:
        """The rights on one record: update/delete only where its row is inside
        their scopes (what an edit or delete button should reflect)."""
        access = access_for(actor, loaded.model, form)
        if access.unrestricted:
            return access
        compiler, table = ScopeCompiler(loaded, actor), loaded.tables.form(form.name)
        kept = {right for right in access.rights if right not in ("read", "update", "delete")
                or record_in_scope(connection, table, compiler.condition(access, right), record_id)}
        return access.narrowed(frozenset(kept))

    # ------------------------------------------------------------- reads
    def reader(self, connection, loaded, form: FormModel, actor) -> RecordReader:
        return RecordReader(connection, loaded, form, actor)

    def present(self, session, form: FormModel, shown: Mapping[str, Any]) -> dict[str, Any]:
        """A record answer of a write session (create/update/transition/restore)."""
        return RecordReader(session.connection, session.app, form, session.actor).record(shown)

    # ------------------------------------------------------------ writes
    def authorize_load(self, session, state) -> None:
        if _acts_as_system(session, state):
            return
        if state.action == "transition" and _assigned(session, state.form, state.previous):
            return
        access = _access(session, state.form)
        right = {"delete": "delete", "transition": "read"}.get(state.action, "update")
        _require_any(access)
        visible_right = "read" if access.can("read") else right
        if not _in_scope(session, access, visible_right, state.record_id):
            raise NotFound(f"No {state.form.name} record with id {state.record_id}")
        if not access.can(right):
            raise Forbidden(f"You may not {_verb(right)} {state.form.name} records")
        if not _in_scope(session, access, right, state.record_id):
            raise Forbidden(f"You may not {_verb(right)} this {state.form.name} record")

    def authorize_write(self, session, state) -> None:
        if _acts_as_system(session, state) or state.action == "delete":
            return
        access = _access(session, state.form)
        if not (state.action == "transition" and _assigned(session, state.form, state.previous)):
            _require_any(access)
        restoring = state.cause.kind == "restore"
        if state.previous is None and not restoring and not access.can("create"):
            raise Forbidden(f"You may not create {state.form.name} records")
        if state.previous is None and restoring and not access.can("update"):
            raise Forbidden(f"You may not restore {state.form.name} records")
        writable = set(access.writable)
        if state.action == "transition":
            transition = (state.system_values.get("transition") or {}).get("name")
            spec = state.form.workflow.transition(transition) if transition else None
            writable |= {f for f in (spec.required_fields if spec else ()) if access.level(f) != "hidden"}
        if not restoring:
            # Sending a hidden field at all is refused: comparing it with the stored
            # value would answer "is it X?" for any X.
            # Keys that are no field of the form are the parser's (400 naming
            # them, for every role), not a permission question.
            engine_set = set(ANSWER_KEYS) | set(state.system_values.get("trusted") or ())
            hidden = sorted(k for k in state.submitted
                            if k not in engine_set and k in access.levels and access.level(k) == "hidden")
            if hidden:
                raise Forbidden("You may not write these fields: " + ", ".join(hidden),
                                [ErrorDetail(name, "not writable for you") for name in hidden])
        if restoring and state.previous is None:
            # An undelete brings the record back as it was: its values come from
            # the change log, not from the caller (the scope is checked after).
            return
        state.system_values[CALLER_READONLY] = frozenset(access.levels) - writable

    def authorize_result(self, session, state) -> None:
        if _acts_as_system(session, state) or state.action in ("delete", "transition"):
            return
        access = _access(session, state.form)
        restoring = state.cause.kind == "restore"
        right = "create" if state.previous is None and not restoring else "update"
        if not restoring:         # a restore's links come from the record's own history
            _refuse_unreadable_links(session, state)
        if _in_scope(session, access, right, state.record_id):
            return
        if restoring and state.previous is None:
            # An undelete of a record the caller could not see: as if it did not exist.
            raise NotFound(f"No {state.form.name} record with id {state.record_id}")
        raise Forbidden(f"You may not {_verb(right)} a {state.form.name} record like this: "
                        f"it would be outside the records you may {_verb(right)}")

    def authorize_transition(self, session, form: FormModel, record: Mapping[str, Any]) -> None:
        """The caller must be able to read the record; the transition's roles are
        the workflow module's business."""
        if session.actor.is_admin or _assigned(session, form, record):
            return
        access = _access(session, form)
        _require_any(access)
        if not access.can("read") or not _in_scope(session, access, "read", record["id"]):
            raise NotFound(f"No {form.name} record with id {record['id']}")


def _refuse_unreadable_links(session, state) -> None:
    """A link the caller sets must point at a record the caller may read (the
    link picker's rule): otherwise the link would confirm that a hidden record
    exists. Answered like a missing record, so it reveals nothing either."""
    wanted: dict[str, dict[int, list[str]]] = {}
    for fields, row, old, prefix in _link_rows(state):
        for field in fields:
            value = row.get(field.name)
            if field.type == "link" and value is not None and value != (old or {}).get(field.name):
                wanted.setdefault(field.form, {}).setdefault(value, []).append(prefix + field.name)
    problems = []
    for target, paths_by_id in sorted(wanted.items()):
        target_form = session.model.form(target)
        access = _access(session, target_form)
        readable: set[int] = set()
        if access.can("read"):
            condition = ScopeCompiler(session.app, session.actor).condition(access, "read")
            table = session.app.tables.form(target)
            readable = records_in_scope(session.connection, table, condition, paths_by_id)
        for record_id, paths in sorted(paths_by_id.items()):
            if record_id not in readable:
                problems += [ErrorDetail(path, f"no {target} record with id {record_id}") for path in paths]
    if problems:
        raise ValidationFailed("The record is not valid", problems)


def _link_rows(state):
    """(fields, row, stored row or None, path prefix) for the record and its subform rows."""
    yield state.form.scalar_fields, state.record, state.previous, ""
    for sub in state.form.subforms:
        old_rows = {r["id"]: r for r in (state.previous or {}).get(sub.name) or []}
        for index, row in enumerate(state.record.get(sub.name) or ()):
            yield sub.fields, row, old_rows.get(row.get("id")), f"{sub.name}[{index}]."


def _acts_as_system(session, state) -> bool:
    """Admins, and writes made by rules (cascades run with system rights)."""
    return bool(session.actor.is_admin or session.rule_chain or state.cause.kind == "rule")


def _assigned(session, form: FormModel, record: Mapping[str, Any] | None) -> bool:
    """The record's workflow assignee may move it on (and so read it for that),
    whatever their roles: assignment is the grant (see engine.runtime.workflow)."""
    field = form.workflow.assignee_field if form.workflow else None
    user_id = session.actor.user_id
    return bool(field and record and user_id is not None and record.get(field) == user_id)


def _access(session, form: FormModel) -> Access:
    return access_for(session.actor, session.model, form)


def _require_any(access: Access) -> None:
    if not access.rights:
        raise Forbidden(f"You have no access to {access.form.name} records")


def _in_scope(session, access: Access, right: str, record_id: int) -> bool:
    condition = ScopeCompiler(session.app, session.actor).condition(access, right)
    if condition is None:
        return True
    table = session.app.tables.form(access.form.name)
    return record_in_scope(session.connection, table, condition, record_id)


def _verb(right: str) -> str:
    return {"update": "change", "read": "read"}.get(right, right)
