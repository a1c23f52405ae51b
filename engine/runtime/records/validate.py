"""Validate a computed record against its form's generated JSON Schema.

Errors are collected (not first-only) and each names its place in the record
(`lines[2].qty`) with a message a clerk understands.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, Mapping

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from engine.definitions.model import FormModel
from engine.runtime.errors import ErrorCollector
from engine.runtime.records.schema import record_schema


@lru_cache(maxsize=512)
def _validators(form: FormModel):
    """A fast validator (Rust) to accept valid records, and the reference Python
    validator to explain invalid ones with paths and messages."""
    schema = record_schema(form)
    Draft202012Validator.check_schema(schema)
    return jsonschema_rs.validator_for(schema), Draft202012Validator(schema)


def validate_record(form: FormModel, record: Mapping[str, Any], errors: ErrorCollector) -> None:
    instance = _schema_instance(form, record)
    fast, explaining = _validators(form)
    if fast.is_valid(instance):
        return
    for error in sorted(explaining.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        errors.add(error_path(error), error_message(error))


def _schema_instance(form: FormModel, record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as the schema sees it: dates as ISO strings, only defined keys."""
    instance = {}
    for field in form.fields:
        value = record.get(field.name)
        if field.is_subform:
            instance[field.name] = [
                {sub.name: _plain(row.get(sub.name)) for sub in field.fields}
                for row in value or ()]
        else:
            instance[field.name] = _plain(value)
    return instance


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def error_path(error: ValidationError) -> str | None:
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else None
        parts.append(missing)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or None


_MESSAGES = {
    "required": lambda e: "is required",
    "minimum": lambda e: f"must be at least {e.validator_value}",
    "maximum": lambda e: f"must be at most {e.validator_value}",
    "maxLength": lambda e: f"must be at most {e.validator_value} characters",
    "pattern": lambda e: "does not have the expected format",
    "enum": lambda e: "must be one of: " + ", ".join(str(v) for v in e.validator_value if v is not None),
    "minItems": lambda e: "needs at least one row" if e.validator_value == 1
    else f"needs at least {e.validator_value} rows",
    "uniqueItems": lambda e: "must not repeat a value",
    "additionalProperties": lambda e: "unknown field",
}


def error_message(error: ValidationError) -> str:
    if error.validator == "type" and error.instance is None:
        return "is required"
    render = _MESSAGES.get(error.validator)
    return render(error) if render else error.message
