"""Convert typed record values to JSON and compute record diffs.

Decimals become JSON numbers (DESIGN §5) whenever the number survives the trip
exactly, which holds for every value with 15 significant digits or fewer; longer
ones are sent as strings rather than silently rounded.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from engine.definitions.model import FormModel

SYSTEM_KEYS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
# Keys of a record answer a client may send back but never sets (DESIGN §7.1):
# the system columns plus what reads add (link titles, workflow transitions).
ANSWER_KEYS = SYSTEM_KEYS + ("_titles", "available_transitions")


def json_value(value: Any) -> Any:
    # Dispatch on the exact type first: list pages and change-log snapshots call
    # this for every value, and most values need no conversion at all.
    kind = value.__class__
    if kind in _AS_IS:
        return value
    convert = _CONVERTERS.get(kind)
    return convert(value) if convert is not None else _convert_subclass(value)


def _decimal_json(value: Decimal) -> Any:
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else str(value)


def _datetime_json(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds") + "Z"


def _convert_subclass(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _decimal_json(value)
    if isinstance(value, datetime):
        return _datetime_json(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


_AS_IS = frozenset({str, int, float, bool, type(None)})
_CONVERTERS = {
    Decimal: _decimal_json,
    datetime: _datetime_json,
    date: date.isoformat,
    list: lambda value: [json_value(v) for v in value],
    dict: lambda value: {k: json_value(v) for k, v in value.items()},
}


def record_to_json(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: json_value(value) for key, value in record.items()}


def diff_records(form: FormModel, old: Mapping[str, Any] | None,
                 new: Mapping[str, Any] | None) -> dict[str, Any]:
    """{"fields": {name: [old, new]}, "rows": {subform: {"added", "removed", "changed"}}}"""
    old, new = old or {}, new or {}
    fields = {}
    names = [f.name for f in form.scalar_fields]
    if form.workflow and form.workflow.field not in names:
        names.append(form.workflow.field)
    for name in names:
        before, after = json_value(old.get(name)), json_value(new.get(name))
        if before != after and not (_empty(before) and _empty(after)):
            fields[name] = [before, after]
    rows = {}
    for sub in form.subforms:
        change = _diff_rows(sub.fields, old.get(sub.name) or [], new.get(sub.name) or [])
        if change:
            rows[sub.name] = change
    return {"fields": fields, "rows": rows}


def _empty(value: Any) -> bool:
    """No value: a list field never set (None) and one set to [] say the same."""
    return value is None or value == []


def _diff_rows(fields, old_rows, new_rows) -> dict[str, Any]:
    old_by_id = {row["id"]: row for row in old_rows if row.get("id")}
    new_by_id = {row["id"]: row for row in new_rows if row.get("id")}
    added = [record_to_json(row) for row in new_rows if row.get("id") not in old_by_id]
    removed = [record_to_json(row) for rid, row in old_by_id.items() if rid not in new_by_id]
    changed = []
    for rid, row in new_by_id.items():
        if rid not in old_by_id:
            continue
        diff = {}
        for field in fields:
            before, after = json_value(old_by_id[rid].get(field.name)), json_value(row.get(field.name))
            if before != after:
                diff[field.name] = [before, after]
        if diff:
            changed.append({"id": rid, "fields": diff})
    result = {k: v for k, v in (("added", added), ("removed", removed), ("changed", changed)) if v}
    return result


def is_empty_diff(diff: Mapping[str, Any]) -> bool:
    return not diff["fields"] and not diff["rows"]
