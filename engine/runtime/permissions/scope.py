"""Row scopes as SQL: the `rows` expressions of a form's permissions, OR-ed.

The same condition answers every question about scopes, so lists, single
reads and writes cannot disagree: lists add it to their WHERE clause, and
"is this record inside?" runs it with `WHERE id = :id` (inside the writer's
transaction, so it sees the row as the write left it). Nothing re-implements
the expression in Python.

Names: the record's fields and system columns, the workflow state, `user.*`
(bound from the actor as values) and link chains (`warehouse.keeper`, read
through correlated subqueries). A scope that cannot be translated denies:
the definition validator rejects such expressions, so this is a safety net.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable

from sqlalchemy import false, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from engine.runtime.actor import Actor
from engine.runtime.expressions import ExpressionError
from engine.runtime.filters import filter_to_sql
from engine.runtime.permissions.access import Access

log = logging.getLogger(__name__)


class ScopeCompiler:
    """Compiles row expressions of forms of one loaded app for one actor."""

    def __init__(self, loaded, actor: Actor):
        self.loaded = loaded
        self.model = loaded.model
        self.user = actor.namespace()

    def condition(self, access: Access, right: str, table=None) -> ColumnElement[bool] | None:
        """The SQL condition for `right` on `access.form`'s table (or an alias of
        it); None when every row is allowed."""
        expressions = access.scope(right)
        if expressions is None:
            return None
        if not expressions:
            return false()
        table = table if table is not None else self.loaded.tables.form(access.form.name)
        return or_(*(self._compile(access.form.name, source, table) for source in expressions))

    def _compile(self, form_name: str, source: str, table) -> ColumnElement[bool]:
        try:
            return filter_to_sql(source, lambda chain: self._resolve(form_name, table, chain))
        except ExpressionError as error:
            log.error("row scope %r of %s.%s cannot run as SQL (%s): denying", source,
                      self.model.name, form_name, error)
            return false()

    def _resolve(self, form_name: str, table, chain: tuple[str, ...]) -> Any:
        if chain[0] == "user":
            if len(chain) != 2:
                raise KeyError(".".join(chain))
            # A missing attribute is empty: it matches no `==` comparison with a value.
            return self.user.get(chain[1])
        column = _column(table, chain[0])
        form = self.model.form(form_name)
        for previous, name in zip(chain, chain[1:]):
            field = form.field(previous) if form else None
            if field is None or field.type != "link":
                raise KeyError(".".join(chain))
            form = self.model.form(field.form)
            target = self.loaded.tables.form(form.name).alias()
            # correlate_except: in a two-hop chain the inner hop must still see the outer table
            column = (select(_column(target, name)).where(target.c.id == column)
                      .correlate_except(target).scalar_subquery())
        return column


def _column(table, name: str):
    if name not in table.c:
        raise KeyError(name)
    return table.c[name]


def records_in_scope(connection: Connection, table, condition: ColumnElement[bool] | None,
                     ids: Iterable[int]) -> set[int]:
    """Which of `ids` exist and satisfy `condition` (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    statement = select(table.c.id).where(table.c.id.in_(wanted))
    if condition is not None:
        statement = statement.where(condition)
    return set(connection.execute(statement).scalars())


def record_in_scope(connection: Connection, table, condition: ColumnElement[bool] | None,
                    record_id: int) -> bool:
    return bool(records_in_scope(connection, table, condition if condition is not None else true(),
                                 [record_id]))
