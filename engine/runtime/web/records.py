"""The record form: new, edit, save, delete and workflow transitions.

A save posts the whole form; what the service refuses comes back on the same
form at the field or subform cell it names (422/400/403, and a duplicate
unique value, 409 `duplicate`, at its field or fields), with everything the
user typed kept; a stale version shows the conflict page (409 `conflict`).
Warning checks (422 confirmation_required) come back as a dialog that posts
the same form again with `_confirm=1`.
Each ServiceError subclass is mapped on purpose; anything else is a bug and
reaches the 500 page.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from engine.definitions.model import FormModel
from engine.runtime.errors import (BadRequest, ConfirmationRequired, Conflict, Duplicate, ErrorDetail,
                                   Forbidden, ServiceError, ValidationFailed)
from engine.runtime.rejections import CheckFailed
from engine.runtime.web import context
from engine.runtime.web.editor import EditorBuilder
from engine.runtime.web.formdata import Submission, parse_submission, record_for_form
from engine.runtime.web.i18n import label
from engine.runtime.web.screens import screens
from engine.runtime.web.titles import record_title

FORM_ERRORS = (ValidationFailed, BadRequest, Forbidden, Duplicate)   # shown on the form, at their fields
CONFIRM_INPUT = "_confirm"      # "1": the user accepted the warnings the dialog showed


def confirmed() -> bool:
    return request.form.get(CONFIRM_INPUT) == "1"


@screens.route("/apps/<app>/<form>/new", methods=["GET", "POST"])
def new_record(app: str, form: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    form_model = loaded.form(form)
    access = context.form_access(loaded, form_model)
    if not access.create:
        raise Forbidden(f"You may not create {form} records")
    if request.method == "GET":
        return render_form(loaded, form_model, access, {}, creating=True,
                           initial=_defaults(app, form, actor))
    submission = parse_submission(form_model, access, request.form, creating=True)
    try:
        record = context.service().create(app, form, submission.values, actor=actor, confirm=confirmed())
    except FORM_ERRORS as error:
        return render_form(loaded, form_model, access, {}, creating=True, submission=submission, error=error)
    flash(_("%(form)s %(title)s was created.", form=label(form_model.label, form),
            title=record_title(form_model, record)), "success")
    return redirect(url_for("screens.show_record", app=app, form=form, record_id=record["id"]))


@screens.post("/apps/<app>/<form>/<int:record_id>")
def save_record(app: str, form: str, record_id: int):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    form_model = loaded.form(form)
    stored = context.service().get(app, form, record_id, actor=actor)
    access = context.form_access(loaded, form_model, stored)
    if not access.update:
        raise Forbidden(f"You may not change this {form} record")
    submission = parse_submission(form_model, access, request.form, creating=False)
    try:
        record = context.service().update(app, form, record_id, submission.values, actor=actor,
                                          expected_version=submission.version, confirm=confirmed())
    except Conflict:
        return render_conflict(loaded, form_model, stored, submission)
    except FORM_ERRORS as error:
        return render_form(loaded, form_model, access, stored, creating=False, submission=submission,
                           error=error)
    flash(_("Saved."), "success")
    return redirect(url_for("screens.show_record", app=app, form=form, record_id=record["id"]))


def _defaults(app: str, form: str, actor) -> dict[str, Any]:
    """A new record's defaults (`default`, `default_expr` such as today()), computed
    by the save pipeline's own steps, so the empty form already shows them."""
    try:
        return context.service().preview(app, form, {}, actor=actor)["record"]
    except (ValidationFailed, BadRequest):    # a default that cannot be computed yet: the save says why
        return {}


def render_form(loaded, form: FormModel, access, stored: Mapping[str, Any], *, creating: bool,
                submission: Submission | None = None, error: ServiceError | None = None,
                initial: Mapping[str, Any] | None = None):
    page = form_context(loaded, form, access, stored, creating=creating, submission=submission, error=error,
                        initial=initial)
    return context.render_screen("runtime/form.html", status=error.status if error else 200,
                                 loaded=loaded, form=form, **page)


