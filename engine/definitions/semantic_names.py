"""Names: duplicates, reserved words and SQL-unsafe spellings.

The JSON Schema already holds every name to `^[a-z][a-z0-9_]*$` and its length
(app 20, rule 60, everything else 30). Here: no double or trailing underscore
(table names join app, form and subform with `__`), no system column or
expression word as a field name, no app name that could clash with the `ld_`
system tables, and each name once per list.
"""
from __future__ import annotations

from typing import Any, Iterable

from engine.definitions.errors import format_path
from engine.definitions.semantic_context import Context, Path, state_name


def check_sql_name(ctx: Context, path: Path, name: Any) -> None:
    if not isinstance(name, str) or ctx.broken(path):
        return
    if "__" in name or name.endswith("_"):
        ctx.error(path, f"'{name}' has a double or trailing underscore",
                  "table names join app, form and subform with '__'")


def check_field_name(ctx: Context, path: Path, name: Any) -> None:
    if not isinstance(name, str) or ctx.broken(path):
        return
    check_sql_name(ctx, path, name)
    reason = ctx.reserved_reason(name)
    if reason:
        ctx.error(path, f"'{name}' is reserved ({reason})", "choose another field name")


def check_app_name(ctx: Context, path: Path, name: Any) -> None:
    if not isinstance(name, str) or ctx.broken(path):
        return
    check_sql_name(ctx, path, name)
    if name == "ld" or name.startswith("ld_"):
        ctx.error(path, f"'{name}' is reserved", "names starting with 'ld_' belong to "
                  "Liandong's own tables")


def check_duplicates(ctx: Context, items: Iterable[tuple[Path, Any]], what: str) -> None:
    """Report every repeated name at its second (third, ...) occurrence."""
    first_seen: dict[str, Path] = {}
    for path, name in items:
        if not isinstance(name, str):
            continue
        if name in first_seen:
            ctx.error(path, f"duplicate {what} '{name}'",
                      f"first defined at {format_path(first_seen[name])}")
        else:
            first_seen[name] = path


def named_items(items: Any, base: Path, key: str = "name") -> list[tuple[Path, Any]]:
    """(path of the name, name) for each object in a list."""
    result = []
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict) and key in item:
                result.append((base + (i, key), item[key]))
    return result


def state_items(states: Any, base: Path) -> list[tuple[Path, Any]]:
    result = []
    if isinstance(states, list):
        for i, state in enumerate(states):
            path = base + (i,) if isinstance(state, str) else base + (i, "name")
            result.append((path, state_name(state)))
    return result


def option_items(options: Any, base: Path) -> list[tuple[Path, Any]]:
    result = []
    if isinstance(options, list):
        for i, option in enumerate(options):
            if isinstance(option, str):
                result.append((base + (i,), option))
            elif isinstance(option, dict):
                result.append((base + (i, "value"), option.get("value")))
    return result
