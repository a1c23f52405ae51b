"""The state of one save as it moves through the pipeline's named steps."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.definitions.model import FormModel
from engine.runtime.actor import Cause


@dataclass
class SaveState:
    form: FormModel
    action: str                                  # create | update | delete | restore | transition
    cause: Cause
    submitted: dict[str, Any] = field(default_factory=dict)
    record_id: int | None = None
    expected_version: int | None = None
    previous: dict[str, Any] | None = None       # stored record before this save (None on create)
    changes: dict[str, Any] = field(default_factory=dict)        # coerced scalar values
    row_changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    row_submitted: dict[str, list[set[str]]] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)         # the full record being saved
    system_values: dict[str, Any] = field(default_factory=dict)  # values only the engine sets
    diff: dict[str, Any] | None = None

    @property
    def is_create(self) -> bool:
        return self.previous is None
