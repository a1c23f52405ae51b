"""What the report editor needs beyond the generic controls: the fields a
report over a source may group by or measure (with their types, so date fields
get a bucket), and the report as a plain sentence in the reader's language:

    从状态为"已发货"的销售订单的明细中，按月份和商品汇总：数量合计、销售额合计、订单行数（计数）
    From the Sales order's Lines whose parent Status is "Shipped", by Month and
    Product: sum of Quantity, sum of Revenue, count of Order lines.
"""
from __future__ import annotations

from typing import Any

from engine.designer.sentences import _Names, _text, condition_text

AGGREGATES = ("sum", "count", "avg", "min", "max")
BUCKETS = ("day", "week", "month", "quarter", "year")
DATES = ("date", "datetime")
NUMBERS = ("integer", "decimal")
_SYSTEM = {"id": "integer", "created_at": "datetime", "updated_at": "datetime", "created_by": "user"}
_AGG_TEXT = {"zh": {"sum": "{}合计", "count": "{}（计数）", "avg": "{}平均值", "min": "{}最小值",
                    "max": "{}最大值"},
             "en": {"sum": "sum of {}", "count": "count of {}", "avg": "average {}", "min": "lowest {}",
                    "max": "highest {}"}}
_BUCKET_TEXT = {"zh": {"day": "日", "week": "周", "month": "月", "quarter": "季度", "year": "年"},
                "en": {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}}


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _form(definition: dict, name: str) -> dict:
    return next((f for f in _dicts(definition.get("forms")) if f.get("name") == name), {})


def _typed(fields: list[dict]) -> dict[str, str]:
    return {f["name"]: str(f.get("type") or "text") for f in fields
            if isinstance(f.get("name"), str) and f.get("type") not in ("subform", "attachment", "multiselect")}


def report_sources(definition: dict) -> list[str]:
    """Every form and form.subform a report may read."""
    names = []
    for form in _dicts(definition.get("forms")):
        names.append(str(form.get("name", "")))
        names += [f"{form.get('name')}.{f.get('name')}" for f in _dicts(form.get("fields"))
                  if f.get("type") == "subform"]
    return names


def source_fields(definition: dict, source: str) -> dict[str, str]:
    """Field path -> type for a report over `source`: its own fields, a subform
    row's parent.<field>, and <link>.<field> of each linked form."""
    form_name, _, sub_name = (source or "").partition(".")
    form = _form(definition, form_name)
    own_fields = _dicts(form.get("fields"))
    if sub_name:
        own_fields = _dicts(next((f.get("fields") for f in own_fields if f.get("name") == sub_name), []))
    fields = dict(_typed(own_fields))
    workflow = form.get("workflow")
    if isinstance(workflow, dict) and not sub_name:
        fields[str(workflow.get("field") or "status")] = "select"
    if not sub_name:
        fields.update(_SYSTEM)
    for field in own_fields:
        if field.get("type") == "link" and isinstance(field.get("form"), str):
            linked = _typed(_dicts(_form(definition, field["form"]).get("fields")))
            fields.update({f"{field['name']}.{n}": t for n, t in linked.items()})
    if sub_name:
        parent = _typed(_dicts(form.get("fields")))
        if isinstance(workflow, dict):
            parent[str(workflow.get("field") or "status")] = "select"
        fields.update({f"parent.{n}": t for n, t in parent.items()})
        fields["parent.id"] = "integer"
    return fields


def _path_label(names: _Names, definition: dict, source: str, path: str) -> str:
    form_name, _, sub = source.partition(".")
    head, _, rest = path.partition(".")
    if head == "parent" or not rest:
        return names.name_label(source, path)
    fields = _dicts(_form(definition, form_name).get("fields"))
    if sub:
        fields = _dicts(next((f.get("fields") for f in fields if f.get("name") == sub), []))
    link = next((f for f in fields if f.get("name") == head), {})
    joiner = "的" if names.language == "zh" else " "
    return names.name_label(source, head) + joiner + names.field_label(str(link.get("form") or ""), rest)


def _group_text(names: _Names, definition: dict, source: str, group: dict) -> str:
    if group.get("label"):
        return _text(group.get("label"), names.language, str(group.get("field")))
    text = _path_label(names, definition, source, str(group.get("field") or "?"))
    bucket = _BUCKET_TEXT[names.language].get(str(group.get("bucket")))
    if bucket:
        text += f"（按{bucket}）" if names.language == "zh" else f" (by {bucket})"
    return text


def _measure_text(names: _Names, definition: dict, source: str, measure: dict) -> str:
    zh = names.language == "zh"
    expression = str(measure.get("expression") or "")
    what = _text(measure.get("label"), names.language, "")
    if not what and expression:
        simple = expression.replace("_", "").replace(".", "").isalnum()
        what = _path_label(names, definition, source, expression) if simple else f"“{expression}”"
    what = what or ("记录" if zh else "records")
    pattern = _AGG_TEXT[names.language].get(str(measure.get("agg")), "{}")
    suffix = pattern.replace("{}", "")
    return what if zh and suffix and what.endswith(suffix) else pattern.format(what)


def _sort_text(names: _Names, definition: dict, source: str, report: dict) -> str:
    """`month,-revenue` with the columns' labels: 按月份升序、销售额降序 / by Month, then Revenue descending."""
    from engine.definitions.model import report_group_name
    zh = names.language == "zh"
    columns = {report_group_name(g): _group_text(names, definition, source, g) for g in _dicts(report.get("group_by"))
               if isinstance(g.get("field"), str)}
    columns.update({m.get("name"): _text(m.get("label"), names.language, str(m.get("name")))
                    for m in _dicts(report.get("measures"))})
    parts = []
    for key in str(report.get("sort") or "").split(","):
        key = key.strip()
        name = key.lstrip("-").strip()
        if name:
            descending = key.startswith("-")
            text = columns.get(name, name)
            parts.append(text + ("降序" if descending else "升序") if zh else text + (" descending" if descending else ""))
    if not parts:
        return ""
    return "，按" + "、".join(parts) + "排列" if zh else "; sorted by " + ", then ".join(parts)


def report_sentence(definition: dict, report: dict, language: str | None = "en") -> str:
    """The sentence; "" for a report too incomplete to tell (its problems say why)."""
    language = "zh" if (language or "").startswith("zh") else "en"
    if not isinstance(report, dict) or not isinstance(definition, dict):
        return ""
    try:
        return _sentence(_Names(definition, language), definition, report)
    except (TypeError, AttributeError, KeyError, ValueError):
        return ""


def _sentence(names: _Names, definition: dict, report: dict) -> str:
    zh = names.language == "zh"
    source = str(report.get("source") or "")
    where = condition_text(names, source, report["filter"]) if report.get("filter") else ""
    groups = [_group_text(names, definition, source, g) for g in _dicts(report.get("group_by"))]
    measures = [_measure_text(names, definition, source, m) for m in _dicts(report.get("measures"))]
    limit = report.get("limit")
    order = _sort_text(names, definition, source, report)
    if zh:
        head = f"从{where + '的' if where else ''}{names.form_label(source)}中，"
        by = f"按{'和'.join(groups)}汇总：" if groups else "汇总："
        tail = f"（最多 {limit} 行）" if isinstance(limit, int) else ""
        return head + by + "、".join(measures) + order + tail
    whose = f" whose {where}" if where else ""
    by = f", by {' and '.join(groups)}: " if groups else ": "
    tail = f" (at most {limit} rows)" if isinstance(limit, int) else ""
    return f"From the {names.form_label(source)}{whose}{by}" + ", ".join(measures) + order + tail + "."
