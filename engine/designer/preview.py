"""The live preview: the draft's form rendered by the runtime's own record form
template (templates/runtime/_record_form.html) from the compiled draft model.
Nothing is saved: the form never submits, and link pickers are empty because
the draft's tables may not exist yet. As the user types, the runtime's page
script posts the form to `compute`, which runs the draft's formulas with the
save pipeline's own functions (coercion, then formulas in dependency order)
and answers in the format of the runtime's live preview."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from engine.definitions.model import compile_app
from engine.runtime.web import access as access_module
from engine.runtime.web.editor import EditorBuilder
from engine.runtime.web.widgets import LinkChoices


class _PreviewEditor(EditorBuilder):
    def _fetch_choices(self, model, key):          # no tables to read from yet
        return LinkChoices([])


def compute(definition: dict[str, Any], form_name: str, posted) -> dict[str, Any]:
    """What the form would show computed for the posted values (no database)."""
    from engine.runtime.errors import ErrorCollector
    from engine.runtime.records.coerce import CoercionError, coerce_value
    from engine.runtime.records.compute import apply_formulas
    from engine.runtime.web.formdata import parse_submission
    from engine.runtime.web.live import _values
    model = compile_app(definition)
    form = model.form(form_name)
    access = _access(model, form)
    submission = parse_submission(form, access, posted, creating=True)
    errors = ErrorCollector()

    def coerce(field, value, path):
        try:
            return coerce_value(field, value) if value not in (None, "") else None
        except CoercionError as error:
            errors.add(path, str(error))
            return None

    record = {f.name: coerce(f, submission.values.get(f.name), f.name) for f in form.scalar_fields}
    for sub in form.subforms:
        record[sub.name] = [{f.name: coerce(f, row.get(f.name), f"{sub.name}[{i}].{f.name}") for f in sub.fields}
                            for i, row in enumerate(submission.values.get(sub.name) or [])]
    apply_formulas(form, record, lambda _form, _id: None, errors)
    shown, general = submission.field_errors(errors.details)
    return {**_values(form, access, record, submission), "errors": shown, "general": general}


def _access(model, form) -> access_module.FormAccess:
    modes = {name: access_module.READ for name in access_module.engine_readonly(model, form)}
    return access_module.FormAccess(modes=modes)


def preview_context(definition: dict[str, Any], form_name: str, actor, compute_url: str = "") -> dict[str, Any]:
    model = compile_app(definition)
    form = model.form(form_name)
    loaded = SimpleNamespace(name=model.name, model=model)
    access = _access(model, form)
    record = _defaults(form)
    editor = _PreviewEditor(None, loaded, form, access, actor).build(record, creating=True)
    return dict(form=form, access=access, editor=editor, record={}, creating=True, action="#",
                version=None, general_errors=[], error_message=None, title="", preview_url=compute_url,
                transitions=[], layout={"app": loaded, "app_label": ""})


def _defaults(form) -> dict[str, Any]:
    """Literal defaults only: expressions such as today() are computed on save."""
    return {f.name: f.default for f in form.scalar_fields if f.default is not None}
