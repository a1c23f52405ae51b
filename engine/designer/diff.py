"""The difference between two definitions, one line per JSON path.

Lists of named items (forms, fields, rules, roles, states, transitions) are
compared by name, so inserting a field does not show every later field as
changed; the paths still use the list index of the new side (or the old side
for removed items), as the validator writes them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.definitions.errors import format_path


@dataclass(frozen=True)
class Change:
    path: str
    kind: str            # added | removed | changed
    old: Any = None
    new: Any = None

    @property
    def old_text(self) -> str:
        return _text(self.old) if self.kind != "added" else ""

    @property
    def new_text(self) -> str:
        return _text(self.new) if self.kind != "removed" else ""


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff_definitions(old: Any, new: Any) -> list[Change]:
    changes: list[Change] = []
    _diff(old, new, [], [], changes)
    return changes


def _named(items: list) -> dict[str, int] | None:
    names = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item["name"] in names:
            return None
        names[item["name"]] = index
    return names


def _diff(old: Any, new: Any, old_path: list, new_path: list, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in new:
                out.append(Change(format_path(old_path + [key]), "removed", old[key]))
            elif key not in old:
                out.append(Change(format_path(new_path + [key]), "added", new=new[key]))
            else:
                _diff(old[key], new[key], old_path + [key], new_path + [key], out)
        return
    if isinstance(old, list) and isinstance(new, list):
        _diff_lists(old, new, old_path, new_path, out)
        return
    if old != new:
        out.append(Change(format_path(new_path), "changed", old, new))


def _diff_lists(old: list, new: list, old_path: list, new_path: list, out: list[Change]) -> None:
    old_names, new_names = _named(old), _named(new)
    if old_names is None or new_names is None:
        if old != new:
            out.append(Change(format_path(new_path), "changed", old, new))
        return
    for name, index in old_names.items():
        if name not in new_names:
            out.append(Change(format_path(old_path + [index]), "removed", old[index]))
    for name, index in new_names.items():
        if name not in old_names:
            out.append(Change(format_path(new_path + [index]), "added", new=new[index]))
        else:
            _diff(old[old_names[name]], new[index], old_path + [old_names[name]], new_path + [index], out)
    if [n for n in old_names if n in new_names] != [n for n in new_names if n in old_names]:
        out.append(Change(format_path(new_path), "changed", [n for n in old_names], [n for n in new_names]))