def form_context(loaded, form: FormModel, access, stored: Mapping[str, Any], *, creating: bool,
                 submission: Submission | None = None, error: ServiceError | None = None,
                 initial: Mapping[str, Any] | None = None) -> dict[str, Any]:
    errors, general = {}, []
    confirmation, heading = warning_sentences(error), error.message if error else None
    if confirmation is not None:
        error = heading = None                    # asked in a dialog, not shown as an error
    elif isinstance(error, CheckFailed):          # its message names the records and the rules
        general, heading = [error.message], None
    elif error is not None:
        details = error.details
        if isinstance(error, Duplicate):
            details, heading = duplicate_details(form, error)
        errors, general = (submission.field_errors(details) if submission
                           else ({}, [d.message for d in details]))
        general = general or ([] if errors else [heading])
    actor = context.screen_actor()
    record = record_for_form(form, stored or initial, submission)
    editor = EditorBuilder(context.service(), loaded, form, access, actor, errors).build(record, creating=creating)
    action = (url_for("screens.new_record", app=loaded.name, form=form.name) if creating
              else url_for("screens.save_record", app=loaded.name, form=form.name, record_id=stored["id"]))
    return dict(access=access, editor=editor, record=stored, creating=creating, action=action,
                version=stored.get("version"), general_errors=general,
                error_message=heading, confirmation=confirmation,
                title=record_title(form, stored) if stored else "",
                preview_url=url_for("screens.preview", app=loaded.name, form=form.name),
                transitions=stored.get("available_transitions", []) if stored else [])


def duplicate_details(form: FormModel, error: Duplicate) -> tuple[list[ErrorDetail], str]:
    """A duplicate in the user's words, at each field of the unique key."""
    names = [d.field for d in error.details if d.field and form.field(d.field) is not None]
    fields = [form.field(name) for name in names]
    if len(fields) == 1 and fields[0].type != "link":
        message = _("“%(value)s” is already used by another record.", value=error.details[0].value)
    elif len(fields) == 1:
        message = _("Another record already has this %(field)s.", field=label(fields[0].label, names[0]))
    else:
        message = _("Another record already has this combination: %(fields)s.",
                    fields=" + ".join(label(f.label, f.name) for f in fields))
    return [ErrorDetail(name, message) for name in names], _("This value is already used by another record.")


def render_conflict(loaded, form: FormModel, stored: Mapping[str, Any], submission: Submission):
    """409: someone saved the record since this form was opened. Show what they
    changed (from the history) and the form again, holding the user's values on
    top of the current version, so saving again is a deliberate choice."""
    from engine.runtime.web.history import conflict_changes
    actor = context.screen_actor()
    current = context.service().get(loaded.name, form.name, stored["id"], actor=actor)
    changes = conflict_changes(loaded, form, current, submission.version, actor)
    access = context.form_access(loaded, form, current)
    page = form_context(loaded, form, access, current, creating=False, submission=submission)
    return context.render_screen("runtime/conflict.html", status=409, loaded=loaded, form=form,
                                 changes=changes, **page)


@screens.post("/apps/<app>/<form>/<int:record_id>/delete")
def delete_record(app: str, form: str, record_id: int):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    version = request.form.get("_version", "")
    try:
        context.service().delete(app, form, record_id, actor=actor, confirm=confirmed(),
                                 expected_version=int(version) if version.isdigit() else None)
    except (ValidationFailed, Conflict) as error:   # locked state; referenced by others, or stale
        from engine.runtime.web.detail import render_detail
        return render_detail(loaded, loaded.form(form), record_id, action_error=error)
    flash(_("The record was deleted. Its history keeps it, so it can be restored."), "success")
    return redirect(url_for("screens.list_records", app=app, form=form))


@screens.post("/apps/<app>/<form>/<int:record_id>/transitions/<name>")
def take_transition(app: str, form: str, record_id: int, name: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    comment = request.form.get("comment", "").strip() or None
    try:
        context.service().transition(app, form, record_id, name, actor=actor, comment=comment,
                                     confirm=confirmed())
    except (ValidationFailed, Forbidden, BadRequest, Duplicate) as error:
        from engine.runtime.web.detail import render_detail
        return render_detail(loaded, loaded.form(form), record_id, action_error=error)
    flash(_("Done: %(name)s.", name=_transition_label(loaded.form(form), name)), "success")
    return redirect(url_for("screens.show_record", app=app, form=form, record_id=record_id))


def warning_sentences(error: ServiceError | None) -> list[str] | None:
    """What the confirmation dialog lists, when the error only asks for a confirmation."""
    return error.sentences if isinstance(error, ConfirmationRequired) else None


def _transition_label(form: FormModel, name: str) -> str:
    transition = form.workflow.transition(name) if form.workflow else None
    return label(transition.label, name) if transition else name
