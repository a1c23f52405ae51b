"""What the forecast editor needs: the reports a forecast may read (those with
a group column bucketed by day) with their columns, and a forecast told as a
plain sentence in the reader's language:

    销售预测：根据“每日销量”报表，按商品预测未来 28 天的数量（季节周期 7 天，回测 3 次），并给出采购建议
    Sales forecast: from the report Daily sales, Quantity per Product for the
    next 28 days (a season of 7 days, 3 backtest folds), with purchase suggestions.
"""
from __future__ import annotations

from typing import Any

from engine.designer.sentences import _text


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def forecast_reports(definition: dict) -> dict[str, dict]:
    """Report name -> {"days": day columns, "groups": other group columns, "measures": ..., "labels": ...}
    for every report with a group column bucketed by day."""
    from engine.definitions.model import report_group_name
    found = {}
    for report in _dicts(definition.get("reports") if isinstance(definition, dict) else None):
        groups = [g for g in _dicts(report.get("group_by")) if isinstance(g.get("field"), str)]
        days = [report_group_name(g) for g in groups if g.get("bucket") == "day"]
        if not isinstance(report.get("name"), str) or not days:
            continue
        measures = [m for m in _dicts(report.get("measures")) if isinstance(m.get("name"), str)]
        labels = {report_group_name(g): g.get("label") for g in groups}
        labels.update({m["name"]: m.get("label") for m in measures})
        found[report["name"]] = {"days": days, "groups": [report_group_name(g) for g in groups
                                                          if report_group_name(g) not in days],
                                 "measures": [m["name"] for m in measures], "labels": labels,
                                 "label": report.get("label")}
    return found


def form_fields(definition: dict, form_name: Any) -> list[str]:
    """The field names of a form (the purchase settings' pickers)."""
    form = next((f for f in _dicts(definition.get("forms")) if f.get("name") == form_name), {})
    return [f["name"] for f in _dicts(form.get("fields")) if isinstance(f.get("name"), str)]


def purchase_start(definition: dict) -> dict:
    """The purchase settings the "+" button starts from: schema-valid, the first
    form and its first number field; the checks then say what to change."""
    forms = _dicts(definition.get("forms"))
    form = forms[0] if forms else {}
    fields = [f for f in _dicts(form.get("fields")) if isinstance(f.get("name"), str)]
    number = next((f["name"] for f in fields if f.get("type") in ("integer", "decimal")),
                  fields[0]["name"] if fields else "qty")
    name = str(form.get("name") or "stock")
    return {"stock_form": name, "available": number, "request_form": name, "quantity": number}


def forecast_sentence(definition: dict, forecast: dict, language: str | None = "en") -> str:
    """The sentence; "" for a forecast too broken to tell (its problems say why)."""
    language = "zh" if (language or "").startswith("zh") else "en"
    if not isinstance(forecast, dict) or not isinstance(definition, dict):
        return ""
    try:
        return _sentence(definition, forecast, language)
    except (TypeError, AttributeError, KeyError, ValueError):
        return ""


def _sentence(definition: dict, forecast: dict, language: str) -> str:
    zh = language == "zh"
    report = forecast_reports(definition).get(str(forecast.get("report")), {"labels": {}, "label": None})
    name = _text(forecast.get("label"), language, str(forecast.get("name") or "?"))
    source = _text(report["label"], language, str(forecast.get("report") or "?"))
    value = _text(report["labels"].get(forecast.get("value")), language, str(forecast.get("value") or "?"))
    item = _text(report["labels"].get(forecast.get("item")), language, str(forecast.get("item"))) \
        if forecast.get("item") else ""
    horizon, season, folds = (forecast.get(k, d) for k, d in (("horizon", 28), ("season_length", 7), ("folds", 3)))
    purchase = isinstance(forecast.get("purchase"), dict)
    if zh:
        per = f"按{item}" if item else "汇总"
        tail = "，并给出采购建议" if purchase else ""
        return (f"{name}：根据“{source}”报表，{per}预测未来 {horizon} 天的{value}"
                f"（季节周期 {season} 天，回测 {folds} 次）{tail}")
    per = f" per {item}" if item else " in total"
    tail = ", with purchase suggestions" if purchase else ""
    return (f"{name}: from the report {source}, {value}{per} for the next {horizon} days "
            f"(a season of {season} days, {folds} backtest folds){tail}.")
