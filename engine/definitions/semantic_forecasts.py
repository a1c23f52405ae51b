"""Forecast checks: the report and its columns exist and have the right shape
(a day-bucketed date group, an item group, a measure), and the purchase
settings name real forms and fields that link back to the item's form."""
from __future__ import annotations

from typing import Any

from engine.definitions.semantic_context import (Context, FieldInfo, FormInfo, Path, as_dict,
                                                 enumerate_dicts)
from engine.definitions.semantic_expressions import suggest
from engine.definitions.semantic_names import check_duplicates, named_items

NUMERIC = ("integer", "decimal")
TEXT = ("text", "textarea")


def check_forecasts(ctx: Context) -> None:
    definition = as_dict(ctx.definition)
    forecasts = definition.get("forecasts")
    check_duplicates(ctx, named_items(forecasts, ("forecasts",)), "forecast")
    reports = {r["name"]: r for _, r in enumerate_dicts(definition.get("reports"))
               if isinstance(r.get("name"), str)}
    for i, forecast in enumerate_dicts(forecasts):
        path: Path = ("forecasts", i)
        report = _named(ctx, forecast, "report", path, reports, "report")
        if report is None:
            continue
        item_form, reported = _check_columns(ctx, forecast, path, report)
        purchase = forecast.get("purchase")
        if isinstance(purchase, dict) and not ctx.broken(path + ("purchase",)) and not reported:
            if ctx.value(forecast, "item", path, str) is None:
                ctx.error(path + ("purchase",), "purchase suggestions need an 'item' column")
            elif item_form is None:
                ctx.error(path + ("item",), "purchase suggestions need an item column that is a link "
                                            "to a form (e.g. product)")
            else:
                _check_purchase(ctx, purchase, path + ("purchase",), item_form)


def _named(ctx: Context, spec: dict, key: str, path: Path, known: dict, what: str) -> Any:
    name = ctx.value(spec, key, path, str)
    if name is None:
        return None
    if name not in known:
        guess = suggest(name, known)
        ctx.error(path + (key,), f"unknown {what} '{name}'",
                  f"did you mean '{guess}'?" if guess else
                  (f"known: {', '.join(sorted(known))}" if known else f"the app has no {what}s"))
        return None
    return known[name]


def _check_columns(ctx: Context, forecast: dict, path: Path,
                   report: dict) -> tuple[FormInfo | None, bool]:
    """Check date/item/value against the report; return the item's link target
    form, and whether a problem with the item column was already reported."""
    from engine.definitions.model import report_group_name
    groups = {report_group_name(g): g for _, g in enumerate_dicts(report.get("group_by"))}
    measures = {m["name"]: m for _, m in enumerate_dicts(report.get("measures"))
                if isinstance(m.get("name"), str)}
    date_group = _named(ctx, forecast, "date", path, groups, "group column")
    if date_group is not None and date_group.get("bucket") != "day":
        ctx.error(path + ("date",), f"'{forecast['date']}' must group by a date with \"bucket\": \"day\"")
    _named(ctx, forecast, "value", path, measures, "measure column")
    before = len(ctx.problems)
    item_group = _named(ctx, forecast, "item", path, groups, "group column")
    if item_group is None:
        return None, len(ctx.problems) > before
    if item_group is date_group:
        ctx.error(path + ("item",), "the item column cannot be the date column")
        return None, True
    source = report.get("source")
    field = _source_field(ctx, source, item_group.get("field")) if isinstance(source, str) else None
    if field is None or field.type != "link" or field.target not in ctx.index.forms:
        return None, False
    return ctx.index.forms[field.target], False


def _source_field(ctx: Context, source: str, field_path: Any) -> FieldInfo | None:
    """A plain field of the report's source rows (the item must be a link there)."""
    if not isinstance(field_path, str) or "." in field_path:
        return None
    form, sub = ctx.index.resolve_ref(source)
    fields = sub.fields if sub is not None else (form.fields if form is not None else {})
    return fields.get(field_path)


def _check_purchase(ctx: Context, purchase: dict, path: Path, item_form: FormInfo) -> None:
    forms = ctx.index.forms
    stock = _named(ctx, purchase, "stock_form", path, forms, "form")
    request = _named(ctx, purchase, "request_form", path, forms, "form")
    if stock is not None:
        _link_to(ctx, stock, item_form, path + ("stock_form",))
        _field_of(ctx, purchase, "available", path, stock, NUMERIC)
        _field_of(ctx, purchase, "incoming", path, stock, NUMERIC)
    if request is not None:
        _link_to(ctx, request, item_form, path + ("request_form",))
        _field_of(ctx, purchase, "quantity", path, request, NUMERIC)
        _field_of(ctx, purchase, "reason", path, request, TEXT)
    if stock is not None and request is not None:
        _check_warehouse(ctx, purchase, path, stock, request)
    lead = ctx.value(purchase, "lead_time_field", path, str)
    if lead is not None:
        _check_lead_time(ctx, lead, path + ("lead_time_field",), item_form)


def _link_to(ctx: Context, form: FormInfo, item_form: FormInfo, path: Path) -> None:
    if not any(f.type == "link" and f.target == item_form.name for f in form.fields.values()):
        ctx.error(path, f"'{form.name}' has no link field to '{item_form.name}'")


def _field_of(ctx: Context, spec: dict, key: str, path: Path, form: FormInfo,
              types: tuple[str, ...]) -> FieldInfo | None:
    candidates = {n: f for n, f in form.fields.items() if f.type in types}
    name = ctx.value(spec, key, path, str)
    if name is None:
        return None
    found = form.fields.get(name)
    if found is None:
        guess = suggest(name, candidates)
        ctx.error(path + (key,), f"unknown field '{name}' in '{form.name}'",
                  f"did you mean '{guess}'?" if guess else None)
        return None
    if found.type not in types:
        ctx.error(path + (key,), f"'{form.name}.{name}' must be {' or '.join(types)}, not {found.type}")
        return None
    return found


def _check_warehouse(ctx: Context, purchase: dict, path: Path, stock: FormInfo,
                     request: FormInfo) -> None:
    name = ctx.value(purchase, "warehouse", path, str)
    if name is None:
        return
    in_stock = _field_of(ctx, purchase, "warehouse", path, stock, ("link",))
    in_request = _field_of(ctx, purchase, "warehouse", path, request, ("link",))
    if in_stock is not None and in_request is not None and in_stock.target != in_request.target:
        ctx.error(path + ("warehouse",), f"'{stock.name}.{name}' and '{request.name}.{name}' "
                                         f"link to different forms")


def _check_lead_time(ctx: Context, lead: str, path: Path, item_form: FormInfo) -> None:
    first, _, second = lead.partition(".")
    field = item_form.fields.get(first)
    owner = item_form
    if field is not None and second:
        if field.type != "link" or field.target not in ctx.index.forms:
            ctx.error(path, f"'{item_form.name}.{first}' is not a link, so '{lead}' cannot be followed")
            return
        owner = ctx.index.forms[field.target]
        field = owner.fields.get(second)
    if field is None:
        missing = second or first
        guess = suggest(missing, owner.fields)
        ctx.error(path, f"unknown field '{missing}' in '{owner.name}'",
                  f"did you mean '{guess}'?" if guess else None)
    elif field.type not in NUMERIC:
        ctx.error(path, f"'{lead}' must be a number of days (integer or decimal), not {field.type}")
