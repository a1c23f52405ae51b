"""Event rules: on created / updated / deleted / transition:NAME, when a
condition holds, run actions (create, notify, reject, webhook, transition),
all inside the write's transaction."""
from __future__ import annotations

import re
from typing import Any, Mapping

from engine.definitions.model import Action, Rule, label_dict, localized
from engine.runtime import notifications, outbox
from engine.runtime.actor import Cause
from engine.runtime.errors import ErrorDetail, ValidationFailed
from engine.runtime.records import compute
from engine.runtime.records.state import SaveState
from engine.runtime.records.values import record_to_json
from engine.runtime.rules.contributions import evaluate

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


def event_names(state: SaveState) -> set[str]:
    if state.action == "delete":
        return {"deleted"}
    if state.previous is None:
        return {"created"}
    names = {"updated"}
    transition = state.system_values.get("transition")
    if transition:
        names.add(f"transition:{transition['name']}")
    return names


def fire(session, state: SaveState, rules: list[Rule]) -> None:
    happened = event_names(state)
    record = state.previous if state.action == "delete" else state.record
    names = None
    for rule in rules:
        if not happened.intersection(rule.on):
            continue
        if names is None:
            names = _names(session, state, record)
        source = f"{state.form.name} {state.record_id}"
        if rule.when and not evaluate(session, rule, source, "condition", rule.when, names):
            continue
        cause = Cause("rule", " → ".join([*session.rule_chain, rule.name]))
        for action in rule.actions:
            ACTIONS[action.kind](session, state, rule, action, names, cause, record)


def _names(session, state: SaveState, record) -> dict[str, Any]:
    names = compute.record_namespace(state.form, record or {}, session.load_linked)
    previous = state.previous or {f.name: None for f in state.form.scalar_fields}
    names["previous"] = compute.record_namespace(state.form, previous, session.load_linked)
    names["user"] = session.actor.namespace()
    return names


def render(session, rule: Rule, template: Any, names: Mapping[str, Any], source: str) -> dict[str, str]:
    """A message template ({expr} placeholders) rendered in each of its languages."""
    rendered = {}
    for language, text in label_dict(template, "").items():
        def replace(match: re.Match) -> str:
            if match.group(0) in ("{{", "}}"):
                return match.group(0)[0]
            value = evaluate(session, rule, source, "message", match.group(1).strip(), names)
            return "" if value is None else str(value)
        rendered[language] = PLACEHOLDER.sub(replace, text)
    return rendered


def _create(session, state, rule, action: Action, names, cause, _record) -> None:
    source = f"{state.form.name} {state.record_id}"
    values = {field: _plain(evaluate(session, rule, source, f"value of {field}", expression, names))
              for field, expression in (action.spec.get("values") or {}).items()}
    with session.cascade(cause):
        session.create(action.spec["create"], values, cause=cause)


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, compute.LinkedRecord) else value


def _notify(session, state, rule, action: Action, names, _cause, _record) -> None:
    message = render(session, rule, action.spec["message"], names, f"{state.form.name} {state.record_id}")
    user_ids = notifications.recipients(session.connection, session.model.name, action.spec["notify"])
    notifications.notify(session.connection, user_ids, app=session.model.name, message=message,
                         form=state.form.name, record_id=state.record_id, rule=rule.name)


def _reject(session, state, rule, action: Action, names, _cause, _record) -> None:
    message = render(session, rule, action.spec["reject"], names, f"{state.form.name} {state.record_id}")
    text = localized(message, session.actor.language)
    raise ValidationFailed(text, [ErrorDetail(None, f"rejected by rule {rule.name}")])


def _webhook(session, state, rule, action: Action, _names, _cause, record) -> None:
    event = sorted(event_names(state))[-1]
    outbox.enqueue(session.connection, app=session.model.name, form=state.form.name,
                   record_id=state.record_id, event=event, target=action.spec["webhook"],
                   payload={"app": session.model.name, "form": state.form.name, "event": event,
                            "rule": rule.name, "record": record_to_json(record or {}),
                            "previous": record_to_json(state.previous) if state.previous else None})


def _transition(session, state, rule, action: Action, _names, cause, _record) -> None:
    with session.cascade(cause):
        session.transition(state.form.name, state.record_id, action.spec["transition"], cause=cause,
                           system=True)


ACTIONS = {"create": _create, "notify": _notify, "reject": _reject, "webhook": _webhook,
           "transition": _transition}
