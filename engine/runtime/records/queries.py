"""List queries: filter, multi-field sort and keyset pagination in one SQL query.

Link titles come from LEFT JOINs in the same query (no N+1). Pages are found
by keyset (`WHERE (sort keys) > (last row's keys)`), never OFFSET, and the page
never counts the table. The cursor is opaque to clients: base64 of the last
row's sort values, bound to the sort it was made for.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, and_, false, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.errors import BadRequest, ErrorDetail
from engine.runtime.expressions import ExpressionError
from engine.runtime.filters import filter_refusal, filter_to_sql
from engine.runtime.records.coerce import CoercionError, coerce_value
from engine.runtime.records.values import json_value

SORTABLE_SYSTEM = {"id": "integer", "created_at": "datetime", "updated_at": "datetime",
                   "version": "integer", "created_by": "user", "updated_by": "user"}
DEFAULT_SORT = "-id"
JSON_TYPES = frozenset({"multiselect", "attachment"})


@dataclass
class Page:
    items: list[dict[str, Any]]
    next: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next": self.next}


def sortable_fields(form: FormModel) -> list[str]:
    """What lists sort and filter by: system columns, the workflow state and the
    scalar fields the database can order (not lists, which are stored as JSON)."""
    names = list(SORTABLE_SYSTEM) + [f.name for f in form.scalar_fields if f.type not in JSON_TYPES]
    if form.workflow and form.workflow.field not in names:
        names.append(form.workflow.field)
    return names


class ListQuery:
    def __init__(self, loaded, form: FormModel, actor, *, row_scope=None, readable=None,
                 link_titles=None, linked_field=None):
        self.loaded = loaded
        self.form = form
        self.actor = actor
        self.table = loaded.tables.form(form.name)
        self.row_scope = row_scope            # extra SQL condition (permissions)
        self.readable = readable              # names the caller may read; None = all
        # (target form, alias) -> extra join condition for its title, or None for
        # no title (permissions: titles only of records the caller could open).
        self.link_titles = link_titles
        # (target form, alias, field) -> condition on the target row for filtering by
        # `link.field`, or None when the caller may not read that field there.
        self.linked_field = linked_field

    # ----------------------------------------------------------------- names
    def column_for(self, chain: tuple[str, ...]):
        if chain[0] == "user" and len(chain) == 2:
            return self.actor.namespace().get(chain[1])
        if len(chain) > 1:
            return self._linked_column(chain)
        name = chain[0]
        field = self.form.field(name)
        if field is not None and field.type in JSON_TYPES and self._visible([name]):
            raise BadRequest(f"Invalid filter: '{name}' holds a list and cannot be filtered on",
                             [ErrorDetail("filter", f"cannot filter on '{name}'")])
        if len(chain) != 1 or name not in self._filterable():
            raise KeyError(".".join(chain))
        return self.table.c[name]

    def _linked_column(self, chain: tuple[str, ...]):
        """`customer.city` (or longer chains): the linked record's field, as a
        subquery. Each hop needs the caller's read right on the target and the
        field visible there, and only target rows in the caller's read scope
        count (others read as empty, so a filter cannot probe hidden records)."""
        if chain[0] not in self._visible([chain[0]]):
            raise KeyError(".".join(chain))
        form, column = self.form, self.table.c.get(chain[0])
        for link_name, name in zip(chain, chain[1:]):
            field = form.field(link_name)
            if column is None or field is None or field.type != "link":
                raise KeyError(".".join(chain))
            form = self.loaded.model.form(field.form)
            alias = self.loaded.tables.form(form.name).alias()
            condition = self.linked_field(form, alias, name) if self.linked_field else true()
            if condition is None or name not in sortable_fields(form):
                raise KeyError(".".join(chain))
            # correlate_except: a nested hop must still see the outer table
            column = (select(alias.c[name]).where(alias.c.id == column, condition)
                      .correlate_except(alias).scalar_subquery())
        return column

    def _filterable(self) -> set[str]:
        return self._visible(sortable_fields(self.form))

    def _visible(self, names) -> set[str]:
        if self.readable is None:
            return set(names)
        return set(names) & (set(self.readable) | {"id"})

    # ------------------------------------------------------------------ sort
    def parse_sort(self, sort: str | None) -> list[tuple[str, bool]]:
        """[(column, descending)], always ending with id so the order is total."""
        keys: list[tuple[str, bool]] = []
        for part in (sort or DEFAULT_SORT).split(","):
            part = part.strip()
            descending = part.startswith("-")
            name = part.lstrip("-+")
            if not name:
                raise BadRequest("Empty sort key", [ErrorDetail("sort", "empty sort key")])
            if name not in self._filterable():
                raise BadRequest(f"Cannot sort by {name!r}",
                                 [ErrorDetail("sort", f"cannot sort by {name!r}")])
            if name not in (k for k, _ in keys):
                keys.append((name, descending))
        if "id" not in (k for k, _ in keys):
            keys.append(("id", keys[0][1] if keys[0][0] == "id" else False))
        return keys

    def _field_type(self, name: str) -> FieldModel:
        field = self.form.field(name)
        if field is not None:
            return field
        return FieldModel(name=name, type=SORTABLE_SYSTEM.get(name, "text"), label={"en": name})

    # ------------------------------------------------------------------- page
    def page(self, connection: Connection, *, filter: str | None, sort: str | None, limit: int,
             after: str | None) -> Page:
        keys = self.parse_sort(sort)
        statement, title_columns = self._select()
        if filter:
            statement = statement.where(self._filter(filter))
        if self.row_scope is not None:
            statement = statement.where(self.row_scope)
        if after:
            statement = statement.where(self._after(keys, decode_cursor(after, sort or DEFAULT_SORT)))
        order = [_ordering(self.table.c[k], d) for k, d in keys]
        try:
            result = connection.execute(statement.order_by(*order).limit(limit + 1))
            columns, rows = list(result.keys()), result.all()
        except DataError as error:
            # What only the stored values reveal, e.g. `total / qty` where a qty is 0.
            reason = str(error.orig).splitlines()[0]
            raise BadRequest(f"Invalid filter: the database cannot evaluate it ({reason})",
                             [ErrorDetail("filter", reason)]) from None
        to_item = self._item_builder(columns, title_columns)
        items = [to_item(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_cursor([json_value(last[columns.index(k)]) for k, _ in keys],
                                        sort or DEFAULT_SORT)
        return Page(items, next_cursor)

    def _select(self):
        columns = [self.table]
        title_columns: dict[str, str] = {}
        joins = self.table
        for field in self.form.scalar_fields:
            target = self.loaded.model.form(field.form) if field.type == "link" else None
            if target is None or not target.title:
                continue
            if self.readable is not None and field.name not in self.readable:
                continue
            alias = _alias(self.loaded.tables.form(target.name), f"t_{field.name}")
            on = alias.c.id == self.table.c[field.name]
            if self.link_titles is not None:
                extra = self.link_titles(target, alias)
                if extra is None:
                    continue
                on = and_(on, extra)
            label = f"{field.name}__title"
            columns.append(alias.c[target.title].label(label))
            title_columns[field.name] = label
            joins = joins.outerjoin(alias, on)
        return select(*columns).select_from(joins), title_columns

    def _filter(self, source: str):
        try:
            return filter_to_sql(source, self.column_for)
        except ExpressionError as error:
            raise filter_refusal(error) from None

    def _after(self, keys, values):
        if len(values) != len(keys):
            raise BadRequest("Invalid cursor", [ErrorDetail("after", "cursor does not match the sort")])
        typed = []
        for (name, _), value in zip(keys, values):
            try:
                typed.append(coerce_value(self._field_type(name), value) if value is not None else None)
            except CoercionError:
                raise BadRequest("Invalid cursor", [ErrorDetail("after", "malformed cursor")]) from None
        return keyset_condition([(self.table.c[k], d) for k, d in keys], typed)

    def _item_builder(self, columns: list[str], title_columns: dict[str, str]):
        """row tuple -> JSON item. Which columns and titles the caller sees is
        decided once per page, not once per row (a page is the hot read path)."""
        labels = set(title_columns.values())
        shown = [(index, name) for index, name in enumerate(columns) if name not in labels
                 and (self.readable is None or name in self.readable or name in SORTABLE_SYSTEM)]
        titles = [(name, columns.index(label)) for name, label in title_columns.items()
                  if self.readable is None or name in self.readable]

        def to_item(row) -> dict[str, Any]:
            item = {name: json_value(row[index]) for index, name in shown}
            if titles:
                item["_titles"] = {name: json_value(row[index]) for name, index in titles}
            return item
        return to_item


_ALIASES: "WeakKeyDictionary[Table, dict[str, Any]]" = WeakKeyDictionary()


def _alias(table: Table, name: str):
    """One alias object per (table, name) for the life of the compiled app: a
    fresh alias per request costs more to build than the query takes to run."""
    aliases = _ALIASES.setdefault(table, {})
    if name not in aliases:
        aliases[name] = table.alias(name)
    return aliases[name]


def _ordering(column, descending: bool):
    """NULLS LAST for nullable columns; plain order otherwise, so PostgreSQL can
    walk an index (`id DESC NULLS LAST` cannot use the primary key's index)."""
    order = column.desc() if descending else column.asc()
    return order.nulls_last() if column.nullable else order


def keyset_condition(columns, values):
    """Rows strictly after `values` in the order of `columns` (NULLS LAST both ways)."""
    alternatives = []
    for index, ((column, descending), value) in enumerate(zip(columns, values)):
        equal_before = [(c.is_(None) if v is None else c == v)
                        for (c, _), v in zip(columns[:index], values[:index])]
        if value is None:
            later = false()          # nothing sorts after NULL within NULLS LAST
        else:
            beyond = column < value if descending else column > value
            later = or_(beyond, column.is_(None)) if column.nullable else beyond
        alternatives.append(and_(*equal_before, later))
    return or_(*alternatives)


def encode_cursor(values: list[Any], sort: str) -> str:
    payload = json.dumps({"s": sort, "v": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        values = payload["v"]
        if payload["s"] != sort or not isinstance(values, list):
            raise ValueError
        return values
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("Invalid cursor", [ErrorDetail("after", "malformed or stale cursor")]) from None
