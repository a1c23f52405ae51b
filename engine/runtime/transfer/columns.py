"""The column layout shared by export and import.

A header cell is `Label (name)` in the caller's language, e.g. `Customer (customer)`
or `客户 (customer)`; subform columns are `Lines › Qty (lines.qty)`. Import maps a
header by the name in parentheses, else by name, English or Chinese label
(case- and space-insensitive). Links are exported as the target's title and
imported by title or id; multiselects as `a; b`; attachments as JSON.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from engine.definitions.model import FieldModel, FormModel, localized
from engine.runtime.transfer import formulas

SYSTEM_EXPORT = ("id", "version", "created_at", "updated_at")
NAMED = re.compile(r"^(.*)\(\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*\)\s*$", re.S)


@dataclass(frozen=True)
class Column:
    name: str                     # "price", "id" or "lines.qty"
    field: FieldModel | None      # None for system columns
    subform: str | None = None

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[-1]


def export_columns(form: FormModel, visible, subform: str | None = None) -> list[Column]:
    """System columns, then the visible scalar fields; then one subform's fields."""
    columns = [Column(name, None) for name in SYSTEM_EXPORT]
    for field in form.scalar_fields:
        if field.name in visible:
            columns.append(Column(field.name, field))
    if form.workflow and form.workflow.field in visible and form.field(form.workflow.field) is None:
        columns.append(Column(form.workflow.field, None))
    if subform:
        sub = form.field(subform)
        columns += [Column(f"{subform}.{f.name}", f, subform) for f in sub.fields]
    return columns


def header_text(column: Column, form: FormModel, language: str | None) -> str:
    if column.field is None:
        return column.name
    label = localized(column.field.label, language)
    if column.subform:
        label = f"{localized(form.field(column.subform).label, language)} › {label}"
    return f"{label} ({column.name})"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).casefold()


def import_candidates(form: FormModel) -> dict[str, Column]:
    """Every importable column by name; subform fields as `sub.field`."""
    found = {"id": Column("id", None)}
    for field in form.fields:
        if field.is_subform:
            for sub in field.fields:
                found[f"{field.name}.{sub.name}"] = Column(f"{field.name}.{sub.name}", sub, field.name)
        else:
            found[field.name] = Column(field.name, field)
    if form.workflow and form.workflow.field not in found:
        found[form.workflow.field] = Column(form.workflow.field, None)
    return found


def match_header(text: Any, form: FormModel, candidates: dict[str, Column]) -> Column | str | None:
    """The column a header names; a system column's name (ignored on import); None if unknown."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip()
    named = NAMED.match(raw)
    if named and named.group(2) in candidates:
        return candidates[named.group(2)]
    if named and named.group(2) in SYSTEM_EXPORT:
        return named.group(2)
    wanted = _norm(raw)
    for name, column in candidates.items():
        if _norm(name) == wanted:
            return column
        labels = column.field.label.values() if column.field is not None else ()
        if column.subform:
            parent = form.field(column.subform)
            labels = [f"{p}›{l}" for p in parent.label.values() for l in labels] + \
                     [f"{p}.{l}" for p in parent.label.values() for l in labels]
        if any(_norm(label) == wanted for label in labels):
            return column
    if wanted in {_norm(n) for n in SYSTEM_EXPORT}:
        return wanted
    return None


# ------------------------------------------------------------------ values out
NUMBER_KINDS = ("integer", "decimal")


def cell_out(field: FieldModel | None, value: Any, title: Any = None, *, xlsx: bool = False) -> Any:
    """A value as an export cell. CSV text that a spreadsheet would run as a
    formula gets a leading `'` (numbers stay numbers); XLSX writers pass the row
    through `formulas.xlsx_row`."""
    out = _plain_out(field, value, title, xlsx=xlsx)
    if not xlsx and isinstance(out, str) and not _is_number(field, value, out):
        return formulas.csv_text(out)
    return out


def _is_number(field: FieldModel | None, value: Any, out: str) -> bool:
    if isinstance(value, bool) or (field is not None and field.type == "link"):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    return field is not None and field.type in NUMBER_KINDS and out == str(value)


def _plain_out(field: FieldModel | None, value: Any, title: Any, *, xlsx: bool) -> Any:
    if value is None or value == []:
        return None
    kind = field.type if field is not None else None
    if kind == "link":
        return title if title not in (None, "") else value
    if kind == "multiselect":
        return "; ".join(str(v) for v in value)
    if kind == "attachment":
        return json.dumps(value, ensure_ascii=False)
    if kind == "boolean":
        return bool(value) if xlsx else ("true" if value else "false")
    if isinstance(value, bool):
        return value
    if xlsx and isinstance(value, int):
        return value
    if xlsx and kind == "decimal":
        return Decimal(str(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value) if not xlsx else (value if isinstance(value, (int, float)) else str(value))


# ------------------------------------------------------------------- values in
class CellError(ValueError):
    pass


def cell_in(field: FieldModel, value: Any) -> Any:
    """A cell as the record service takes it (links resolved later)."""
    if isinstance(value, str):
        # Text areas keep their spaces and tabs, as the record service does.
        value = None if value.strip() == "" else value if field.type == "textarea" else value.strip()
    if value is None:
        return [] if field.type == "multiselect" else None
    kind = field.type
    if isinstance(value, datetime):
        return value.isoformat() if kind == "datetime" else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if kind in ("integer", "user", "link") and value.is_integer():
            return int(value)
        return str(Decimal(repr(value))) if kind == "decimal" else value
    if kind == "multiselect":
        parts = [p.strip() for p in str(value).split(";")]
        return [_option(field, p) for p in parts if p]
    if kind == "select":
        return _option(field, str(value))
    if kind == "attachment":
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            raise CellError("expected an attachment as JSON") from None
    if kind in ("integer", "decimal", "text", "textarea", "email", "phone", "autonumber") \
            and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value if kind in ("integer", "decimal") else str(value)
    return value


def _option(field: FieldModel, text: str) -> str:
    """An option by value or by a label in any language."""
    for option in field.options:
        if text == option.value:
            return option.value
    wanted = _norm(text)
    for option in field.options:
        if wanted == _norm(option.value) or any(wanted == _norm(l) for l in option.label.values()):
            return option.value
    return text       # the service reports the unknown option


def rows_blank(cells: Iterable[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
