"""Describe installed apps and forms as JSON (for /forms and the OpenAPI document)."""
from __future__ import annotations

from typing import Any

from engine.definitions.model import FieldModel, FormModel


def describe_field(field: FieldModel, readonly: frozenset[str] = frozenset()) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": field.name, "type": field.type, "label": dict(field.label),
        "required": field.required,
        "readonly": field.is_computed or field.type == "autonumber" or field.name in readonly,
    }
    if field.type == "link":
        described["form"] = field.form
    if field.options:
        described["options"] = [{"value": o.value, "label": dict(o.label)} for o in field.options]
    if field.scale is not None:
        described["scale"] = field.scale
    if field.formula:
        described["formula"] = field.formula
    if field.is_subform:
        described["fields"] = [describe_field(f) for f in field.fields]
    return described


def describe_form(form: FormModel, readonly: frozenset[str], access=None) -> dict[str, Any]:
    """The form as `access` (the caller's permissions, if given) lets them see
    it: hidden fields left out, fields they may not write marked readonly."""
    if access is not None:
        readonly = readonly | (frozenset(access.levels) - access.writable)
    fields = [f for f in form.fields if access is None or access.level(f.name) != "hidden"]
    described: dict[str, Any] = {
        "name": form.name, "label": dict(form.label), "title": form.title,
        "fields": [describe_field(f, readonly) for f in fields],
    }
    if access is not None:
        described["rights"] = sorted(access.rights)
    if form.workflow and (access is None or access.level(form.workflow.field) != "hidden"):
        described["workflow"] = {
            "field": form.workflow.field, "initial": form.workflow.initial,
            "states": [{"name": s.value, "label": dict(s.label)} for s in form.workflow.states],
            "transitions": [{"name": t.name, "label": dict(t.label), "from": list(t.from_states),
                             "to": t.to} for t in form.workflow.transitions],
        }
    return described
