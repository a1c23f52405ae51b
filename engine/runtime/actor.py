"""Who is acting, and why a change happened.

Every write carries an `Actor` (whose rights apply) and a `Cause` (what the change
log records as the origin: a user action, an API token, a rule, an import, a
restore). Rules act with system rights but keep the triggering user as actor.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    is_admin: bool = False
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)   # app -> roles
    language: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    token_id: int | None = None
    display_name: str | None = None

    def roles_in(self, app: str) -> frozenset[str]:
        return self.roles.get(app, frozenset())

    def namespace(self) -> dict[str, Any]:
        """The `user.*` names expressions see (row scopes, defaults)."""
        names = dict(self.attributes)
        names.update(id=self.user_id, username=self.username,
                     name=self.display_name or self.username, is_admin=self.is_admin)
        return names


SYSTEM = Actor(user_id=None, username="system", is_admin=True)


@dataclass(frozen=True)
class Cause:
    kind: str                      # user | api | rule | import | restore | workflow | job | system
    detail: str | None = None      # rule name, token id, import file, history entry id...

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail}

    def derive(self, kind: str, detail: str | None) -> "Cause":
        return replace(self, kind=kind, detail=detail)


USER_ACTION = Cause("user")
