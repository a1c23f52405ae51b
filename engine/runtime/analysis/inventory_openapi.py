"""The inventory analysis in the OpenAPI document, for callers who may open it."""
from __future__ import annotations

from typing import Any

from engine.runtime.analysis.inventory import REQUIRED_FORMS
from engine.runtime.permissions.access import access_for

SECTIONS = ("over_max", "abc", "turnover", "slow_dead", "suppliers")
RESULT_SCHEMA = {
    "type": "object", "required": ["app", "period", "options", "omitted", "over_max"],
    "properties": {
        "app": {"type": "string"},
        "period": {"type": "object", "properties": {"start": {"type": "string", "format": "date"},
                                                    "end": {"type": "string", "format": "date"},
                                                    "days": {"type": "integer"}}},
        "options": {"type": "object"},
        "omitted": {"type": "array", "items": {"type": "object", "properties": {
            "section": {"enum": list(SECTIONS)}, "reason": {"type": "string"}}}},
        **{name: {"type": ["object", "array"]} for name in SECTIONS},
    },
}
PARAMS = [
    {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "Last day of the period (default today, UTC)"},
    {"name": "days", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                  "maximum": 3660, "default": 90}},
    {"name": "a_share", "in": "query", "required": False, "schema": {"type": "number", "default": 0.8}},
    {"name": "b_share", "in": "query", "required": False, "schema": {"type": "number", "default": 0.95}},
    {"name": "slow_days", "in": "query", "required": False, "schema": {"type": "integer", "default": 90}},
    {"name": "dead_days", "in": "query", "required": False, "schema": {"type": "integer", "default": 180}},
]


def add_inventory_paths(document: dict[str, Any], loaded, actor, operation) -> None:
    model = loaded.model
    if any(model.form(name) is None for name in REQUIRED_FORMS):
        return
    stock, product = (access_for(actor, model, model.form(name)) for name in ("stock", "product"))
    if not (stock.can("read") and product.can("read") and product.level("cost_price") != "hidden"):
        return
    document["paths"][f"/apps/{model.name}/analysis/inventory"] = {"get": operation(
        [f"{model.name}.analysis"], "Inventory analysis: ABC, turnover, days of supply, slow/dead, "
        "over-max stock, supplier rates", RESULT_SCHEMA, params=PARAMS)}
