"""GET /api/v1/apps/{app}/forecasts/{name}[/suggestions] and the one-click
purchase request, on four weeks of sales written through the record service."""
from __future__ import annotations

import math
from datetime import timedelta

from tests.api.conftest import ApiClient
from tests.forecast.conftest import DAYS, FIRST_DAY

URL = "/apps/inventory/forecasts/sales"


def api(client, shop, user):
    return ApiClient(client, shop.tokens[user])


def test_the_forecast_answers_points_with_intervals_and_both_errors(client, sales_history):
    response = api(client, sales_history, "buyer").get(URL, query_string={"horizon": 7, "folds": 2})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    assert body["history_end"] == last_day.isoformat() and body["horizon"] == 7
    total = body["total"]
    assert [p["date"] for p in total["points"]] == \
        [(last_day + timedelta(days=n)).isoformat() for n in range(1, 8)]
    assert all(p["lower"] <= p["value"] <= p["upper"] for p in total["points"])
    assert total["history_total"] == sum([12, 10, 9, 8, 11, 3, 2, 4, 4, 3, 3, 4, 1, 1]) * 4
    assert set(total["backtest"]) >= {"model", "seasonal_naive", "days"}
    assert set(total["backtest"]["model"]) == {"mape", "smape", "wape"}
    assert [item["title"] for item in body["items"]] == ["螺栓", "螺母"]      # busiest first
    bolts = body["items"][0]
    # a perfectly repeating week: both methods forecast the week again
    assert [round(p["value"]) for p in bolts["seasonal_naive"]] == [12, 10, 9, 8, 11, 3, 2]
    assert bolts["backtest"]["seasonal_naive"]["smape"] == 0.0


def test_suggestions_follow_the_formula_by_hand(client, sales_history):
    shop = sales_history
    buyer = api(client, shop, "buyer")
    body = buyer.get(URL + "/suggestions").get_json()
    forecast = buyer.get(URL).get_json()                 # the same 28-day horizon
    assert body["service_level"] == 0.95 and abs(body["z"] - 1.6449) < 1e-3
    rows = {row["title"]: row for row in body["items"]}
    for product, title in ((shop.bolt, "螺栓"), (shop.nut, "螺母")):
        row = rows[title]
        assert row["lead_time_days"] == (5 if product is shop.bolt else 7)   # supplier's, else the default
        points = next(i for i in forecast["items"] if i["item"] == product["id"])["points"]
        assert abs(row["demand"] - sum(p["value"] for p in points[:row["lead_time_days"]])) < 0.01
        assert row["available"] == float(shop.stock(product, shop.main, "available"))
        assert row["incoming"] == 0
        by_hand = math.ceil(row["demand"] + row["safety_stock"] - row["available"] - row["incoming"])
        assert row["quantity"] == max(0, by_hand)
    assert rows["螺栓"]["quantity"] > 0 and rows["螺母"]["quantity"] == 0
    assert [w["title"] for w in body["warehouses"]] == ["上海仓", "北京仓"]


def test_one_click_request_creates_one_record_for_purchasing_and_is_refused_for_sales(client, sales_history):
    shop = sales_history
    body = {"item": shop.bolt["id"], "quantity": 40, "warehouse": shop.branch["id"]}
    before = len(shop.all("purchase_request"))
    refused = api(client, shop, "seller").post(URL + "/requests", json=body)
    assert refused.status_code == 403, refused.get_json()
    assert api(client, shop, "seller").get(URL + "/suggestions").status_code == 403   # may not read stock
    created = api(client, shop, "buyer").post(URL + "/requests", json=body)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert (record["product"], record["warehouse"], record["qty"], record["status"]) == \
        (shop.bolt["id"], shop.branch["id"], 40, "open")
    assert "forecast sales" in record["reason"]
    assert len(shop.all("purchase_request")) == before + 1
    history = api(client, shop, "buyer").get(
        f"/apps/inventory/forms/purchase_request/records/{record['id']}/history").get_json()["items"]
    assert len(history) == 1
    assert history[0]["cause"]["kind"] == "api" and "forecast sales" in history[0]["cause"]["detail"]


def test_bad_input_answers_json_errors(client, sales_history):
    buyer = api(client, sales_history, "buyer")
    missing = buyer.get("/apps/inventory/forecasts/nope")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found" and "nope" in missing.get_json()["error"]["message"]
    assert buyer.get("/apps/nope/forecasts/sales").status_code == 404
    bad = buyer.get(URL, query_string={"horizon": "0"})
    assert bad.status_code == 400 and bad.get_json()["error"]["details"][0]["field"] == "horizon"
    short = buyer.get(URL, query_string={"horizon": 28, "folds": 3}).get_json()
    assert short["total"]["backtest"] is None
    assert "needs 98 days of history" in short["total"]["backtest_problem"]
    wrong = buyer.post(URL + "/requests", json={"item": sales_history.bolt["id"], "quantity": -1,
                                                "warehouse": sales_history.main["id"]})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["details"][0]["field"] == "quantity"
    assert buyer.post(URL + "/requests", json={"item": 1, "qty": 3}).status_code == 400
    assert api(client, sales_history, "seller").get(URL).status_code == 400    # sees no shipped orders
    refused = api(client, sales_history, "nobody").get(URL)                   # may not run the report
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


def test_the_openapi_document_lists_the_forecast_paths(client, sales_history):
    document = api(client, sales_history, "buyer").get("/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths[URL]) == {"get"} and set(paths[URL + "/suggestions"]) == {"get"}
    request = paths[URL + "/requests"]["post"]
    assert set(request["responses"]) >= {"201", "403", "422"}
    assert request["requestBody"]["content"]["application/json"]["schema"]["required"] == ["item", "quantity"]


def test_as_of_moves_the_forecast_origin(client, sales_history):
    buyer = api(client, sales_history, "buyer")
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    later = buyer.get(URL, query_string={"horizon": 7, "folds": 1,
                                         "as_of": (last_day + timedelta(days=3)).isoformat()}).get_json()
    assert later["history_end"] == (last_day + timedelta(days=3)).isoformat()
    assert later["total"]["points"][0]["date"] == (last_day + timedelta(days=4)).isoformat()
    assert later["total"]["history_days"] == DAYS + 3                       # three days without sales
    earlier = buyer.get(URL, query_string={"horizon": 7, "folds": 1,
                                           "as_of": (FIRST_DAY + timedelta(days=20)).isoformat()}).get_json()
    assert earlier["total"]["history_days"] == 21
    assert earlier["total"]["history_total"] == sum([16, 14, 12, 11, 15, 4, 3]) * 3
    assert buyer.get(URL, query_string={"as_of": "2026-13-01"}).status_code == 400
    before = buyer.get(URL, query_string={"as_of": (FIRST_DAY - timedelta(days=1)).isoformat()})
    assert before.status_code == 400 and "no rows the caller may see up to" in before.get_json()["error"]["message"]
