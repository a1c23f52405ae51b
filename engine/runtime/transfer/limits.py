"""What an import file may hold (DESIGN §7.1: import files are not trusted).

The limits are checked while the file is read, never from what the file says
about itself (an XLSX `<dimension>` is ignored), so a hostile file is refused
within seconds with memory flat. Settings (app config, or the environment as
`LIANDONG_<NAME>`): see docs/operations.md.

Errors carry a `problem` code and its numbers besides the English message, so
the import screen can say the same in the user's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from engine.runtime.errors import BadRequest, ErrorDetail, PayloadTooLarge

MB = 1024 * 1024
DEFAULTS = {
    "IMPORT_MAX_BYTES": 20 * MB,             # the uploaded file (413)
    "IMPORT_MAX_ROWS": 100_000,              # data rows after the header (413)
    "IMPORT_MAX_COLUMNS": 500,               # a cell further right is refused (400)
    "IMPORT_MAX_CELL_CHARS": 32_767,         # Excel's own limit for a cell (400)
    "IMPORT_MAX_CELLS": 1_000_000,           # values in the file, e.g. 50,000 rows x 20 (413)
    "IMPORT_MAX_UNPACKED_BYTES": 200 * MB,   # XML read out of an XLSX: zip bombs (413)
}


@dataclass(frozen=True)
class ImportLimits:
    max_rows: int = DEFAULTS["IMPORT_MAX_ROWS"]
    max_columns: int = DEFAULTS["IMPORT_MAX_COLUMNS"]
    max_cell_chars: int = DEFAULTS["IMPORT_MAX_CELL_CHARS"]
    max_cells: int = DEFAULTS["IMPORT_MAX_CELLS"]
    max_unpacked_bytes: int = DEFAULTS["IMPORT_MAX_UNPACKED_BYTES"]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "ImportLimits":
        def get(name: str) -> int:
            return int(config.get(name) or DEFAULTS[name])
        return cls(max_rows=get("IMPORT_MAX_ROWS"), max_columns=get("IMPORT_MAX_COLUMNS"),
                   max_cell_chars=get("IMPORT_MAX_CELL_CHARS"), max_cells=get("IMPORT_MAX_CELLS"),
                   max_unpacked_bytes=get("IMPORT_MAX_UNPACKED_BYTES"))

    @classmethod
    def current(cls) -> "ImportLimits":
        """The running app's limits; the defaults outside an app."""
        from flask import current_app, has_app_context
        return cls.from_config(current_app.config) if has_app_context() else cls()


@dataclass
class UnreadableFile(BadRequest):
    """400: the file cannot be read, or breaks a limit on its shape."""
    problem: str = "unreadable"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class FileTooLarge(PayloadTooLarge):
    """413: the file is larger than an import may be."""
    problem: str = "too_large"
    params: dict[str, Any] = field(default_factory=dict)


def unreadable(problem: str, message: str, **params: Any) -> UnreadableFile:
    return UnreadableFile(message, [ErrorDetail("file", message)], problem=problem, params=params)


def too_large(problem: str, message: str, **params: Any) -> FileTooLarge:
    return FileTooLarge(message, [ErrorDetail("file", message)], problem=problem, params=params)


def count(number: int) -> str:
    """1,048,576: numbers in messages are easier to read grouped."""
    return f"{number:,}"
