"""What the definition says a role may do, computed from the raw JSON alone.

Deliberately independent of engine/runtime/permissions: the matrix test
compares the engine's answers with this reading of DESIGN §4, so a bug in one
is not hidden by the same bug in the other. Row scopes are evaluated in
Python here (the engine runs them as SQL).
"""
from __future__ import annotations

from typing import Any

from engine.runtime.expressions import compile_expression

RIGHTS = ("read", "create", "update", "delete", "export", "import")
SYSTEM = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
LIST_TYPES = ("subform", "multiselect", "attachment")


class RoleView:
    """One role (or None: no role) on one form of a raw definition."""

    def __init__(self, definition: dict, form: dict, role: str | None):
        self.definition, self.form, self.role = definition, form, role
        permission = (form.get("permissions") or {}).get(role) if role else None
        self.permission = permission or {}
        self.listed = permission is not None
        self.rights = {r for r in RIGHTS if self.permission.get(r)}

    def can_read_all(self) -> bool:
        """Reads every record of the form (no row scope for reading)."""
        return "read" in self.rights and not self.permission.get("rows")

    # ----------------------------------------------------------------- fields
    def field_names(self) -> list[str]:
        names = [f["name"] for f in self.form["fields"]]
        workflow = self.form.get("workflow")
        if workflow:
            names.append(workflow.get("field", "status"))
        return names

    def engine_maintained(self) -> set[str]:
        names = {f["name"] for f in self.form["fields"] if f.get("formula") or f["type"] == "autonumber"}
        for rule in self.definition.get("rules", []):
            if rule.get("target") == self.form["name"]:
                names |= set(rule.get("adjust", {}))
        if self.form.get("workflow"):
            names.add(self.form["workflow"].get("field", "status"))
        return names

    def level(self, name: str) -> str:
        if not self.listed:
            return "hidden"
        default = "write" if {"create", "update"} & self.rights else "read"
        level = (self.permission.get("fields") or {}).get(name, default)
        if level == "write" and name in self.engine_maintained():
            return "read"
        return level

    def visible_fields(self) -> set[str]:
        return {n for n in self.field_names() if self.level(n) != "hidden"}

    def hidden_fields(self) -> set[str]:
        return {n for n in self.field_names() if self.level(n) == "hidden"}

    def field(self, name: str) -> dict | None:
        return next((f for f in self.form["fields"] if f["name"] == name), None)

    def sortable(self) -> list[str]:
        names = [f["name"] for f in self.form["fields"] if f["type"] not in LIST_TYPES]
        if self.form.get("workflow"):
            names.append(self.form["workflow"].get("field", "status"))
        return names

    # ------------------------------------------------------------------- rows
    def in_scope(self, right: str, record: dict, user: dict, resolve) -> bool:
        """Whether the role's `right` covers `record` (rows evaluated in Python)."""
        if right not in self.rights:
            return False
        rows = self.permission.get("rows")
        if rows is None:
            return True
        names: dict[str, Any] = {k: v for k, v in record.items() if not isinstance(v, list)}
        for field in self.form["fields"]:
            if field["type"] == "link" and record.get(field["name"]) is not None:
                names[field["name"]] = resolve(field["form"], record[field["name"]])
        names["user"] = user
        return bool(compile_expression(rows).evaluate(names))


def views(definition: dict, roles) -> list[tuple[str, dict, RoleView]]:
    """Every (role, form, view) of the definition."""
    return [(role, form, RoleView(definition, form, role if role != "nobody" else None))
            for role in roles for form in definition["forms"]]
