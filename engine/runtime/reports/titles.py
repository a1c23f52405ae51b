"""Titles of the linked records a report groups by, for people reading it.

One query per link column over the ids the report returned (not per row);
a title shows only where the actor could open the record (read right, title
field visible, row in their scope), as in list pages.
"""
from __future__ import annotations

from sqlalchemy import select

from engine.runtime.permissions.access import access_for


def link_titles(connection, plan, rows: list[list]) -> dict[str, dict[int, str]]:
    source = plan.source
    titles: dict[str, dict[int, str]] = {}
    for index, column in enumerate(plan.columns):
        if column.kind != "group" or column.type != "link" or column.bucket:
            continue
        group = next(g for g in source.report.group_by if g.name == column.name)
        name = source.resolve(tuple(group.field.split(".")))
        target = source.model.form(name.field.form) if name.field is not None else None
        ids = sorted({row[index] for row in rows if row[index] is not None})
        if target is None or not target.title or not ids:
            continue
        access = access_for(source.actor, source.model, target)
        if not access.can("read") or access.level(target.title) == "hidden":
            continue
        table = source.loaded.tables.form(target.name)
        statement = select(table.c.id, table.c[target.title]).where(table.c.id.in_(ids))
        condition = source.scopes.condition(access, "read", table)
        if condition is not None:
            statement = statement.where(condition)
        titles[column.name] = {row_id: "" if title is None else str(title)
                               for row_id, title in connection.execute(statement)}
    return titles
