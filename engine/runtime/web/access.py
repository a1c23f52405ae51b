"""What the screens show and offer for a form, as the service layer decides it.

Screens only *reflect* permissions: this module asks the record service's
policy (the permissions subsystem) and turns its answer into a small value the
templates read (`mode("cost_price") == "hidden"`). Engine rules that make a
field read-only for everyone (formulas, autonumbers, rule-adjusted fields, the
workflow state, locked workflow states) come from the definition. No template
decides a permission on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from engine.definitions.model import FieldModel, FormModel
from engine.db import get_db
from engine.runtime.actor import Actor

HIDDEN, READ, WRITE = "hidden", "read", "write"


@dataclass(frozen=True)
class FormAccess:
    read: bool = True
    create: bool = True
    update: bool = True
    delete: bool = True
    export: bool = True
    import_: bool = True
    modes: Mapping[str, str] = field(default_factory=dict)   # field (or sub.field) -> mode

    def mode(self, name: str) -> str:
        return self.modes.get(name, WRITE)

    def visible(self, name: str) -> bool:
        return self.mode(name) != HIDDEN

    def writable(self, name: str) -> bool:
        return self.mode(name) == WRITE


def engine_readonly(model, form: FormModel) -> frozenset[str]:
    """Fields nobody types into: computed, autonumbered, rule-adjusted, workflow state."""
    names = {f.name for f in form.fields if f.is_computed or f.type in ("autonumber", "attachment")}
    names |= set(model.adjusted_fields(form.name))
    if form.workflow:
        names.add(form.workflow.field)
    for sub in form.subforms:
        names |= {f"{sub.name}.{f.name}" for f in sub.fields
                  if f.is_computed or f.type in ("autonumber", "attachment")}
    return frozenset(names)


def form_access(service, loaded, form: FormModel, actor: Actor,
                record: Mapping[str, Any] | None = None) -> FormAccess:
    """The caller's rights on `form` (and on `record` when given)."""
    rights = _policy_rights(service.policy, loaded, form, actor, record)
    modes = dict(rights.get("fields", {}))
    locked = _is_locked(form, record)
    for name in engine_readonly(loaded.model, form):
        if modes.get(name) != HIDDEN:
            modes[name] = READ
    for sub in form.subforms:            # subform rows follow their subform's mode
        for sub_field in sub.fields:
            key = f"{sub.name}.{sub_field.name}"
            if modes.get(sub.name) in (HIDDEN, READ) and modes.get(key) != HIDDEN:
                modes[key] = modes[sub.name]
    can_update = rights.get("update", True) and not locked
    if record is not None and not can_update:
        modes = {name: (HIDDEN if modes.get(name) == HIDDEN else READ) for name in _all_names(form)}
    return FormAccess(read=rights.get("read", True), create=rights.get("create", True),
                      update=can_update, delete=rights.get("delete", True) and not locked,
                      export=rights.get("export", True), import_=rights.get("import", True), modes=modes)


def _all_names(form: FormModel) -> list[str]:
    names = [f.name for f in form.fields]
    names += [f"{sub.name}.{f.name}" for sub in form.subforms for f in sub.fields]
    if form.workflow:
        names.append(form.workflow.field)
    return names


def _is_locked(form: FormModel, record: Mapping[str, Any] | None) -> bool:
    workflow = form.workflow
    return bool(record and workflow and record.get(workflow.field) in workflow.locked)


def _policy_rights(policy, loaded, form: FormModel, actor: Actor,
                   record: Mapping[str, Any] | None) -> dict[str, Any]:
    """The policy's answer as a plain dict; everything allowed when no policy runs
    (an installation without the permissions subsystem)."""
    if policy is None:
        return {}
    if record is not None and record.get("id") is not None and hasattr(policy, "record_access"):
        # Update/delete also depend on the record's row scope ("only my own orders").
        with get_db().read() as connection:
            access = policy.record_access(connection, loaded, form, actor, int(record["id"]))
    else:
        access = policy.access(loaded, form, actor)
    return {"read": access.read, "create": access.create, "update": access.update,
            "delete": access.delete, "export": access.export, "import": access.import_, "fields": dict(access.fields)}


def field_mode(access: FormAccess, field: FieldModel, prefix: str = "") -> str:
    return access.mode(prefix + field.name)
