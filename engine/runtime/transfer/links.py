"""Link cells on import: the target's title (in the caller's read scope) or its id;
user cells: the user's name or id."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from engine.storage.system import users
from engine.runtime.permissions import ScopeCompiler, access_for
from engine.runtime.transfer.columns import CellError


def cell_text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text or None


class LinkResolver:
    """Link cells by the target's title (in the caller's read scope) or by id."""

    def __init__(self, session, actor):
        self.session = session
        self.actor = actor
        self.scopes = ScopeCompiler(session.app, actor)
        self.cache: dict[tuple[str, str], Any] = {}

    def resolve(self, field, value) -> Any:
        if value is None or isinstance(value, bool):
            return value
        text = cell_text(value)
        cache_key = (field.form, text)
        if cache_key in self.cache:
            return self.cache[cache_key]
        target = self.session.model.form(field.form)
        table = self.session.app.tables.form(target.name)
        access = access_for(self.actor, self.session.model, target)
        found: list[int] = []
        if target.title and access.can("read") and access.level(target.title) != "hidden":
            query = select(table.c.id).where(table.c[target.title] == text).limit(2)
            condition = self.scopes.condition(access, "read")
            if condition is not None:
                query = query.where(condition)
            try:
                found = list(self.session.connection.execute(query).scalars())
            except SQLAlchemyError:
                found = []
        if len(found) > 1:
            raise CellError(f"{text!r} matches several {target.name} records; use the id")
        if found:
            result = found[0]
        elif text.isdigit() and self.session.store.existing_ids(self.session.connection, target.name, [int(text)]):
            result = int(text)
        else:
            raise CellError(f"unknown {target.name}: no record with this title or id")
        self.cache[cache_key] = result
        return result

    def user(self, value) -> Any:
        """A user cell: the username, else the user id."""
        if value is None or isinstance(value, bool):
            return value
        text = cell_text(value)
        cache_key = ("<user>", text)
        if cache_key not in self.cache:
            found = self.session.connection.execute(
                select(users.c.id).where(users.c.username == text)).scalar()
            if found is None and text.isdigit():
                found = self.session.connection.execute(
                    select(users.c.id).where(users.c.id == int(text))).scalar()
            if found is None:
                raise CellError(f"unknown user {text!r}: no user with this name or id")
            self.cache[cache_key] = found
        return self.cache[cache_key]
