"""AppModel → SQLAlchemy tables: one real table per form, one child table per subform.

The tables are the schema the migrator compares the live database with, so
everything that should exist in the database (types, NOT NULL, FKs, uniques,
indexes) is declared here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (Column, DateTime, ForeignKey, Integer, MetaData, String,
                        Table, UniqueConstraint, text)

from engine.definitions.model import AppModel, FieldModel, FormModel
from engine.storage.naming import form_table_name, new_metadata, subform_table_name
from engine.storage.system import users as users_table
from engine.storage.types import ID_TYPE, STATE_LENGTH, column_type, utcnow

USERS_TABLE = users_table.name


@dataclass(frozen=True)
class AppTables:
    app: str
    metadata: MetaData
    forms: dict[str, Table]
    subforms: dict[tuple[str, str], Table]

    def form(self, name: str) -> Table:
        return self.forms[name]

    def subform(self, form: str, subform: str) -> Table:
        return self.subforms[(form, subform)]

    def all(self) -> list[Table]:
        """This app's tables, each after the tables it references."""
        own = {t.name for t in self.forms.values()} | {t.name for t in self.subforms.values()}
        return [t for t in self.metadata.sorted_tables if t.name in own]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(t.name for t in self.all())


def build_app_tables(app_model: AppModel, metadata: MetaData | None = None) -> AppTables:
    metadata = metadata if metadata is not None else new_metadata()
    if USERS_TABLE not in metadata.tables:
        # A copy of ld_users, so user/created_by foreign keys resolve; it is never
        # created or compared from here (system.py owns it).
        users_table.to_metadata(metadata)
    cyclic = _cyclic_links(app_model)
    forms = {name: _form_table(app_model, form, metadata, cyclic)
             for name, form in app_model.forms.items()}
    subforms = {
        (form.name, sub.name): _subform_table(app_model, form, sub, metadata, cyclic)
        for form in app_model.forms.values() for sub in form.subforms
    }
    return AppTables(app_model.name, metadata, forms, subforms)


def state_field_name(form: FormModel) -> str | None:
    return form.workflow.field if form.workflow else None


def _form_table(app: AppModel, form: FormModel, metadata: MetaData,
                cyclic: frozenset[tuple[str, str]]) -> Table:
    columns = [
        Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        Column("created_at", DateTime, nullable=False, default=utcnow),
        _user_column("created_by", index=True),     # row scopes filter on it
        Column("updated_at", DateTime, nullable=False, default=utcnow, onupdate=utcnow),
        _user_column("updated_by"),
        Column("version", Integer, nullable=False, default=1, server_default=text("1")),
    ]
    state = state_field_name(form)
    for field in form.scalar_fields:
        indexed = field.name == state
        columns.append(_field_column(app, form.name, field, cyclic, indexed=indexed))
    if state and form.field(state) is None:
        # The workflow state is a real column even when not declared as a field.
        columns.append(Column(state, String(STATE_LENGTH), nullable=True, index=True))
    constraints = [UniqueConstraint(*names) for names in form.unique]
    return Table(form_table_name(app.name, form.name), metadata, *columns, *constraints)


def _subform_table(app: AppModel, form: FormModel, sub: FieldModel, metadata: MetaData,
                   cyclic: frozenset[tuple[str, str]]) -> Table:
    parent = form_table_name(app.name, form.name)
    columns = [
        Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        Column("parent_id", ID_TYPE, ForeignKey(f"{parent}.id", ondelete="CASCADE"),
               nullable=False, index=True),
        Column("position", Integer, nullable=False),
    ]
    columns += [_field_column(app, form.name, f, cyclic) for f in sub.fields if not f.is_subform]
    return Table(subform_table_name(app.name, form.name, sub.name), metadata, *columns)


def _user_column(name: str, *, nullable: bool = True, index: bool = False) -> Column:
    # SET NULL: deleting a user must not delete or block the records they touched.
    return Column(name, ID_TYPE, ForeignKey(f"{USERS_TABLE}.id", ondelete="SET NULL"),
                  nullable=nullable, index=index)


def _field_column(app: AppModel, form_name: str, field: FieldModel,
                  cyclic: frozenset[tuple[str, str]], *, indexed: bool = False) -> Column:
    # Computed and autonumber values are filled by the record service, so the
    # database can still insist on them: NOT NULL follows `required` alone.
    nullable = not field.required
    index = indexed or field.index
    # The migrator fills existing rows with the static default when a required
    # field is added to a table that has rows.
    info = {"default": field.default} if field.default is not None else {}
    if field.type == "link":
        target = form_table_name(app.name, field.form)
        # RESTRICT: the record service answers 409 with the referencing records
        # before the database would refuse; `use_alter` breaks link cycles.
        fk = ForeignKey(f"{target}.id", ondelete="RESTRICT",
                        use_alter=(form_name, field.form) in cyclic)
        return Column(field.name, column_type(field), fk, nullable=nullable,
                      unique=field.unique or None, index=not field.unique, info=info)
    if field.type == "user":
        return Column(field.name, column_type(field),
                      ForeignKey(f"{USERS_TABLE}.id", ondelete="RESTRICT"),
                      nullable=nullable, unique=field.unique or None, index=not field.unique,
                      info=info)
    unique = field.unique or field.type == "autonumber"
    return Column(field.name, column_type(field), nullable=nullable,
                  unique=unique or None, index=(index and not unique) or None, info=info)


def _cyclic_links(app: AppModel) -> frozenset[tuple[str, str]]:
    """Links (source form, target form) lying on a cycle of links between forms.

    Their foreign keys are created after the tables (`use_alter`), because no
    creation order satisfies a cycle. Self links are not cycles for SQLAlchemy.
    """
    edges: dict[str, set[str]] = {name: set() for name in app.forms}
    for form in app.forms.values():
        for field in _all_fields(form):
            if field.type == "link" and field.form in edges and field.form != form.name:
                edges[form.name].add(field.form)
    return frozenset((a, b) for a, targets in edges.items() for b in targets
                     if _reaches(edges, b, a))


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False


def _all_fields(form: FormModel):
    for field in form.fields:
        yield field
        yield from field.fields
