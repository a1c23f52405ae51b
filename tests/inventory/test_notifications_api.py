"""Notifications through the API and the screens: the low-stock rule of the
inventory app notifies purchasing, each user sees only their own messages, in
their language, and can mark them read."""
from __future__ import annotations

import re

import pytest

from engine.db import get_db
from engine.runtime import identity
from tests.api.conftest import ApiClient


def _low_stock(office):
    office.receive(office.main, (office.bolt, 30))
    for qty in (5, 6):                                 # 30 → 25 → 19: below the minimum of 20
        order = office.sales.move("sales_order", office.sales_order((office.bolt, qty)), "confirm")
        office.warehouse.move("sales_order", order, "ship")


@pytest.fixture
def buyer_zh(app, client, office):
    """A second purchasing user who reads Chinese."""
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "buyer_zh", "password-buyer_zh",
                             roles=[("inventory", "purchasing")], language="zh")
        return ApiClient(client, identity.create_token(connection, "buyer_zh"))


def test_low_stock_rule_notifies_purchasing_through_the_api(office, buyer_zh):
    assert office.purchasing.api.get("/notifications").get_json() == {"items": [], "next": None}
    _low_stock(office)
    answer = office.purchasing.api.get("/notifications")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["next"] is None and len(body["items"]) == 1
    item = body["items"][0]
    assert item["message"].startswith("螺栓 in 上海仓 is low: 19.000 available")   # English by default
    stock = office.admin.find("stock", f"product == {office.bolt['id']}")[0]
    assert (item["app"], item["form"], item["record_id"], item["read"]) == ("inventory", "stock", stock["id"], False)
    assert item["url"] == f"/apps/inventory/stock/{stock['id']}"
    # the user's language decides; without one, Accept-Language does
    assert buyer_zh.get("/notifications").get_json()["items"][0]["message"].startswith("上海仓 的 螺栓 库存不足")
    in_zh = office.purchasing.api.get("/notifications", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert in_zh.get_json()["items"][0]["message"].startswith("上海仓 的 螺栓 库存不足")
    # nobody else was told
    for desk in (office.sales, office.manager, office.warehouse, office.admin):
        assert desk.api.get("/notifications").get_json()["items"] == []


def test_own_notifications_only_unread_filter_and_marking_read(office, buyer_zh):
    _low_stock(office)
    order = office.sales.move("sales_order", office.sales_order((office.bolt, 15)), "confirm")
    office.warehouse.move("sales_order", order, "ship")          # nut untouched; bolt stays low
    mine = office.purchasing.api.get("/notifications").get_json()["items"]
    theirs = buyer_zh.get("/notifications").get_json()["items"]
    assert len(mine) == 1 and len(theirs) == 1 and mine[0]["id"] != theirs[0]["id"]
    # another user's notification is not found, and stays unread
    assert buyer_zh.post(f"/notifications/{mine[0]['id']}/read").status_code == 404
    assert office.purchasing.api.post("/notifications/999999/read").status_code == 404
    assert office.purchasing.api.get("/notifications?unread=1").get_json()["items"][0]["id"] == mine[0]["id"]
    marked = office.purchasing.api.post(f"/notifications/{mine[0]['id']}/read")
    assert marked.status_code == 200 and marked.get_json()["read"] is True
    assert office.purchasing.api.get("/notifications?unread=1").get_json()["items"] == []
    assert office.purchasing.api.get("/notifications").get_json()["items"][0]["read"] is True
    assert buyer_zh.get("/notifications?unread=1").get_json()["items"][0]["read"] is False
    assert buyer_zh.post("/notifications/read-all").get_json() == {"marked": 1}
    assert buyer_zh.get("/notifications?unread=1").get_json()["items"] == []
    assert office.purchasing.api.get("/notifications", headers={}).status_code == 200
    anonymous = ApiClient(office.purchasing.api.client, None)
    assert anonymous.get("/notifications").status_code == 401


def test_notifications_page_is_paged_newest_first(office, app):
    from engine.runtime.notifications import notify
    with get_db(app).transaction() as connection:
        user_id = identity.find_user(connection, "purchasing")["id"]
        for n in range(5):
            notify(connection, [user_id], app="inventory", message={"en": f"m{n}", "zh": f"消息{n}"})
    first = office.purchasing.api.get("/notifications?limit=2").get_json()
    assert [i["message"] for i in first["items"]] == ["m4", "m3"] and first["next"]
    second = office.purchasing.api.get(f"/notifications?limit=2&after={first['next']}").get_json()
    assert [i["message"] for i in second["items"]] == ["m2", "m1"]
    third = office.purchasing.api.get(f"/notifications?limit=2&after={second['next']}").get_json()
    assert [i["message"] for i in third["items"]] == ["m0"] and third["next"] is None
    assert office.purchasing.api.get("/notifications?limit=x").status_code == 400


def test_badge_links_to_the_notifications_screen(office, app):
    _low_stock(office)
    browser = app.test_client()
    page = browser.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    signed = browser.post("/login", data={"username": "purchasing", "password": "password-purchasing",
                                          "csrf_token": token})
    assert signed.status_code in (302, 303)
    home = browser.get("/apps/inventory/").get_data(as_text=True)
    assert 'href="/notifications/"' in home and 'data-testid="unread">1<' in home
    listing = browser.get("/notifications/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "螺栓 in 上海仓 is low" in listing and "Mark as read" in listing
    notification_id = office.purchasing.api.get("/notifications").get_json()["items"][0]["id"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', listing).group(1)
    opened = browser.post(f"/notifications/{notification_id}/read", data={"csrf_token": token, "open": "1"})
    assert opened.status_code == 302 and re.search(r"/apps/inventory/stock/\d+$", opened.headers["Location"])
    assert 'data-testid="unread">0<' in browser.get("/notifications/").get_data(as_text=True)
