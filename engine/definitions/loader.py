"""Read an app definition from disk: one JSON file, or a folder.

A folder holds `app.json` (the app object) plus optional `forms/*.json` (one form
object per file), `rules/*.json` (a rule object or a list of rules per file),
`reports/*.json` and `dashboards/*.json` (likewise). Items from the folders are
appended, in filename order, after those listed in `app.json`. Malformed JSON is reported with file, line and column;
duplicate keys and NaN/Infinity are refused too (a typo must not pass silently).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["DefinitionLoadError", "load_definition"]


class DefinitionLoadError(Exception):
    """A definition file could not be read or parsed."""

    def __init__(self, path: str | Path, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        place = self.path
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        return f"{place}: {self.message}"


def load_definition(path: str | Path, sources: dict[str, str] | None = None) -> dict:
    """Load a definition from a `.json` file or a definition folder.

    When `sources` is given it is filled with the file each form and rule came
    from, keyed by JSON path (`"forms[2]": "…/forms/sales_order.json"`), so a
    caller can point at the file behind a validation error.
    """
    path = Path(path)
    if path.is_dir():
        return _load_folder(path, sources)
    if not path.exists():
        raise DefinitionLoadError(path, "no such file or folder")
    definition = _read_json(path)
    if not isinstance(definition, dict):
        raise DefinitionLoadError(path, "an app definition must be a JSON object")
    if sources is not None:
        _record_sources(definition, path, sources, 0, 0)
    return definition


def _load_folder(folder: Path, sources: dict[str, str] | None) -> dict:
    app_file = folder / "app.json"
    if not app_file.is_file():
        raise DefinitionLoadError(app_file, "a definition folder needs an app.json")
    definition = _read_json(app_file)
    if not isinstance(definition, dict):
        raise DefinitionLoadError(app_file, "app.json must hold a JSON object")
    forms = _as_list(definition, "forms", app_file)
    rules = _as_list(definition, "rules", app_file)
    if sources is not None:
        _record_sources(definition, app_file, sources, 0, 0)
    for form_file in _json_files(folder / "forms"):
        form = _read_json(form_file)
        if not isinstance(form, dict):
            raise DefinitionLoadError(form_file, "a form file must hold one JSON object (a form)")
        if sources is not None:
            sources[f"forms[{len(forms)}]"] = str(form_file)
        forms.append(form)
    for rule_file in _json_files(folder / "rules"):
        content = _read_json(rule_file)
        items = content if isinstance(content, list) else [content]
        for item in items:
            if not isinstance(item, dict):
                raise DefinitionLoadError(
                    rule_file, "a rule file must hold a rule object or a list of rule objects")
            if sources is not None:
                sources[f"rules[{len(rules)}]"] = str(rule_file)
            rules.append(item)
    for key, noun in (("reports", "report"), ("dashboards", "dashboard")):
        items = _as_list(definition, key, app_file)
        for item_file in _json_files(folder / key):
            content = _read_json(item_file)
            for item in content if isinstance(content, list) else [content]:
                if not isinstance(item, dict):
                    raise DefinitionLoadError(
                        item_file, f"a {noun} file must hold a {noun} object or a list of them")
                if sources is not None:
                    sources[f"{key}[{len(items)}]"] = str(item_file)
                items.append(item)
        if items or key in definition:
            definition[key] = items
    if forms or "forms" in definition:
        definition["forms"] = forms
    if rules or "rules" in definition:
        definition["rules"] = rules
    return definition


def _as_list(definition: dict, key: str, app_file: Path) -> list:
    value = definition.get(key, [])
    if not isinstance(value, list):
        raise DefinitionLoadError(app_file, f"'{key}' in app.json must be a list")
    return list(value)


def _json_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())


def _record_sources(definition: dict, file: Path, sources: dict[str, str],
                    form_start: int, rule_start: int) -> None:
    for key, start in (("forms", form_start), ("rules", rule_start)):
        items = definition.get(key)
        if isinstance(items, list):
            for index in range(len(items)):
                sources[f"{key}[{start + index}]"] = str(file)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DefinitionLoadError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DefinitionLoadError(path, exc.strerror or str(exc)) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DefinitionLoadError(path, exc.msg, exc.lineno, exc.colno) from None
    except _DuplicateKey as exc:
        line, column = _locate_key(text, exc.key)
        raise DefinitionLoadError(path, f"duplicate key '{exc.key}'", line, column) from None
    except (ValueError, RecursionError) as exc:
        raise DefinitionLoadError(path, str(exc) or "invalid JSON") from None


def _locate_key(text: str, key: str) -> tuple[int | None, int | None]:
    """Best effort: the line and column of the second occurrence of `"key":`."""
    needle = json.dumps(key)
    first = text.find(needle)
    second = text.find(needle, first + 1) if first >= 0 else -1
    while second >= 0:
        rest = text[second + len(needle):].lstrip()
        if rest.startswith(":"):
            line = text.count("\n", 0, second) + 1
            column = second - (text.rfind("\n", 0, second) + 1) + 1
            return line, column
        second = text.find(needle, second + 1)
    return None, None
