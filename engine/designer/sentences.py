"""A rule as a plain sentence in the reader's language, generated from the rule:

    当销售订单的状态为"已发货"时，每一行减少对应商品、仓库的库存的现有数量（数量）
    When a Sales order's Status is "Shipped", each line decreases On hand of the
    Stock with the same Product, Warehouse by Quantity.

Conditions the builder can read (`a == 'x' and b > 1`) are spelled out with the
fields' labels and the workflow states' labels; anything else is quoted as is.
"""
from __future__ import annotations

import re
from typing import Any

from engine.designer.conditions import parse

OPS = {"zh": {"==": "为", "!=": "不为", ">": "大于", ">=": "不小于", "<": "小于", "<=": "不大于",
              "contains": "包含", "empty": "为空", "not_empty": "不为空"},
       "en": {"==": "is", "!=": "is not", ">": "is more than", ">=": "is at least", "<": "is less than",
              "<=": "is at most", "contains": "contains", "empty": "is empty", "not_empty": "is not empty"}}
EVENTS = {"zh": {"created": "新建", "updated": "修改", "deleted": "删除"},
          "en": {"created": "created", "updated": "changed", "deleted": "deleted"}}
_NAME = re.compile(r"^-?\s*[a-z_][a-z0-9_.]*$")


def _text(value: Any, language: str, fallback: str) -> str:
    if isinstance(value, dict):
        return value.get(language) or value.get("en") or value.get("zh") or fallback
    return value if isinstance(value, str) and value else fallback


class _Names:
    """Labels of forms, fields and states of one definition."""

    def __init__(self, definition: dict, language: str):
        self.language = language
        forms = definition.get("forms") if isinstance(definition.get("forms"), list) else []
        self.forms = {f.get("name"): f for f in forms if isinstance(f, dict) and isinstance(f.get("name"), str)}

    def form(self, name: str | None) -> dict:
        return self.forms.get((name or "").split(".")[0]) or {}

    def form_label(self, ref: str | None) -> str:
        form_name, _, sub = (ref or "").partition(".")
        text = _text(self.form(form_name).get("label"), self.language, form_name or "?")
        if sub:
            text += ("的" if self.language == "zh" else " ") + self.field_label(form_name, sub)
        return text

    def fields(self, form_name: str, sub: str | None = None) -> list[dict]:
        fields = [f for f in self.form(form_name).get("fields") or [] if isinstance(f, dict)]
        if sub:
            parent = next((f for f in fields if f.get("name") == sub), {})
            return [f for f in parent.get("fields") or [] if isinstance(f, dict)]
        return fields

    def field_label(self, form_name: str, name: str, sub: str | None = None) -> str:
        workflow = self.form(form_name).get("workflow")
        if isinstance(workflow, dict) and name == (workflow.get("field") or "status") and not sub:
            return "状态" if self.language == "zh" else "Status"
        field = next((f for f in self.fields(form_name, sub) if f.get("name") == name), {})
        return _text(field.get("label"), self.language, name)

    def state_label(self, form_name: str, value: str) -> str:
        workflow = self.form(form_name).get("workflow")
        for state in (workflow or {}).get("states") or [] if isinstance(workflow, dict) else []:
            if isinstance(state, dict) and state.get("name") == value:
                return _text(state.get("label"), self.language, value)
        return value

    def name_label(self, source: str, name: str) -> str:
        """`qty`, `parent.status` in a rule over `source` (form or form.subform)."""
        form_name, _, sub = source.partition(".")
        if name.startswith("parent."):
            return self.field_label(form_name, name[len("parent."):])
        return self.field_label(form_name, name, sub or None)


def condition_text(names: _Names, source: str, expression: str | None) -> str:
    rows = parse(expression)
    if rows is None:
        return f"“{expression}”"
    zh = names.language == "zh"
    form_name = source.split(".")[0]
    parts = []
    for row in rows:
        subject = names.name_label(source, row.field)
        value = row.value
        if row.field.split(".")[-1] == "status" or row.field == "parent.status":
            value = names.state_label(form_name, value)
        op = OPS[names.language].get(row.op, row.op)
        quoted = "" if row.op in ("empty", "not_empty") else (f'"{value}"' if zh else f'"{value}"')
        parts.append(f"{subject}{op}{quoted}" if zh else f"{subject} {op} {quoted}".strip())
    return ("且" if zh else " and ").join(parts)


