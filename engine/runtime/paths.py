"""URL path values shared by the API and the screens.

App and form names follow the definition language's name pattern and record
ids fit the database; anything else cannot exist, so it is simply not found
(404) before any query runs (a NUL in a name would otherwise reach the driver).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from engine.runtime.errors import NotFound
from engine.runtime.records.coerce import MAX_INTEGER

NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def check_path_values(_endpoint: str | None, values: Mapping[str, Any] | None) -> None:
    for key in ("app", "form"):
        name = (values or {}).get(key)
        if name is not None and not NAME.fullmatch(name):
            raise NotFound(f"No {key} named {name!r}")
    record_id = (values or {}).get("record_id")
    if record_id is not None and not 0 < record_id <= MAX_INTEGER:
        raise NotFound(f"No record with id {record_id}")
