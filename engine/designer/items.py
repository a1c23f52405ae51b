"""New items the editor inserts: a form, a field of each type, a role, a rule,
a workflow state or transition. Each starts as small as the definition
language allows; what still has to be filled in (a subform's fields, a
select's options) the validator reports at its path, next to its control."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from engine.definitions.schema import SCHEMA_DIR

FIELD_TYPES = ("text", "textarea", "integer", "decimal", "boolean", "date", "datetime", "select",
               "multiselect", "link", "subform", "autonumber", "user", "email", "phone", "attachment")
_NAME = re.compile(r"[^a-z0-9_]+")


def label_of(label_zh: str = "", label_en: str = "") -> dict[str, str] | None:
    label = {k: v.strip() for k, v in (("en", label_en), ("zh", label_zh)) if v and v.strip()}
    return label or None


def suggest_name(text: str, taken: set[str], fallback: str) -> str:
    """A valid SQL-safe name from what the user typed (English label, or a fallback)."""
    base = _NAME.sub("_", (text or "").strip().lower()).strip("_")[:28]
    if not base or not base[0].isalpha():
        base = fallback
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def new_field(kind: str, name: str, label: dict | None, forms: list[str]) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": kind if kind in FIELD_TYPES else "text"}
    if label:
        field["label"] = label
    if field["type"] == "link":
        field["form"] = forms[0] if forms else ""
    elif field["type"] in ("select", "multiselect"):
        field["options"] = [{"value": "a", "label": {"en": "A", "zh": "甲"}}]
    elif field["type"] == "subform":
        field["fields"] = []
    elif field["type"] == "autonumber":
        field["pattern"] = "{YYYY}{MM}-{seq:4}"
    elif field["type"] == "decimal":
        field["scale"] = 2
    return field


def new_form(name: str, label: dict | None) -> dict[str, Any]:
    form: dict[str, Any] = {"name": name}
    if label:
        form["label"] = label
    form["title"] = "name"
    form["fields"] = [{"name": "name", "type": "text", "label": {"en": "Name", "zh": "名称"},
                       "required": True}]
    return form


def new_rule(kind: str, name: str, source: str, label: dict | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": name}
    if label:
        rule["label"] = label
    rule["source"] = source
    if kind == "event":
        rule["on"] = ["created"]
        rule["actions"] = [{"notify": ["admin"], "message": "{id}"}]
    else:
        rule["target"] = ""
        rule["match"] = {}
        rule["adjust"] = {}
    return rule


def new_report(name: str, source: str, label: dict | None) -> dict[str, Any]:
    """A report that counts the source's rows: runnable at once, grown from there."""
    report: dict[str, Any] = {"name": name}
    if label:
        report["label"] = label
    report["source"] = source
    report["measures"] = [{"name": "count", "agg": "count", "label": {"en": "Count", "zh": "数量"}}]
    return report


def new_job(name: str, label: dict | None, forms: list[str]) -> dict[str, Any]:
    """A daily job that creates a record of the first form: valid at once, changed from there."""
    job: dict[str, Any] = {"name": name}
    if label:
        job["label"] = label
    job["cron"] = "0 6 * * *"
    job["action"] = {"create": forms[0] if forms else ""}
    return job


def new_workflow() -> dict[str, Any]:
    return {"initial": "draft",
            "states": [{"name": "draft", "label": {"en": "Draft", "zh": "草稿"}},
                       {"name": "done", "label": {"en": "Done", "zh": "完成"}}],
            "transitions": [{"name": "finish", "label": {"en": "Finish", "zh": "完成"},
                             "from": "draft", "to": "done"}]}


def new_state(name: str, label: dict | None) -> dict[str, Any]:
    state: dict[str, Any] = {"name": name}
    if label:
        state["label"] = label
    return state


def new_transition(name: str, label: dict | None, states: list[str]) -> dict[str, Any]:
    transition: dict[str, Any] = {"name": name}
    if label:
        transition["label"] = label
    transition["from"] = states[0] if states else ""
    transition["to"] = states[-1] if states else ""
    return transition


@lru_cache(maxsize=1)
def _keys_by_type() -> dict[str, frozenset[str]]:
    """Type-specific field keys and the types that allow them (field.schema.json)."""
    document = json.loads((SCHEMA_DIR / "field.schema.json").read_text("utf-8"))
    return {key: frozenset(rule["properties"]["type"]["enum"])
            for key, rule in document["dependentSchemas"].items()}


def retype(field: dict[str, Any], forms: list[str]) -> dict[str, Any]:
    """A field after its type changed: keys the new type does not allow go (a
    decimal's scale on a text field), keys it needs come with their starting
    values (a link's form, a select's options)."""
    kind = field.get("type")
    allowed = _keys_by_type()
    result = {k: v for k, v in field.items() if k not in allowed or kind in allowed[k]}
    for key, value in new_field(kind, field.get("name", ""), None, forms).items():
        if key in ("form", "options", "fields", "pattern") and key not in result:
            result[key] = value          # what the new type requires
    return result
