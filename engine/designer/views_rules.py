"""The rule editor (contribution and event rules, each with its sentence) and
the condition builder that writes `when` / `rows` expressions."""
from __future__ import annotations

from flask import redirect, request

from engine.db import get_db
from engine.designer import conditions, service
from engine.designer.pages import render
from engine.designer.sentences import rule_sentence
from engine.designer.views import _actor, _back, designer


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _targets(definition: dict) -> list[str]:
    """Forms and form.subform names a rule may read from or adjust."""
    names = []
    for form in definition.get("forms") or []:
        if not isinstance(form, dict):
            continue
        names.append(form.get("name", ""))
        names += [f"{form.get('name')}.{f.get('name')}" for f in form.get("fields") or []
                  if isinstance(f, dict) and f.get("type") == "subform"]
    return names


def _target_fields(definition: dict, target: str) -> list[str]:
    form_name, _, sub = (target or "").partition(".")
    form = next((f for f in definition.get("forms") or [] if isinstance(f, dict) and f.get("name") == form_name), {})
    fields = form.get("fields") or []
    if sub:
        fields = next((f.get("fields") or [] for f in fields if isinstance(f, dict) and f.get("name") == sub), [])
    return [f.get("name") for f in fields if isinstance(f, dict) and f.get("type") != "subform"]


def _transition_events(definition: dict, source: str) -> list[str]:
    form_name = (source or "").split(".")[0]
    form = next((f for f in definition.get("forms") or [] if isinstance(f, dict) and f.get("name") == form_name), {})
    workflow = form.get("workflow") if isinstance(form.get("workflow"), dict) else {}
    return [f"transition:{t.get('name')}" for t in workflow.get("transitions") or [] if isinstance(t, dict)]


@designer.get("/apps/<app>/rules")
def rules(app: str):
    draft = service.load_draft(get_db(), app, _actor())
    definition = draft.definition
    language = _actor().language
    views = []
    rules_list = definition.get("rules") if isinstance(definition.get("rules"), list) else []
    for index, rule in enumerate(rules_list):
        if not isinstance(rule, dict):
            continue
        source, target, when = (_str(rule.get(k)) for k in ("source", "target", "when"))
        views.append({"index": index, "rule": rule, "event": bool(rule.get("on") or rule.get("actions")),
                      "sentence": rule_sentence(definition, rule, language),
                      "sentence_zh": rule_sentence(definition, rule, "zh"),
                      "sentence_en": rule_sentence(definition, rule, "en"),
                      "conditions": conditions.parse(when),
                      "source_fields": conditions.source_field_names(definition, source),
                      "target_fields": _target_fields(definition, target),
                      "transition_events": _transition_events(definition, source)})
    return render("designer/rules.html", app, rule_views=views, sources=_targets(definition),
                  operators=conditions.OPERATORS, tab="rules",
                  field_names=lambda form: _target_fields(definition, form))


@designer.post("/apps/<app>/condition")
def set_condition(app: str):
    """Write the builder's rows as the expression at `_target` (a `when` or a `rows` path)."""
    target = request.form.get("_target", "")
    expression = conditions.build(conditions.rows_from_form(request.form, "cond"))
    service.patch_draft(get_db(), app, [{"op": "set", "path": target, "value": expression}], _actor())
    return redirect(_back())
