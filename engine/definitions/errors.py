"""The error a definition check reports, and the JSON path notation it uses.

Paths read like the JSON they point into: `forms[2].fields[4].formula`,
`rules[0].match.warehouse`, `forms[1].permissions.sales.fields.cost_price`.
Keys that are not plain identifiers are quoted: `forms[0].permissions["Sales Team"]`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable

__all__ = ["DefinitionError", "format_path", "errors_only", "warnings_only", "has_errors",
           "ROOT_PATH"]

ROOT_PATH = "$"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a definition, at a JSON path."""

    path: str
    message: str
    hint: str | None = None
    severity: str = "error"          # "error" | "warning"

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def format_path(parts: Iterable[object]) -> str:
    """('forms', 2, 'fields', 4, 'formula') -> 'forms[2].fields[4].formula'."""
    text = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif isinstance(part, str) and _IDENTIFIER.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return text or ROOT_PATH


def errors_only(problems: Iterable[DefinitionError]) -> list[DefinitionError]:
    return [p for p in problems if p.severity == "error"]


def warnings_only(problems: Iterable[DefinitionError]) -> list[DefinitionError]:
    return [p for p in problems if p.severity == "warning"]


def has_errors(problems: Iterable[DefinitionError]) -> bool:
    return any(p.severity == "error" for p in problems)
