"""The `forecasts` definition key: its checks name the JSON path, and the
suggestion arithmetic on hand-computed numbers."""
from __future__ import annotations

import copy
import math

import pytest

from engine.definitions.loader import load_definition
from engine.definitions.model import compile_app
from engine.definitions.validate import validate_definition
from engine.resources import bundled_app_path
from engine.runtime.analysis.suggestions import safety_factor, suggested_quantity


@pytest.fixture(scope="module")
def inventory():
    return load_definition(bundled_app_path("inventory"))


def problems(definition, **changes):
    changed = copy.deepcopy(definition)
    forecast = changed["forecasts"][0]
    for key, value in changes.items():
        if key.startswith("purchase_"):
            forecast["purchase"][key[len("purchase_"):]] = value
        elif value is None:
            forecast.pop(key)
        else:
            forecast[key] = value
    return [str(p) for p in validate_definition(changed)]


def test_the_inventory_forecast_compiles_with_its_purchase_settings(inventory):
    assert validate_definition(inventory) == []
    forecast = compile_app(inventory).forecast("sales")
    assert (forecast.report, forecast.date, forecast.item, forecast.value) == \
        ("daily_sales_by_product", "day", "product", "qty")
    assert forecast.purchase.lead_time_field == "supplier.lead_time_days"
    assert forecast.purchase.service_level == 0.95


@pytest.mark.parametrize("changes, expected", [
    ({"report": "daily_sales_by_prodct"},
     "forecasts[0].report: unknown report 'daily_sales_by_prodct' (did you mean 'daily_sales_by_product'?)"),
    ({"value": "qtty"}, "forecasts[0].value: unknown measure column 'qtty' (did you mean 'qty'?)"),
    ({"date": "product"}, "forecasts[0].date: 'product' must group by a date with \"bucket\": \"day\""),
    ({"item": None}, "forecasts[0].purchase: purchase suggestions need an 'item' column"),
    ({"purchase_lead_time_field": "supplier.lead_time"},
     "forecasts[0].purchase.lead_time_field: unknown field 'lead_time' in 'supplier' (did you mean 'lead_time_days'?)"),
    ({"purchase_available": "warehouse"},
     "forecasts[0].purchase.available: 'stock.warehouse' must be integer or decimal, not link"),
    ({"purchase_request_form": "customer"},
     "forecasts[0].purchase.request_form: 'customer' has no link field to 'product'"),
    ({"horizon": 0}, "forecasts[0].horizon: must be at least 1"),
])
def test_each_mistake_is_named_at_its_path(inventory, changes, expected):
    assert expected in problems(inventory, **changes)


def test_suggested_quantity_by_hand():
    z = safety_factor(0.95)
    assert z == pytest.approx(1.6449, abs=1e-4)
    # 100 units over a 4-day lead time, sigma 5 a day: safety stock 1.645 * 5 * 2 = 16.45
    assert suggested_quantity(100, 5, 4, z, available=30, incoming=10) == math.ceil(100 + 16.449 - 40) == 77
    assert suggested_quantity(100, 5, 4, z, available=130, incoming=10) == 0       # never negative
    assert suggested_quantity(12, 0, 3, z, available=2, incoming=0) == 10          # whole units, exact
