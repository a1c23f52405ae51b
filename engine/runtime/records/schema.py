"""JSON Schema of a form's records, generated from its definition.

One schema per form serves two purposes so they cannot drift apart: the save
pipeline validates every record against it, and the OpenAPI document reuses it.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.records.coerce import DECIMAL_PRECISION, MAX_INTEGER

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^[0-9+()\-. ]{3,50}$"
DEFAULT_TEXT_LENGTH = 255
SYSTEM_PROPERTIES = {
    "id": {"type": "integer", "readOnly": True},
    "version": {"type": "integer", "readOnly": True},
    "created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "created_by": {"type": ["integer", "null"], "readOnly": True},
    "updated_at": {"type": ["string", "null"], "format": "date-time", "readOnly": True},
    "updated_by": {"type": ["integer", "null"], "readOnly": True},
}


def text_limit(field: FieldModel) -> int | None:
    if field.type == "textarea":
        return field.max_length
    if field.type in ("text", "email"):
        return field.max_length or DEFAULT_TEXT_LENGTH
    if field.type == "phone":
        return 50
    return None


def field_schema(field: FieldModel) -> dict[str, Any]:
    """The schema of one stored field value (null allowed unless required)."""
    schema = _type_schema(field)
    if field.label:
        schema["title"] = field.label.get("en", field.name)
    if field.is_computed or field.type == "autonumber":
        schema["readOnly"] = True
    if field.type == "subform":
        return schema
    if not field.required or field.is_computed or field.type == "autonumber":
        schema = _nullable(schema)
    return schema


def _type_schema(field: FieldModel) -> dict[str, Any]:
    kind = field.type
    if kind in ("text", "textarea", "email", "phone", "autonumber"):
        schema: dict[str, Any] = {"type": "string"}
        if (limit := text_limit(field)) is not None:
            schema["maxLength"] = limit
        pattern = {"email": EMAIL_PATTERN, "phone": PHONE_PATTERN}.get(kind)
        if kind == "text" and field.pattern:
            pattern = field.pattern
        if pattern:
            schema["pattern"] = pattern
        return schema
    if kind in ("integer", "decimal"):
        schema = {"type": "integer" if kind == "integer" else "number"}
        if field.min is not None:
            schema["minimum"] = field.min
        if field.max is not None:
            schema["maximum"] = field.max
        if kind == "integer":
            schema.setdefault("minimum", -MAX_INTEGER)
            schema.setdefault("maximum", MAX_INTEGER)
        if kind == "decimal":
            # What coerce accepts: 15 significant digits, so a JSON double holds it exactly.
            bound = 10 ** (DECIMAL_PRECISION - (field.scale or 0))
            schema.setdefault("minimum", -bound + 1)
            schema.setdefault("maximum", bound - 1)
        return schema
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "datetime":
        return {"type": "string", "format": "date-time"}
    if kind == "select":
        return {"type": "string", "enum": list(field.option_values)}
    if kind == "multiselect":
        return {"type": "array", "uniqueItems": True,
                "items": {"type": "string", "enum": list(field.option_values)}}
    if kind in ("link", "user"):
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}
        if kind == "link":
            schema["x-link"] = field.form
        return schema
    if kind == "attachment":
        return {"type": "array", "items": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "url": {"type": "string"},
                           "size": {"type": "integer"}, "content_type": {"type": "string"}}}}
    if kind == "subform":
        schema = {"type": "array", "items": row_schema(field)}
        if field.required:
            schema["minItems"] = 1
        return schema
    raise ValueError(f"no schema for field type {kind}")


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def row_schema(subform: FieldModel) -> dict[str, Any]:
    properties = {"id": {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}}
    properties.update({f.name: field_schema(f) for f in subform.fields})
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": [f.name for f in subform.fields if _must_be_present(f)]}


def _must_be_present(field: FieldModel) -> bool:
    return field.required and not field.is_computed and field.type != "autonumber"


@lru_cache(maxsize=512)
def record_schema(form: FormModel, extra_readonly: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The schema a stored record (after defaults and formulas) must satisfy."""
    properties: dict[str, Any] = dict(SYSTEM_PROPERTIES)
    for field in form.fields:
        properties[field.name] = field_schema(field)
        if field.name in extra_readonly:
            properties[field.name]["readOnly"] = True
    if form.workflow and form.workflow.field not in properties:
        properties[form.workflow.field] = {"type": "string", "readOnly": True,
                                          "enum": list(form.workflow.state_names)}
    required = [f.name for f in form.fields
                if f.required and not f.is_computed and f.type != "autonumber"]
    return {"type": "object", "title": form.label.get("en", form.name),
            "properties": properties, "required": required, "additionalProperties": False}
