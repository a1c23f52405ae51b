"""Workflow transitions: who may move a record from one state to another, and
the move itself, which is a write through the save pipeline.

The checks, in the order a person would ask them: does the transition exist
(404), may I take it (403: role, assignee, self-approval), does it start from
the record's state, is its condition true, are its required fields and comment
there (422, with the reason). Then the new state and the submitted values are
saved in one `update` with action "transition", so contribution rules
recompute and `transition:NAME` event rules fire.
"""
from __future__ import annotations

from typing import Any, Mapping

from engine.definitions.model import FormModel, Transition, localized
from engine.runtime.actor import SYSTEM, Actor, Cause
from engine.runtime.errors import (BadRequest, ErrorDetail, Forbidden, NotFound, ServiceError,
                                   ValidationFailed)
from engine.runtime.expressions import EvaluationError, compile_expression
from engine.runtime.records import compute

MAX_COMMENT = 2000


def find(form: FormModel, name: str) -> Transition:
    transition = form.workflow.transition(name) if form.workflow else None
    if transition is None:
        raise NotFound(f"{form.name} has no transition {name!r}")
    return transition


def refusal(form: FormModel, transition: Transition, record: Mapping[str, Any], actor: Actor,
            app: str, names: Mapping[str, Any] | None = None, functions=None) -> ServiceError | None:
    """Why `actor` may not take `transition` on `record` now (403 for who, 422 for
    state and condition), or None if they may."""
    workflow = form.workflow
    state = record.get(workflow.field)
    if not _may_act(workflow, transition, record, actor, app):
        roles = ", ".join(transition.roles) or "administrators"
        return Forbidden(f"Cannot {transition.name}: only {roles} may {transition.name} a {form.name}")
    if not workflow.self_approval and not actor.is_admin and workflow.initial not in transition.from_states \
            and actor.user_id is not None and record.get("created_by") == actor.user_id:
        return Forbidden(f"Cannot {transition.name}: the creator of a {form.name} may not "
                         f"{transition.name} it")
    if state not in transition.from_states:
        return ValidationFailed(f"Cannot {transition.name} a {form.name} in state {state!r}",
                                [ErrorDetail(workflow.field, f"is {state!r}")])
    if transition.when and names is not None:
        try:
            if not compile_expression(transition.when).evaluate(names, functions):
                return ValidationFailed(f"Cannot {transition.name}: the condition {transition.when!r} is not met")
        except EvaluationError as error:
            return ValidationFailed(f"Cannot {transition.name}: {error}")
    return None


def _may_act(workflow, transition: Transition, record, actor: Actor, app: str) -> bool:
    if actor.is_admin:
        return True
    if actor.roles_in(app).intersection(transition.roles):
        return True
    assignee = workflow.assignee_field
    return bool(assignee and actor.user_id is not None and record.get(assignee) == actor.user_id)


def available(session, form: FormModel, record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Transitions the session's actor may take on the record now (for reads)."""
    if not form.workflow:
        return []
    names = compute.record_namespace(form, record, session.load_linked)
    result = []
    for transition in form.workflow.transitions:
        if refusal(form, transition, record, session.actor, session.model.name, names,
                   session.expression_functions()) is None:
            result.append({"name": transition.name, "label": dict(transition.label), "to": transition.to,
                           "comment": transition.comment,
                           "required_fields": list(transition.required_fields)})
    return result


def take(session, form_name: str, record_id: int, name: str, values: Mapping[str, Any] | None = None,
         *, comment: str | None = None, cause: Cause | None = None, system: bool = False) -> dict[str, Any]:
    """Take a transition inside `session`; returns the saved record."""
    form = session.app.form(form_name)
    if form.workflow is None:
        raise NotFound(f"{form.name} has no workflow")
    transition = find(form, name)
    record = session.fetch_current(form_name, record_id)
    if record is None:
        raise NotFound(f"No {form.name} record with id {record_id}")
    session.authorize_transition(form, record)
    # A rule's transition action acts with system rights: the rule is the authority.
    actor = SYSTEM if system else session.actor
    refused = refusal(form, transition, record, actor, session.model.name)
    if refused is not None:
        raise refused
    _check_comment(transition, comment)
    changes = dict(values or {})
    changes[form.workflow.field] = transition.to
    info = {"name": transition.name, "from": record.get(form.workflow.field), "to": transition.to,
            "comment": comment}
    return session.update(form_name, record_id, changes, cause=cause, action="transition",
                          trusted=frozenset({form.workflow.field}), transition=info,
                          precondition=lambda merged: _check_after_values(session, form, transition, merged))


def _check_comment(transition: Transition, comment: str | None) -> None:
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
        raise BadRequest(f"comment must be text of at most {MAX_COMMENT} characters",
                         [ErrorDetail("comment", "expected text")])
    if transition.comment == "required" and not (comment or "").strip():
        raise ValidationFailed(f"{transition.name} needs a comment", [ErrorDetail("comment", "is required")])
    if transition.comment == "none" and comment:
        raise BadRequest(f"{transition.name} takes no comment", [ErrorDetail("comment", "not allowed")])


def _check_after_values(session, form: FormModel, transition: Transition, record: Mapping[str, Any]) -> None:
    """Required fields and the condition, on the record as it will be saved."""
    missing = [f for f in transition.required_fields if record.get(f) in (None, "", [])]
    if missing:
        raise ValidationFailed(f"{transition.name} needs: {', '.join(missing)}",
                               [ErrorDetail(f, f"is required to {transition.name}") for f in missing])
    if transition.when:
        names = compute.record_namespace(form, record, session.load_linked)
        try:
            ok = compile_expression(transition.when).evaluate(names, session.expression_functions())
        except EvaluationError as error:
            raise ValidationFailed(f"Cannot {transition.name}: {error}") from None
        if not ok:
            label = localized(transition.label, session.actor.language)
            raise ValidationFailed(f"Cannot {label}: the condition {transition.when!r} is not met",
                                   [ErrorDetail(None, f"condition {transition.when!r} is false")])

