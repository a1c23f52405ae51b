"""Step "parse" of the save pipeline: check and coerce what the caller submitted.

Unknown keys are a bad request (400) naming every one, for every caller; values
of the wrong type are a validation failure (422) at their path; changing a
read-only field (computed, autonumber, rule-adjusted, workflow state) is
forbidden (403) naming the field. Sending a read-only field back unchanged is
fine, so a client may PATCH the record it just read.

System columns and answer-only keys (`ANSWER_KEYS`: `id`, `version`, the
created/updated stamps, `_titles`, `available_transitions`) follow the same
rule (DESIGN §7.1): sent back as the record answers them they are ignored; set
on a create (a non-null value) or changed on an update they are 403 naming
them. `version` is the optimistic-concurrency value: a different one on an
update is a stale copy, 409 `conflict`. Inside subform rows `id` is the row's
identity; the other keys of the list are refused there unless null.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from engine.definitions.model import FieldModel, FormModel

from engine.runtime.errors import BadRequest, Conflict, ErrorCollector, ErrorDetail, Forbidden
from engine.runtime.records.coerce import CoercionError, coerce_value, json_integer
from engine.runtime.records.state import SaveState
from engine.runtime.records.values import ANSWER_KEYS, json_value

READ_ONLY = "read-only field"
SET_BY_ENGINE = "set by the engine: leave it out or send it as read"


class SubmissionParser:
    def __init__(self, form: FormModel, readonly: frozenset[str], trusted: frozenset[str] = frozenset(),
                 answered: Callable[[str], Any] | None = None):
        self.form = form
        self.readonly = readonly - trusted
        self.state_field = form.workflow.field if form.workflow else None
        self.trusted = trusted
        # What the record answer says for a key that is not a stored column
        # (`_titles`, `available_transitions`), computed only when one is sent.
        self.answered = answered or (lambda key: None)
        self.unknown: list[str] = []
        self.forbidden: list[tuple[str, str]] = []
        self.invalid = ErrorCollector()

    def parse(self, state: SaveState) -> None:
        previous = state.previous or {}
        for key, value in state.submitted.items():
            if key in ANSWER_KEYS:
                self._parse_answer_key(state, key, value)
                continue
            field = self.form.field(key)
            if key == self.state_field and field is None:
                self._parse_state(state, key, value, previous)
            elif field is None:
                self.unknown.append(key)
            elif field.is_subform:
                self._parse_rows(state, field, value, previous.get(key) or [])
            else:
                self._parse_scalar(state, field, key, value, previous.get(key), key in self.readonly)
        self._raise()

    def _parse_answer_key(self, state: SaveState, key: str, value: Any) -> None:
        if state.previous is None:
            if value is not None:
                self.forbidden.append((key, SET_BY_ENGINE))
            return
        if key == "version":
            _check_version(value, state.previous["version"])
            return
        stored = self.answered(key) if key not in state.previous else json_value(state.previous[key])
        if json_value(json_integer(value)) != stored:
            self.forbidden.append((key, SET_BY_ENGINE))

    def _parse_state(self, state, key, value, previous) -> None:
        if key in self.trusted:
            state.changes[key] = value
        elif value != previous.get(key):
            self.forbidden.append((key, READ_ONLY))

    def _parse_scalar(self, state, field: FieldModel, path: str, value: Any, before: Any,
                      readonly: bool) -> None:
        try:
            typed = coerce_value(field, value)
        except CoercionError as error:
            if readonly:
                self.forbidden.append((path, READ_ONLY))
            else:
                self.invalid.add(path, str(error))
            return
        if readonly:
            if json_value(typed) != json_value(before):
                self.forbidden.append((path, READ_ONLY))
            return
        state.changes[field.name] = typed

    def _parse_rows(self, state: SaveState, field: FieldModel, value: Any,
                    previous_rows: list[Mapping[str, Any]]) -> None:
        if field.name in self.readonly:
            if not _rows_unchanged(field, value, previous_rows):
                self.forbidden.append((field.name, READ_ONLY))
            return
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            self.invalid.add(field.name, "expected a list of rows (objects)")
            return
        by_id = {row["id"]: row for row in previous_rows}
        parsed_rows, submitted_keys = [], []
        for index, row in enumerate(value):
            path = f"{field.name}[{index}]"
            parsed = self._parse_row(state, field, row, path, by_id)
            parsed_rows.append(parsed)
            submitted_keys.append({k for k in row if k != "id"})
        state.row_changes[field.name] = parsed_rows
        state.row_submitted[field.name] = submitted_keys

    def _parse_row(self, state, field: FieldModel, row: Mapping[str, Any], path: str,
                   by_id: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        row_id = json_integer(row.get("id"))
        if row_id is not None:
            if isinstance(row_id, bool) or not isinstance(row_id, int) or row_id not in by_id:
                self.invalid.add(f"{path}.id", "no such row in this record")
            else:
                parsed["id"] = row_id
        before = by_id.get(row_id, {}) if isinstance(row_id, int) else {}
        for key, item in row.items():
            if key == "id":
                continue
            if key in ANSWER_KEYS:       # rows are answered without them: only null goes back
                if item is not None:
                    self.forbidden.append((f"{path}.{key}", SET_BY_ENGINE))
                continue
            sub = field.subfield(key)
            if sub is None:
                self.unknown.append(f"{path}.{key}")
                continue
            readonly = sub.is_computed or sub.type == "autonumber"
            holder: dict[str, Any] = {}
            proxy = SaveState(form=self.form, action=state.action, cause=state.cause, changes=holder)
            self._parse_scalar(proxy, sub, f"{path}.{key}", item, before.get(key), readonly)
            parsed.update(holder)
        return parsed

    def _raise(self) -> None:
        if self.unknown:
            raise BadRequest("Unknown fields: " + ", ".join(self.unknown),
                             [ErrorDetail(path, "unknown field") for path in self.unknown])
        if self.forbidden:
            raise Forbidden("Read-only fields cannot be changed: " + ", ".join(p for p, _ in self.forbidden),
                            [ErrorDetail(path, message) for path, message in self.forbidden])
        self.invalid.raise_if_any()


def _check_version(value: Any, stored: int) -> None:
    """`version` in a write body: the version the caller read (as `If-Match`)."""
    version = json_integer(value)
    if isinstance(version, bool) or not isinstance(version, int):
        raise BadRequest("version must be a whole number", [ErrorDetail("version", "not a number")])
    if version != stored:
        raise Conflict(f"Version conflict: you have version {version}, "
                       f"the stored record is at version {stored}")


def _rows_unchanged(field: FieldModel, value: Any, previous_rows: list[Mapping[str, Any]]) -> bool:
    """Whether submitted rows say exactly what is stored (same rows, same order,
    same values): a read-only subform may be sent back as it was read."""
    if not isinstance(value, list) or len(value) != len(previous_rows):
        return False
    for row, before in zip(value, previous_rows):
        if not isinstance(row, dict) or json_integer(row.get("id")) != before["id"]:
            return False
        for key, item in row.items():
            sub = field.subfield(key)
            if key == "id" or (key in ANSWER_KEYS and item is None):
                continue
            if sub is None:
                return False
            try:
                typed = coerce_value(sub, item)
            except CoercionError:
                return False
            if json_value(typed) != json_value(before.get(key)):
                return False
    return True

