"""What one actor may do with one form: form rights, field levels, row scopes.

Computed from the form's `permissions` (DESIGN §4 "Permission semantics"):

- a role that is not listed has no access (default deny);
- a listed role's fields default to `write` when it may create or update,
  else `read`; `fields` overrides per field (`hidden` / `read` / `write`);
- several roles give the most permissive union, field by field;
- administrators and the SYSTEM actor have every right on every row;
- fields the engine maintains (formulas, autonumbers, rule-adjusted fields,
  the workflow state) are never writable, whatever the rights say;
- subform rows follow the parent's level for the subform field.

Row scopes are kept per right: the rows a user may *read* are the union of the
`rows` of the roles that grant `read`, the rows they may *update* the union
over the roles that grant `update`, and so on. A plain union over all roles
would let a read-everything role widen another role's "update only my own".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from engine.definitions.model import AppModel, FormModel
from engine.runtime.actor import Actor

RIGHTS = ("read", "create", "update", "delete", "export", "import")
LEVELS = ("hidden", "read", "write")          # in order of permissiveness
SYSTEM_COLUMNS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")

# right -> the row expressions of the roles granting it; None means every row.
Scopes = Mapping[str, "tuple[str, ...] | None"]


@dataclass(frozen=True)
class Access:
    app: str
    form: FormModel
    rights: frozenset[str]
    levels: Mapping[str, str]            # every field (and the workflow state) -> level
    scopes: Scopes
    unrestricted: bool = False           # administrators and the SYSTEM actor

    def can(self, right: str) -> bool:
        return right in self.rights

    def level(self, name: str) -> str:
        if name in SYSTEM_COLUMNS:
            return "read"
        return self.levels.get(name, "hidden")

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(name for name, level in self.levels.items() if level == "hidden")

    @property
    def readable(self) -> frozenset[str]:
        """Field names (and system columns) a reader of this form sees."""
        return frozenset(n for n, level in self.levels.items() if level != "hidden") | set(SYSTEM_COLUMNS)

    @property
    def writable(self) -> frozenset[str]:
        return frozenset(name for name, level in self.levels.items() if level == "write")

    def scope(self, right: str) -> tuple[str, ...] | None:
        """The row expressions limiting `right` (OR-ed), None for every row.

        An empty tuple means no row at all (no role grants the right)."""
        if self.unrestricted:
            return None
        return self.scopes.get(right, ())

    @property
    def is_row_limited(self) -> bool:
        return self.scope("read") is not None

    # Flat views for screens and form listings (`access.update`, `access.fields`).
    read = property(lambda self: self.can("read"))
    create = property(lambda self: self.can("create"))
    update = property(lambda self: self.can("update"))
    delete = property(lambda self: self.can("delete"))
    export = property(lambda self: self.can("export"))
    import_ = property(lambda self: self.can("import"))

    @property
    def fields(self) -> Mapping[str, str]:
        """Field -> level; subform rows follow their subform's level."""
        return self.levels

    def narrowed(self, rights: frozenset[str]) -> "Access":
        return replace(self, rights=rights)


def access_for(actor: Actor, model: AppModel, form: FormModel) -> Access:
    """The union of the actor's roles' rights on `form`."""
    forced = engine_maintained(model, form)
    if actor.is_admin:
        levels = {name: ("read" if name in forced else "write") for name in field_names(form)}
        return Access(model.name, form, frozenset(RIGHTS), levels, {}, unrestricted=True)
    granted = [form.permissions[r] for r in sorted(actor.roles_in(model.name)) if r in form.permissions]
    rights: set[str] = set()
    scopes: dict[str, tuple[str, ...] | None] = {}
    levels = {name: "hidden" for name in field_names(form)}
    for permission in granted:
        role_rights = _rights_of(permission)
        rights |= role_rights
        for right in role_rights:
            scopes[right] = _union(scopes.get(right, ()), permission.rows)
        default = "write" if {"create", "update"} & role_rights else "read"
        for name in levels:
            level = permission.fields.get(name, default)
            if LEVELS.index(level) > LEVELS.index(levels[name]):
                levels[name] = level
    for name in forced:
        if levels.get(name) == "write":
            levels[name] = "read"
    return Access(model.name, form, frozenset(rights), levels, scopes)


def field_names(form: FormModel) -> list[str]:
    names = [f.name for f in form.fields]
    if form.workflow and form.workflow.field not in names:
        names.append(form.workflow.field)
    return names


def engine_maintained(model: AppModel, form: FormModel) -> frozenset[str]:
    """Fields only the engine writes: read-only whatever the rights say."""
    names = {f.name for f in form.fields if f.is_computed or f.type == "autonumber"}
    names |= model.adjusted_fields(form.name)
    if form.workflow:
        names.add(form.workflow.field)
    return frozenset(names)


def _rights_of(permission) -> set[str]:
    flags = {"read": permission.read, "create": permission.create, "update": permission.update,
             "delete": permission.delete, "export": permission.export, "import": permission.import_}
    return {right for right, granted in flags.items() if granted}


def _union(current: tuple[str, ...] | None, rows: str | None) -> tuple[str, ...] | None:
    """OR another role's rows into a scope; a role without `rows` sees every row."""
    if current is None or rows is None:
        return None
    return current + (rows,)