def _amount(names: _Names, source: str, expression: str) -> tuple[int, str]:
    """(+1 | -1, what) for `qty` / `-qty`; (0, expression) when it is more than a name."""
    text = expression.strip()
    if _NAME.match(text):
        sign = -1 if text.startswith("-") else 1
        return sign, names.name_label(source, text.lstrip("- ").strip())
    return 0, text


def rule_sentence(definition: dict, rule: dict, language: str | None = "en") -> str:
    """The sentence; "" for a rule too incomplete to tell (its problems say why)."""
    language = "zh" if (language or "").startswith("zh") else "en"
    if not isinstance(rule, dict) or not isinstance(definition, dict):
        return ""
    try:
        names = _Names(definition, language)
        if rule.get("on") or rule.get("actions"):
            return _event_sentence(names, rule)
        return _contribution_sentence(names, rule)
    except (TypeError, AttributeError, KeyError, ValueError):
        return ""


def _contribution_sentence(names: _Names, rule: dict) -> str:
    zh = names.language == "zh"
    source, target = rule.get("source") or "", rule.get("target") or ""
    form_label = names.form_label(source.split(".")[0])
    when = condition_text(names, source, rule.get("when")) if rule.get("when") else ""
    matched = [names.field_label(target.split(".")[0], key) for key in (rule.get("match") or {})]
    target_label = names.form_label(target)
    each = ("每一行" if zh else "each line") if "." in source else ("每条记录" if zh else "each record")
    effects = []
    for field, expression in (rule.get("adjust") or {}).items():
        sign, what = _amount(names, source, str(expression))
        field_label = names.field_label(target.split(".")[0], field)
        if zh:
            verb = {1: "增加", -1: "减少", 0: "调整"}[sign]
            effects.append(f"{verb}对应{'、'.join(matched)}的{target_label}的{field_label}（{what}）")
        else:
            verb = {1: "increases", -1: "decreases", 0: "changes"}[sign]
            effects.append(f"{verb} {field_label} of the {target_label} with the same "
                           f"{', '.join(matched)} by {what}")
    missing = rule.get("create_missing")
    if zh:
        head = f"当{form_label}的{when}时，" if when else f"对于{form_label}，"
        tail = "；没有对应记录时新建一条" if missing else ""
        return f"{head}{each}{'，'.join(effects)}{tail}"
    head = f"When a {form_label}'s {when}, " if when else f"For every {form_label}, "
    tail = "; a missing one is created" if missing else ""
    return f"{head}{each} {', and '.join(effects)}{tail}."


def _event_sentence(names: _Names, rule: dict) -> str:
    zh = names.language == "zh"
    source = rule.get("source") or ""
    form_name = source.split(".")[0]
    form_label = names.form_label(source)
    events = [_event_text(names, form_name, e) for e in rule.get("on") or []]
    joined = ("或" if zh else " or ").join(events)
    when = condition_text(names, source, rule.get("when")) if rule.get("when") else ""
    actions = [_action_text(names, a) for a in rule.get("actions") or [] if isinstance(a, dict)]
    if zh:
        cond = f"且{when}" if when else ""
        return f"当{form_label}被{joined}{cond}时，" + "，".join(actions)
    cond = f" and its {when}" if when else ""
    return f"When a {form_label} is {joined}{cond}, " + ", then ".join(actions) + "."


def _event_text(names: _Names, form_name: str, event: str) -> str:
    if event.startswith("transition:"):
        name = event.split(":", 1)[1]
        workflow = names.form(form_name).get("workflow") or {}
        transition = next((t for t in workflow.get("transitions") or []
                           if isinstance(t, dict) and t.get("name") == name), {})
        text = _text(transition.get("label"), names.language, name)
        return f"执行“{text}”" if names.language == "zh" else f"put through “{text}”"
    return EVENTS[names.language].get(event, event)


def _action_text(names: _Names, action: dict) -> str:
    zh = names.language == "zh"
    if "create" in action:
        label = names.form_label(action["create"])
        return f"新建一条{label}" if zh else f"create a {label}"
    if "notify" in action:
        who = "、".join(action["notify"]) if zh else ", ".join(action["notify"])
        message = _text(action.get("message"), names.language, "")
        return f"通知{who}：“{message}”" if zh else f"notify {who}: “{message}”"
    if "reject" in action:
        message = _text(action["reject"], names.language, "")
        return f"拒绝保存：“{message}”" if zh else f"refuse the save: “{message}”"
    if "webhook" in action:
        return f"调用 Webhook {action['webhook']}" if zh else f"call the webhook {action['webhook']}"
    if "transition" in action:
        return f"执行流转 {action['transition']}" if zh else f"take the transition {action['transition']}"
    return ""
