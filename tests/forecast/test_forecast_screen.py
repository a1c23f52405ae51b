"""/apps/inventory/forecasts/sales: the chart with its interval band, the
backtest table, and the one-click purchase request (CSRF, record service)."""
from __future__ import annotations

import re

from engine.runtime.actor import SYSTEM

from tests.forecast.conftest import PASSWORD
from tests.screens.conftest import csrf_token

PAGE = "/apps/inventory/forecasts/sales"


def signed_in(app, username):
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code in (302, 303)
    return client


def test_the_page_draws_the_band_and_both_errors_and_one_click_creates_a_request(app, sales_history):
    shop = sales_history
    buyer = signed_in(app, "buyer")
    page = buyer.get(PAGE, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:2000]
    assert "<svg" in html and "ld-chart-band" in html and "Seasonal-naive" in html
    assert f'href="{PAGE}">Sales forecast</a>' in html                          # the sidebar link
    assert len(re.findall(r'data-testid="backtest-row"', html)) == 3              # total, bolts, nuts
    assert f'data-item="{shop.bolt["id"]}"' in html and "Create purchase request" in html
    assert buyer.get(PAGE + f"?item={shop.bolt['id']}").status_code == 200
    before = len(shop.all("purchase_request"))
    no_token = buyer.post(PAGE + "/requests", data={"item": shop.bolt["id"], "quantity": 30,
                                                     "warehouse": shop.main["id"]})
    assert no_token.status_code == 400 and len(shop.all("purchase_request")) == before
    response = buyer.post(PAGE + "/requests", data={
        "item": shop.bolt["id"], "quantity": 30, "warehouse": shop.main["id"], "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    requests = shop.all("purchase_request")
    assert len(requests) == before + 1
    record = max(requests, key=lambda r: r["id"])
    assert response.headers["Location"].endswith(f"/apps/inventory/purchase_request/{record['id']}")
    assert (record["product"], record["qty"]) == (shop.bolt["id"], 30)
    history = shop.service.history("inventory", "purchase_request", record["id"], actor=SYSTEM)
    assert len(history) == 1
    assert history[0]["cause"] == {"kind": "user", "detail": "forecast sales"}


def test_roles_without_the_create_right_see_no_button_and_are_refused(app, sales_history):
    shop = sales_history
    boss = signed_in(app, "boss")                     # reads sales and stock, may not create requests
    html = boss.get(PAGE).get_data(as_text=True)
    assert 'data-testid="suggestion"' in html and 'name="quantity"' not in html
    seller = signed_in(app, "seller")
    token = csrf_token(seller.get("/apps/inventory/").get_data(as_text=True))
    before = len(shop.all("purchase_request"))
    refused = seller.post(PAGE + "/requests", data={"item": shop.bolt["id"], "quantity": 5,
                                                     "warehouse": shop.main["id"], "csrf_token": token})
    assert refused.status_code == 403
    assert len(shop.all("purchase_request")) == before
    assert boss.get("/apps/inventory/forecasts/nope").status_code == 404
