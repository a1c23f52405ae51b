"""JSON paths (`forms[0].fields[2].label.zh`) and the small patches the editor sends.

The validator names every problem by such a path (engine/definitions/errors.py
writes them); the editor's controls carry the same path in `data-path`, and a
patch is a list of operations on paths:

    {"op": "set",    "path": "forms[0].fields[1].required", "value": true}
    {"op": "remove", "path": "forms[0].fields[1].default"}
    {"op": "insert", "path": "forms[0].fields", "index": 2, "value": {...}}
    {"op": "move",   "path": "forms[0].fields", "from": 3, "to": 1}

Setting a key removes it when the value is "" or None, and a mapping left
empty by a removal goes too (an empty `label` is no label), so a cleared
control never leaves an invalid empty value behind.
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any, Iterable

from engine.definitions.errors import format_path

MAX_OPS = 200
_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


class PatchError(ValueError):
    """A patch that cannot apply (bad path, bad op); nothing is changed."""

    def __init__(self, message: str, path: str = "$"):
        self.path = path
        super().__init__(message)


def parse_path(path: str) -> list[Any]:
    """'forms[0].label.zh' -> ['forms', 0, 'label', 'zh'] (the inverse of format_path)."""
    if path in ("", "$"):
        return []
    parts, position = [], 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None or match.end() == position:
            raise PatchError(f"{path!r} is not a JSON path like forms[0].fields[1].name", path)
        name, index, quoted = match.groups()
        parts.append(name if name is not None else int(index) if index is not None else json.loads(quoted))
        position = match.end()
    return parts


def get_at(document: Any, parts: Iterable[Any], default: Any = None) -> Any:
    node = document
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return default
    return node


def apply_patch(document: dict, operations: list[dict]) -> dict:
    """A new document with `operations` applied in order; PatchError if one cannot apply."""
    if not isinstance(operations, list) or len(operations) > MAX_OPS:
        raise PatchError(f"a patch is a list of at most {MAX_OPS} operations")
    result = copy.deepcopy(document)
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise PatchError(f"operation {number}: needs an op and a path")
        _apply_one(result, operation)
    return result


def _apply_one(document: dict, operation: dict) -> None:
    op, path = operation.get("op"), operation["path"]
    parts = parse_path(path)
    if not parts:
        raise PatchError("the whole definition cannot be patched; save it instead", path)
    if op == "set":
        _set(document, parts, operation.get("value"))
    elif op == "remove":
        _remove(document, parts)
    elif op in ("insert", "move"):
        items = get_at(document, parts)
        if items is None:
            items = []
            _set(document, parts, items, prune=False)
        if not isinstance(items, list):
            raise PatchError(f"{path} is not a list", path)
        _list_op(items, op, operation, path)
    else:
        raise PatchError(f"unknown op {op!r} (set, remove, insert, move)", path)


def _list_op(items: list, op: str, operation: dict, path: str) -> None:
    if op == "insert":
        index = operation.get("index", len(items))
        if not isinstance(index, int) or not 0 <= index <= len(items):
            raise PatchError(f"insert index {index!r} is outside {path}", path)
        items.insert(index, copy.deepcopy(operation.get("value")))
        return
    source, target = operation.get("from"), operation.get("to")
    if not all(isinstance(i, int) and 0 <= i < len(items) for i in (source, target)):
        raise PatchError(f"move from {source!r} to {target!r} is outside {path}", path)
    items.insert(target, items.pop(source))


def _container(document: dict, parts: list[Any], create: bool) -> Any:
    """The parent of the last part, creating mappings on the way when asked. A
    plain-string label met on the way becomes {"en": text}, so `label.zh` can be set."""
    node = document
    for depth, part in enumerate(parts[:-1]):
        following = parts[depth + 1]
        if isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise PatchError(f"{format_path(parts[:depth + 1])} does not exist", format_path(parts))
            child = node[part]
        elif isinstance(node, dict):
            child = node.get(part)
        else:
            raise PatchError(f"{format_path(parts[:depth])} is not an object", format_path(parts))
        if child is None or (isinstance(child, str) and isinstance(following, str)):
            if not create:
                return None
            child = {"en": child} if isinstance(child, str) else {}
            node[part] = child
        node = child
    return node


def _set(document: dict, parts: list[Any], value: Any, prune: bool = True) -> None:
    if prune and (value is None or value == ""):
        _remove(document, parts)
        return
    parent = _container(document, parts, create=True)
    last = parts[-1]
    if isinstance(parent, list):
        if not isinstance(last, int) or not 0 <= last < len(parent):
            raise PatchError(f"{format_path(parts)} does not exist", format_path(parts))
        parent[last] = value
    elif isinstance(parent, dict) and isinstance(last, str):
        parent[last] = value
    else:
        raise PatchError(f"{format_path(parts)} cannot be set", format_path(parts))


def _remove(document: dict, parts: list[Any]) -> None:
    parent = _container(document, parts, create=False)
    last = parts[-1]
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent.pop(last)
    elif isinstance(parent, dict):
        parent.pop(last, None)
    else:
        return
    # A mapping emptied by the removal (label, permissions.role.fields) goes too.
    if isinstance(parent, dict) and not parent and len(parts) > 1:
        _remove(document, parts[:-1])
