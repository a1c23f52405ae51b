"""The live preview: the draft's form rendered by the runtime's own record form
template (templates/runtime/_record_form.html) from the compiled draft model.
Nothing is saved: the form posts nowhere, and link pickers are empty because
the draft's tables may not exist yet."""
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


def preview_context(definition: dict[str, Any], form_name: str, actor) -> dict[str, Any]:
    model = compile_app(definition)
    form = model.form(form_name)
    loaded = SimpleNamespace(name=model.name, model=model)
    modes = {name: access_module.READ for name in access_module.engine_readonly(model, form)}
    access = access_module.FormAccess(modes=modes)
    record = _defaults(form)
    editor = _PreviewEditor(None, loaded, form, access, actor).build(record, creating=True)
    return dict(form=form, access=access, editor=editor, record={}, creating=True, action="#",
                version=None, general_errors=[], error_message=None, title="", preview_url="",
                transitions=[], layout={"app": loaded, "app_label": ""})


def _defaults(form) -> dict[str, Any]:
    """Literal defaults only: expressions such as today() are computed on save."""
    return {f.name: f.default for f in form.scalar_fields if f.default is not None}
