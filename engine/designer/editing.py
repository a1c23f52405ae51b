"""The plain form posts of the editor pages (no JavaScript needed).

Every control is named by the JSON path it edits (`forms[0].fields[2].required`)
and carries the same path in `data-path`; a hidden `_kind:<path>` says how to
read it (bool, bool!, bool~, int, number, list, text). A post turns the controls into
`set` operations, then adds the structural operation of the button that was
pressed (`_op`, a JSON patch operation), and applies them as one patch: the
same patch format the page script sends with fetch.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.designer.paths import PatchError, parse_path

SKIP = {"csrf_token"}


def _number(raw: str, whole: bool) -> Any:
    raw = raw.strip()
    if raw == "":
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw              # kept as typed: the validator names the place and the problem
    if whole or number == number.to_integral_value() and "." not in raw:
        return int(number)
    return float(number)


def read_control(form: MultiDict, path: str, kind: str) -> Any:
    if kind == "bool":
        return True if form.get(path) else None
    if kind == "bool!":
        return bool(form.get(path))
    if kind == "bool~":
        # true by default (a chart's drill): ticked leaves the key out, unticked writes false
        return None if form.get(path) else False
    if kind in ("list", "names"):
        values = [v for v in form.getlist(path) if v]
        if kind == "names" and len(values) == 1:
            return values[0]           # "from": "draft" stays a name, several become a list
        return values or None
    if kind == "csv":
        values = [v.strip() for v in form.get(path, "").split(",") if v.strip()]
        return values or None
    if kind in ("int", "number"):
        return _number(form.get(path, ""), kind == "int")
    if kind == "json":
        try:
            return json.loads(form.get(path, "") or "null")
        except ValueError:
            return form.get(path)
    return form.get(path, "").strip()


def operations_from_form(form: MultiDict) -> list[dict]:
    kinds = {key[len("_kind:"):]: value for key, value in form.items() if key.startswith("_kind:")}
    paths = list(dict.fromkeys([k for k in form.keys() if not k.startswith("_") and k not in SKIP]
                               + list(kinds)))
    depth = {}
    for path in paths:
        try:
            depth[path] = len(parse_path(path))
        except PatchError:
            continue
    operations = []
    # A label edited as a plain string ("label") is set before its "label.zh".
    for path in sorted(depth, key=depth.get):
        operations.append({"op": "set", "path": path, "value": read_control(form, path, kinds.get(path, "text"))})
    for raw in form.getlist("_op"):
        try:
            operation = json.loads(raw)
        except ValueError:
            raise PatchError("the button's operation is not JSON") from None
        if operation.get("op") == "set_entry":
            # An "add a row" form: key and value typed by the user (match, adjust, values...).
            key = (form.get("_key") or "").strip()
            if not key:
                raise PatchError("choose a field first", operation.get("path", "$"))
            operation = {"op": "set", "path": f"{operation['path']}.{key}",
                         "value": (form.get("_value") or "").strip() or operation.get("value", "")}
        operations.append(operation)
    return operations
