"""The record page: values, subform tables, workflow buttons, history timeline
and ledger movements; `?edit=1` shows the same record as a form. A deleted
record shows its history, so it can be restored."""
from __future__ import annotations

from typing import Any, Mapping

from flask import request

from engine.definitions.model import FormModel
from engine.runtime.errors import ConfirmationRequired, Forbidden, NotFound, ServiceError
from engine.runtime.rejections import CheckFailed
from engine.runtime.web import context
from engine.runtime.web.access import HIDDEN
from engine.runtime.web.history import collect_links, history_view, is_rule_target, ledger_view
from engine.runtime.web.i18n import label
from engine.runtime.web.screens import screens
from engine.runtime.web.titles import TitleCollector, record_title
from engine.runtime.web.widgets import display_value


@screens.get("/apps/<app>/<form>/<int:record_id>")
def show_record(app: str, form: str, record_id: int):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    form_model = loaded.form(form)
    if request.args.get("edit"):
        from engine.runtime.web.records import render_form
        stored = context.service().get(app, form, record_id, actor=actor)
        access = context.form_access(loaded, form_model, stored)
        if not access.update:
            raise Forbidden(f"You may not change this {form} record")
        return render_form(loaded, form_model, access, stored, creating=False)
    return render_detail(loaded, form_model, record_id)


def render_detail(loaded, form: FormModel, record_id: int, *, action_error: ServiceError | None = None):
    actor = context.screen_actor()
    service = context.service()
    try:
        record = service.get(loaded.name, form.name, record_id, actor=actor)
    except NotFound:
        return render_deleted(loaded, form, record_id)
    access = context.form_access(loaded, form, record)
    entries = service.history(loaded.name, form.name, record_id, actor=actor)
    movements = service.ledger(loaded.name, form.name, record_id, actor=actor) \
        if is_rule_target(loaded, form) else None
    collector = TitleCollector(loaded)
    collector.add_record(form, record)
    collect_links(form, entries, collector)
    for move in movements or []:
        collector.add(move["source"]["form"], move["source"]["id"])
    titles = collector.resolve(service, actor)
    return context.render_screen(
        "runtime/detail.html", status=action_error.status if action_error else 200,
        loaded=loaded, form=form, access=access, record=record, title=record_title(form, record),
        values=_values(loaded, form, record, access, titles),
        subforms=_subforms(form, record, access, titles),
        state=_state_label(form, record), transitions=record.get("available_transitions", []),
        history=history_view(loaded, form, entries, titles),
        ledger=ledger_view(loaded, movements, titles) if movements is not None else None,
        **_action_outcome(action_error))


def _action_outcome(error: ServiceError | None) -> dict[str, Any]:
    """A refused action (transition, delete, restore) as an alert; one that only
    needs a confirmation (warning checks) as a dialog that posts the same form
    again to the same address with `_confirm=1`."""
    if isinstance(error, ConfirmationRequired):
        replay = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "_confirm")]
        return dict(action_error=None, confirmation=error.sentences, confirm_action=request.path,
                    confirm_fields=replay)
    details = [] if error is None or isinstance(error, CheckFailed) else error.details   # its message names them
    return dict(action_error=error, action_details=details, confirmation=None)


def render_deleted(loaded, form: FormModel, record_id: int):
    actor = context.screen_actor()
    entries = context.service().history(loaded.name, form.name, record_id, actor=actor)
    if not entries or entries[0]["action"] != "delete":
        raise NotFound(f"No {form.name} record with id {record_id}")
    collector = TitleCollector(loaded)
    collect_links(form, entries, collector)
    titles = collector.resolve(context.service(), actor)
    return context.render_screen("runtime/deleted.html", status=404, loaded=loaded, form=form,
                                 record_id=record_id, history=history_view(loaded, form, entries, titles))


def _values(loaded, form: FormModel, record: Mapping[str, Any], access, titles) -> list[dict[str, Any]]:
    values = []
    for field in form.scalar_fields:
        if access.mode(field.name) == HIDDEN or field.name not in record:
            continue
        value = record.get(field.name)
        href = context.record_href(loaded, field.form, value) if field.type == "link" else None
        values.append({"name": field.name, "label": label(field.label, field.name),
                       "text": display_value(field, value, titles), "href": href,
                       "multiline": field.type == "textarea"})
    return values


def _subforms(form: FormModel, record: Mapping[str, Any], access, titles) -> list[dict[str, Any]]:
    tables = []
    for sub in form.subforms:
        if access.mode(sub.name) == HIDDEN or sub.name not in record:
            continue
        cells = [f for f in sub.fields if access.mode(f"{sub.name}.{f.name}") != HIDDEN]
        rows = [[{"text": display_value(f, row.get(f.name), titles), "numeric": f.is_numeric}
                 for f in cells] for row in record.get(sub.name) or []]
        tables.append({"name": sub.name, "label": label(sub.label, sub.name),
                       "columns": [{"label": label(f.label, f.name), "numeric": f.is_numeric} for f in cells],
                       "rows": rows})
    return tables


def _state_label(form: FormModel, record: Mapping[str, Any]) -> str | None:
    if form.workflow is None:
        return None
    value = record.get(form.workflow.field)
    state = next((s for s in form.workflow.states if s.value == value), None)
    return label(state.label, str(value)) if state else value
