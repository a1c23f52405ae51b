"""The rows a report reads, for one actor: tables, names → columns, field rights.

A form source reads the form's table; a subform source reads the subform's
rows joined to their parent (so `parent.<field>` works and the parent's row
scope applies). Names:

- a field of the source row (and its system columns);
- `parent.<field>` in subform sources;
- `<link>.<field>` (also `parent.<link>.<field>`): a field of the linked
  record — joined (LEFT OUTER JOIN) for grouping, a scalar subquery in filters.
  The linked record counts only when the actor may read it (read right, row
  scope); otherwise the value is empty.

`level(chain)` says whether the actor may see a name: "hidden" for fields the
actor's roles hide (subform row fields follow the subform field's level).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, select
from sqlalchemy.sql.elements import ColumnElement

from engine.definitions.model import DEFAULT_DECIMAL_SCALE, FieldModel, FormModel, Report
from engine.runtime.errors import Forbidden, NotFound
from engine.runtime.permissions.access import Access, access_for
from engine.runtime.permissions.scope import ScopeCompiler

SYSTEM_TYPES = {"id": "integer", "version": "integer", "created_at": "datetime",
                "updated_at": "datetime", "created_by": "user", "updated_by": "user",
                "parent_id": "integer", "position": "integer"}
FORM_SYSTEM = ("id", "created_at", "created_by", "updated_at", "updated_by", "version")
ROW_SYSTEM = ("id", "parent_id", "position")
STATE_LABEL = {"en": "Status", "zh": "状态"}      # a workflow state not declared as a field


@dataclass(frozen=True)
class Name:
    """A resolved name: its field (None for system columns), type and scale."""
    chain: tuple[str, ...]
    type: str
    scale: int
    field: FieldModel | None
    level: str                  # hidden | read | write


class ReportSource:
    def __init__(self, loaded, report: Report, actor):
        self.loaded, self.report, self.actor = loaded, report, actor
        self.model = loaded.model
        self.form = self._form(report.source_form)
        self.subform = None
        self.parent_table = loaded.tables.form(self.form.name)
        self.table = self.parent_table
        if report.source_subform:
            self.subform = self.form.field(report.source_subform)
            if self.subform is None or not self.subform.is_subform:
                raise NotFound(f"No subform {report.source!r} in app {self.model.name!r}")
            self.table = loaded.tables.subform(self.form.name, self.subform.name)
        self.access = access_for(actor, self.model, self.form)
        self.scopes = ScopeCompiler(loaded, actor)
        self._joins: dict[tuple[str, ...], Any] = {}

    def _form(self, name: str) -> FormModel:
        form = self.model.form(name)
        if form is None:
            raise NotFound(f"No form {name!r} in app {self.model.name!r}")
        return form

    # ------------------------------------------------------------ rights
    def require_read(self, *, export: bool = False) -> None:
        if not self.access.can("read"):
            raise Forbidden(f"You may not read {self.form.name} records, "
                            f"so you may not run the report {self.report.name}")
        if export and not self.access.can("export"):
            raise Forbidden(f"You may not export {self.form.name} records, "
                            f"so you may not export the report {self.report.name}")

    def row_scope(self) -> ColumnElement[bool] | None:
        """The actor's read scope on the source form (the parent for subform rows)."""
        return self.scopes.condition(self.access, "read", self.parent_table)

    def from_clause(self):
        joined = self.table
        if self.subform is not None:
            joined = joined.join(self.parent_table, self.parent_table.c.id == self.table.c.parent_id)
        for (form_name, alias, on) in self._joins.values():
            joined = joined.outerjoin(alias, on)
        return joined

    # ------------------------------------------------------------- names
    def resolve(self, chain: tuple[str, ...]) -> Name:
        """The name's type and the actor's level on it; KeyError if unknown."""
        form, fields, level_of, rest = self._start(chain)
        head = rest[0]
        if len(rest) == 1:
            if head in (ROW_SYSTEM if fields is not None else FORM_SYSTEM):
                return Name(chain, SYSTEM_TYPES[head], 0, None, "read")
            field = self._field(form, fields, head)
            return Name(chain, field.type, _scale(field), field, level_of(head))
        field = self._field(form, fields, head)
        target = self.model.form(field.form) if field.type == "link" else None
        if target is None or len(rest) != 2:
            raise KeyError(".".join(chain))
        access = access_for(self.actor, self.model, target)
        if rest[1] in FORM_SYSTEM:
            linked = Name(chain, SYSTEM_TYPES[rest[1]], 0, None, "read")
        else:
            linked_field = self._field(target, None, rest[1])
            linked = Name(chain, linked_field.type, _scale(linked_field), linked_field,
                          access.level(rest[1]))
        hidden = level_of(head) == "hidden" or linked.level == "hidden" or not access.can("read")
        return Name(chain, linked.type, linked.scale, linked.field, "hidden" if hidden else linked.level)

    def _start(self, chain: tuple[str, ...]):
        """(form, row fields or None, level function, the chain after any 'parent')."""
        if self.subform is not None and chain[0] == "parent":
            if len(chain) < 2:
                raise KeyError("parent")
            return self.form, None, self.access.level, chain[1:]
        if self.subform is not None:
            sub_level = self.access.level(self.subform.name)
            return self.form, self.subform.fields, lambda _name: sub_level, chain
        return self.form, None, self.access.level, chain

    def _field(self, form: FormModel, fields, name: str) -> FieldModel:
        if fields is not None:
            field = next((f for f in fields if f.name == name), None)
        else:
            field = form.field(name)
            if field is None and form.workflow and form.workflow.field == name:
                field = FieldModel(name=name, type="select", label=STATE_LABEL,
                                   options=form.workflow.states)
        if field is None or field.is_subform:
            raise KeyError(name)
        return field

    def column(self, chain: tuple[str, ...], *, joined: bool = False) -> ColumnElement:
        """The SQL for a name: a column, a joined column (`joined`) or a subquery."""
        self.resolve(chain)
        if self.subform is not None and chain[0] == "parent":
            table, rest = self.parent_table, chain[1:]
        else:
            table, rest = self.table, chain
        if len(rest) == 1:
            return table.c[rest[0]]
        link_column = table.c[rest[0]]
        field = self._field(*self._start(chain)[:2], rest[0])
        target = self.model.form(field.form)
        if joined:
            return self._join(chain[:-1], target, link_column).c[rest[1]]
        alias = self.loaded.tables.form(target.name).alias()
        condition = self._target_scope(target, alias)
        where = alias.c.id == link_column if condition is None else and_(alias.c.id == link_column, condition)
        return select(alias.c[rest[1]]).where(where).scalar_subquery()

    def _join(self, path: tuple[str, ...], target: FormModel, link_column):
        if path not in self._joins:
            alias = self.loaded.tables.form(target.name).alias("j_" + "_".join(path))
            on = alias.c.id == link_column
            condition = self._target_scope(target, alias)
            self._joins[path] = (target.name, alias, on if condition is None else and_(on, condition))
        return self._joins[path][1]

    def _target_scope(self, target: FormModel, alias) -> ColumnElement[bool] | None:
        access = access_for(self.actor, self.model, target)
        if not access.can("read"):
            return false()
        return self.scopes.condition(access, "read", alias)


def _scale(field: FieldModel) -> int:
    if field.type == "decimal":
        return field.scale if field.scale is not None else DEFAULT_DECIMAL_SCALE
    return 0
