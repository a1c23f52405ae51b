"""What the inventory analysis API and screen share: options from the query
string, the read transaction, the sidebar link.

Query parameters (both): as_of (YYYY-MM-DD, default today UTC), days (90),
a_share (0.8), b_share (0.95), slow_days (90), dead_days (180).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from flask_babel import gettext as _

from engine.db import get_db
from engine.runtime.analysis.inventory import REQUIRED_FORMS, InventoryOptions, analyse
from engine.runtime.errors import BadRequest, ErrorDetail, NotFound
from engine.runtime.permissions.access import access_for
from engine.runtime.registry import get_registry


def options_from(args: Mapping[str, str]) -> InventoryOptions:
    """Options from query parameters; every bad one is named in the 400."""
    problems: list[ErrorDetail] = []
    values: dict[str, Any] = {}
    raw_day = args.get("as_of")
    try:
        values["as_of"] = date.fromisoformat(raw_day) if raw_day else datetime.now(timezone.utc).date()
    except ValueError:
        problems.append(ErrorDetail("as_of", "must be a date like 2026-01-31"))
    for name in ("days", "slow_days", "dead_days"):
        if args.get(name):
            try:
                values[name] = int(args[name])
            except ValueError:
                problems.append(ErrorDetail(name, "must be a whole number"))
    for name in ("a_share", "b_share"):
        if args.get(name):
            try:
                values[name] = Decimal(args[name])
                if not values[name].is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(ErrorDetail(name, "must be a number between 0 and 1"))
    if problems:
        raise BadRequest("Bad analysis parameters", problems)
    return InventoryOptions(**values)


def run_analysis(app_name: str, actor, args: Mapping[str, str]):
    options = options_from(args)
    with get_db().read() as connection:
        loaded = get_registry().get(connection, app_name)
        if any(loaded.model.form(name) is None for name in REQUIRED_FORMS):
            raise NotFound(f"The app {app_name} has no inventory analysis")
        return loaded, analyse(connection, loaded, actor, options)


def analysis_links(loaded, actor) -> list[tuple[str, str]]:
    """(label, url) of the analysis screens the actor may open (the sidebar)."""
    from flask import url_for
    model = loaded.model
    if any(model.form(name) is None for name in REQUIRED_FORMS) or actor is None:
        return []
    stock, product = (access_for(actor, model, model.form(n)) for n in ("stock", "product"))
    if stock.can("read") and product.can("read") and product.level("cost_price") != "hidden":
        return [(_("Inventory analysis"), url_for("screens.inventory_analysis_page", app=loaded.name))]
    return []
