"""Field view models: which input a field gets and how its value reads.

One entry per field type, so adding a type means adding a row here and a
branch in templates/macros/fields.html, nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from flask_babel import gettext as _

from engine.definitions.model import FieldModel
from engine.runtime.web.i18n import label

# field type -> widget the macro library renders
WIDGETS = {
    "text": "text", "textarea": "textarea", "integer": "number", "decimal": "number",
    "boolean": "checkbox", "date": "date", "datetime": "datetime-local", "select": "select",
    "multiselect": "multiselect", "link": "link", "autonumber": "text", "user": "number",
    "email": "email", "phone": "tel", "attachment": "attachment", "subform": "subform",
}


@dataclass
class LinkChoices:
    """Options of a link picker: the first rows by title; `lookup` when there are more."""
    options: list[tuple[int, str]]
    lookup_url: str | None = None


@dataclass
class FieldView:
    model: FieldModel
    input_name: str                   # name of the <input>: "qty" or "lines-2-qty"
    path: str                         # error path: "qty" or "lines[2].qty"
    mode: str                         # write | read | hidden
    value: Any = None                 # what the input holds (string for inputs)
    display: str = ""                 # what a reader sees
    errors: list[str] = dataclass_field(default_factory=list)
    choices: LinkChoices | None = None
    href: str | None = None           # link fields: the target record's page

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def label(self) -> str:
        return label(self.model.label, self.model.name)

    @property
    def widget(self) -> str:
        return WIDGETS.get(self.model.type, "text")

    @property
    def step(self) -> str | None:
        if self.model.type == "integer":
            return "1"
        if self.model.type == "decimal":
            scale = self.model.scale if self.model.scale is not None else 2
            return "1" if scale == 0 else "0." + "0" * (scale - 1) + "1"
        return None

    @property
    def options(self) -> list[tuple[str, str]]:
        return [(o.value, label(o.label, o.value)) for o in self.model.options]

    @property
    def computed(self) -> bool:
        return self.model.is_computed

    @property
    def help(self) -> str:
        return label(self.model.help) if self.model.help else ""

    @property
    def fill_from_link(self) -> str | None:
        """The link this field copies from (its input is cleared when the link changes)."""
        return self.model.fill_from.split(".", 1)[0] if self.model.fill_from else None

    @property
    def selected(self) -> list[str]:
        value = self.value
        if value is None or value == "":
            return []
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def input_value(field: FieldModel, value: Any) -> Any:
    """A stored JSON value as an <input> expects it."""
    if value is None:
        return ""
    if field.type == "datetime" and isinstance(value, str):
        return value[:16]                       # 2024-05-01T10:30:00.000Z -> 2024-05-01T10:30
    if field.type == "decimal":
        return format_decimal(value, field.scale)
    if field.type == "boolean":
        return bool(value)
    return value


def format_decimal(value: Any, scale: int | None) -> str:
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)               # what the user typed, shown back as typed
    places = scale if scale is not None else 2
    return f"{number:.{places}f}"


def display_value(field: FieldModel, value: Any, titles: Mapping[tuple[str, int], str] | None = None) -> str:
    """A value as a reader sees it in lists, details and history."""
    if value is None or value == "" or value == []:
        return ""
    kind = field.type
    if kind == "decimal":
        return format_decimal(value, field.scale)
    if kind == "boolean":
        return _("Yes") if value else _("No")
    if kind == "select":
        return _option_label(field, value)
    if kind == "multiselect" and isinstance(value, list):
        return ", ".join(_option_label(field, v) for v in value)
    if kind == "link":
        return link_title(field.form, value, titles)
    if kind == "datetime" and isinstance(value, str):
        return value[:16].replace("T", " ") + " UTC"
    if kind == "attachment" and isinstance(value, list):
        return ", ".join(str(item.get("name", "")) for item in value if isinstance(item, dict))
    return str(value)


def link_title(form: str | None, value: Any, titles: Mapping[tuple[str, int], str] | None) -> str:
    try:
        key = (form, int(value))
    except (TypeError, ValueError):
        return str(value)
    title = (titles or {}).get(key)
    return str(title) if title not in (None, "") else f"#{value}"


def _option_label(field: FieldModel, value: Any) -> str:
    option = next((o for o in field.options if o.value == value), None)
    return label(option.label, str(value)) if option else str(value)
