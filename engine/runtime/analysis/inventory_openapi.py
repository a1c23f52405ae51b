"""The inventory analysis in the OpenAPI document, for callers who may open it."""
from __future__ import annotations

from typing import Any

from engine.runtime.analysis.inventory import REQUIRED_FORMS
from engine.runtime.api.openapi import register_paths
from engine.runtime.api.openapi_schemas import (BOOLEAN, DATE, INTEGER, NUMBER, STRING, array, nullable,
                                                obj, ref)
from engine.runtime.permissions.access import access_for

SECTIONS = ("over_max", "abc", "turnover", "slow_dead", "suppliers")
RATIO = nullable(NUMBER)
PRODUCT = obj({"id": INTEGER, "sku": nullable(STRING), "name": nullable(STRING)})
NAMED = obj({"id": INTEGER, "name": nullable(STRING)})
OVER_MAX = obj({"stock": INTEGER, "product": PRODUCT, "warehouse": NAMED, "on_hand": NUMBER,
                "max_stock": NUMBER, "excess": NUMBER, "excess_value": NUMBER})
ABC = obj({"total_revenue": NUMBER, "counts": obj({"A": INTEGER, "B": INTEGER, "C": INTEGER}),
           "rows": array(obj({"product": PRODUCT, "revenue": NUMBER, "share": RATIO, "cumulative_share": RATIO,
                              "class": {"type": "string", "enum": ["A", "B", "C"]}}))})
TURNOVER = obj({"cost_of_goods_shipped": NUMBER, "average_stock_value": NUMBER, "turnover": RATIO,
                "rows": array(obj({"product": PRODUCT, "units_shipped": NUMBER, "average_on_hand": NUMBER,
                                   "turnover": RATIO, "available": NUMBER, "daily_demand": NUMBER,
                                   "days_of_supply": RATIO}))})
IDLE = obj({"product": PRODUCT, "on_hand": NUMBER, "last_sale": nullable(DATE),
            "days_without_sale": nullable(INTEGER), "stock_value": NUMBER})
COUNTS = obj({"receipts": NUMBER, "on_time": NUMBER, "received_qty": NUMBER, "returned_qty": NUMBER})
SUPPLIER = obj({
    "supplier": NAMED, "receipts": NUMBER, "on_time_receipts": NUMBER, "received_qty": NUMBER,
    "returned_qty": NUMBER, "on_time_rate": RATIO, "return_rate": RATIO, "matches_documents": BOOLEAN,
    "from_documents": COUNTS,
    "latest_evaluation": {"oneOf": [obj({"id": INTEGER, "period": nullable(STRING), "on_time_rate": RATIO,
                                         "return_rate": RATIO}), {"type": "null"}]}})
RESULT_SCHEMA = obj({
    "app": STRING,
    "period": obj({"start": DATE, "end": DATE, "days": INTEGER}),
    "options": obj({"a_share": NUMBER, "b_share": NUMBER, "slow_days": INTEGER, "dead_days": INTEGER}),
    "omitted": array(obj({"section": {"type": "string", "enum": list(SECTIONS)}, "reason": STRING})),
    "over_max": array(OVER_MAX), "abc": ABC, "turnover": TURNOVER,
    "slow_dead": obj({"slow": array(ref("InventoryIdleStock")), "dead": array(ref("InventoryIdleStock"))}),
    "suppliers": array(SUPPLIER),
}, optional=["abc", "turnover", "slow_dead", "suppliers"])
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
    document["components"]["schemas"].update({"InventoryIdleStock": IDLE, "InventoryAnalysis": RESULT_SCHEMA})
    document["paths"][f"/apps/{model.name}/analysis/inventory"] = {"get": operation(
        [f"{model.name}.analysis"], "Inventory analysis: ABC, turnover, days of supply, slow/dead, "
        "over-max stock, supplier rates", ref("InventoryAnalysis"), params=PARAMS,
        operation_id=f"{model.name}_inventory_analysis")}


register_paths(add_inventory_paths)
