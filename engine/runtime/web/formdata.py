"""Turn a posted record form into the values the record service takes, and
the service's error paths back into the form's inputs.

Input names: `qty` for a field, `lines-3-qty` / `lines-3-id` for subform cells
(3 is the row's place on the page). Rows left completely blank are the spare
rows a page without JavaScript offers; they are not sent. The service numbers
rows by their place in the submitted list, so `Submission.row_index` maps its
`lines[1].qty` back to the page's row 3.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dataclass_field
from typing import Any, Mapping

from werkzeug.datastructures import MultiDict

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.errors import ErrorDetail
from engine.runtime.web.access import FormAccess

ROW_INPUT = re.compile(r"(?P<sub>[a-z][a-z0-9_]*)-(?P<index>[0-9]{1,4})-(?P<field>[a-z_][a-z0-9_]*)")
ERROR_PATH = re.compile(r"(?P<sub>[a-z][a-z0-9_]*)\[(?P<index>[0-9]+)\](?P<rest>.*)")
VERSION_INPUT = "_version"
MAX_ROWS = 1000


@dataclass
class Submission:
    values: dict[str, Any]                       # what the service receives
    rows: dict[str, list[dict[str, Any]]]        # every posted row, by page index (for re-rendering)
    row_index: dict[str, list[int]] = dataclass_field(default_factory=dict)  # sent index -> page index
    version: int | None = None

    def page_path(self, path: str | None) -> str | None:
        """`lines[1].qty` as the service names it → `lines[3].qty` on the page."""
        if not path:
            return path
        match = ERROR_PATH.fullmatch(path)
        if not match:
            return path
        indexes = self.row_index.get(match["sub"], [])
        sent = int(match["index"])
        page_index = indexes[sent] if sent < len(indexes) else sent
        return f"{match['sub']}[{page_index}]{match['rest']}"

    def field_errors(self, details: list[ErrorDetail]) -> tuple[dict[str, list[str]], list[str]]:
        """Errors by page path, and the ones that belong to no field (shown on top)."""
        by_path: dict[str, list[str]] = {}
        general: list[str] = []
        for detail in details:
            path = self.page_path(detail.field)
            if path:
                by_path.setdefault(path, []).append(detail.message)
            else:
                general.append(detail.message)
        return by_path, general


def parse_submission(form: FormModel, access: FormAccess, data: MultiDict, *, creating: bool) -> Submission:
    values: dict[str, Any] = {}
    for field in form.scalar_fields:
        if access.writable(field.name):
            _put(values, field, _scalar(field, data, field.name), creating)
    submission = Submission(values, {}, version=_version(data.get(VERSION_INPUT)))
    for sub in form.subforms:
        if access.writable(sub.name):
            _parse_rows(form, sub, access, data, submission, creating)
    return submission


def _version(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 18 else None


def _scalar(field: FieldModel, data: MultiDict, name: str) -> Any:
    if field.type == "multiselect":
        return [v for v in data.getlist(name) if v]
    if field.type == "boolean":
        return data.get(name) in ("on", "1", "true", "yes")
    return data.get(name, "")


def _put(values: dict[str, Any], field: FieldModel, raw: Any, creating: bool) -> None:
    """Blank inputs: left out on create (defaults apply) and for `fill_from`
    fields (the server fills them from the link); otherwise they clear the value."""
    if isinstance(raw, str) and raw.strip() == "" and field.type != "textarea":
        if creating or field.fill_from:
            return
        values[field.name] = None
        return
    if field.type == "multiselect" and not raw and creating:
        return
    values[field.name] = raw


def _parse_rows(form: FormModel, sub: FieldModel, access: FormAccess, data: MultiDict,
                submission: Submission, creating: bool) -> None:
    posted: dict[int, dict[str, Any]] = {}
    for key in data.keys():
        match = ROW_INPUT.fullmatch(key)
        if match and match["sub"] == sub.name and int(match["index"]) < MAX_ROWS:
            posted.setdefault(int(match["index"]), {})
    sent, indexes, page_rows = [], [], []
    for index in sorted(posted):
        prefix = f"{sub.name}-{index}-"
        row_id = data.get(prefix + "id", "").strip()
        raw = {"id": row_id} if row_id else {}
        row: dict[str, Any] = {"id": int(row_id)} if row_id.isdigit() else {}
        for cell in sub.fields:
            if access.writable(f"{sub.name}.{cell.name}"):
                raw[cell.name] = _scalar(cell, data, prefix + cell.name)
                _put(row, cell, raw[cell.name], creating or "id" not in row)
        page_rows.append(raw)
        if "id" in row or any(v not in (None, "", [], False) for k, v in row.items() if k != "id"):
            sent.append(row)
            indexes.append(len(page_rows) - 1)
    submission.values[sub.name] = sent
    submission.rows[sub.name] = page_rows
    submission.row_index[sub.name] = indexes


def record_for_form(form: FormModel, stored: Mapping[str, Any] | None, submission: Submission | None) -> dict[str, Any]:
    """What the form shows: the stored record, with what the user posted on top
    (so a page with errors keeps every value the user typed)."""
    record = dict(stored or {})
    if submission is None:
        return record
    for name, value in submission.values.items():
        if form.field(name) is not None and not form.field(name).is_subform:
            record[name] = value
    for sub_name, rows in submission.rows.items():
        stored_rows = {row.get("id"): row for row in (stored or {}).get(sub_name) or []}
        record[sub_name] = [{**stored_rows.get(_row_id(row), {}), **row} for row in rows]
    return record


def _row_id(row: Mapping[str, Any]) -> int | None:
    raw = str(row.get("id", ""))
    return int(raw) if raw.isdigit() else None
