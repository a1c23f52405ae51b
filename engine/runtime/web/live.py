"""What the page's script asks while the user types: the live preview of a
record (formulas, fill_from, totals computed by the save pipeline itself, via
`RecordService.preview`) and the server-side search of large link pickers.
Both answer small JSON documents for the script, never pages."""
from __future__ import annotations

from typing import Any, Mapping

from flask import jsonify, request

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.errors import BadRequest, ErrorDetail, Forbidden, NotFound, ValidationFailed
from engine.runtime.web import context
from engine.runtime.web.editor import link_target_title
from engine.runtime.web.filter_builder import text_literal
from engine.runtime.web.formdata import Submission, parse_submission
from engine.runtime.web.screens import screens
from engine.runtime.web.widgets import display_value, input_value

LOOKUP_LIMIT = 20
MAX_QUERY = 100


@screens.post("/apps/<app>/<form>/preview")
def preview(app: str, form: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    form_model = loaded.form(form)
    raw_id = request.form.get("_id", "")
    record_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 17 else None
    stored = context.service().get(app, form, record_id, actor=actor) if record_id else None
    access = context.form_access(loaded, form_model, stored)
    submission = parse_submission(form_model, access, request.form, creating=record_id is None)
    try:
        result = context.service().preview(app, form, submission.values, actor=actor, record_id=record_id)
    except (ValidationFailed, BadRequest, Forbidden) as error:
        errors, general = submission.field_errors(error.details)
        return jsonify({"fields": {}, "rows": {}, "errors": errors,
                        "general": general or ([] if errors else [error.message])})
    details = [_detail(d) for d in result["errors"]]
    errors, general = submission.field_errors(details)
    return jsonify({**_values(form_model, access, result["record"], submission),
                    "errors": errors, "general": general})


def _detail(raw: Mapping[str, Any]) -> ErrorDetail:
    return ErrorDetail(raw.get("field"), raw.get("message", ""))


def _values(form: FormModel, access, record: Mapping[str, Any], submission: Submission) -> dict[str, Any]:
    """Values by input name: what computed outputs and blank fill_from inputs show."""
    # An autonumber is drawn on save: until then the page keeps saying "(automatic)".
    fields = {f.name: _cell(f, record.get(f.name)) for f in form.scalar_fields
              if access.visible(f.name) and not (f.type == "autonumber" and record.get(f.name) is None)}
    rows: dict[str, dict[str, Any]] = {}
    for sub in form.subforms:
        if not access.visible(sub.name):
            continue
        page_indexes = submission.row_index.get(sub.name, [])
        for sent, row in enumerate(record.get(sub.name) or []):
            index = page_indexes[sent] if sent < len(page_indexes) else sent
            rows.setdefault(sub.name, {})[str(index)] = {
                f.name: _cell(f, row.get(f.name)) for f in sub.fields if access.visible(f"{sub.name}.{f.name}")}
    return {"fields": fields, "rows": rows}


def _cell(field: FieldModel, value: Any) -> dict[str, Any]:
    shown = input_value(field, value)
    return {"value": shown if not isinstance(shown, bool) else ("on" if shown else ""),
            "text": display_value(field, value)}


@screens.get("/apps/<app>/<form>/lookup")
def lookup(app: str, form: str):
    """Titles of link targets matching `q`, for pickers over large tables."""
    actor = context.screen_actor()
    loaded = context.load_app(app)
    field = _link_field(loaded.form(form), request.args.get("field", ""))
    target = loaded.model.form(field.form)
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    sort = target.title if target.title else "id"
    expression = f"contains({target.title}, {text_literal(query)})" if query and target.title else None
    try:
        page = context.service().list(app, target.name, actor=actor, filter=expression, sort=sort,
                                      limit=LOOKUP_LIMIT)
    except (Forbidden, BadRequest):      # the target or its title is not readable for the caller
        return jsonify({"items": [], "more": False})
    return jsonify({"items": [{"id": item["id"], "title": link_target_title(target, item)}
                              for item in page.items], "more": page.next is not None})


def _link_field(form: FormModel, path: str) -> FieldModel:
    """`customer` or `lines.product`: a link field of the form or of a subform."""
    head, _, tail = path.partition(".")
    field = form.field(head)
    if field is not None and tail and field.is_subform:
        field = field.subfield(tail)
    if field is None or field.type != "link":
        raise NotFound(f"{form.name} has no link field {path!r}")
    return field
