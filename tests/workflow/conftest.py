"""The workflow test app (wf_app.json) with one user per role."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.db import get_db
from engine.storage.install import install_app
from tests.api.conftest import ApiClient, make_user

WF_APP = Path(__file__).with_name("wf_app.json")


class Desk:
    """API clients per role, and helpers to create documents."""

    def __init__(self, app, client):
        self.app, self.client = app, client
        self.admin = self.user("boss", admin=True)

    def user(self, name, *roles, admin=False):
        token = make_user(self.app, name, admin=admin, roles=[("wf", r) for r in roles])
        return ApiClient(self.client, token)

    def url(self, form, record_id=None, suffix=""):
        base = f"/apps/wf/forms/{form}/records"
        return base + (f"/{record_id}" if record_id else "") + suffix

    def stock(self, product_id):
        items = self.admin.get(self.url("stock"), query_string={"filter": f"product == {product_id}"}).get_json()["items"]
        return items[0]["on_hand"] if items else 0.0


@pytest.fixture
def desk(app, client):
    install_app(get_db(app), WF_APP)
    desk = Desk(app, client)
    desk.product = desk.admin.post(desk.url("product"), json={"name": "Widget", "price": 100}).get_json()
    desk.warehouse = desk.admin.post(desk.url("warehouse"), json={"code": "W1"}).get_json()
    receipt = desk.admin.post(desk.url("receipt"), json={
        "warehouse": desk.warehouse["id"], "lines": [{"product": desk.product["id"], "qty": 10}]}).get_json()
    posted = desk.admin.post(desk.url("receipt", receipt["id"], "/transitions/post"), json={})
    assert posted.status_code == 200, posted.get_json()
    return desk


def order_body(desk, qty=2, price=None):
    line = {"product": desk.product["id"], "qty": qty}
    if price is not None:
        line["price"] = price
    return {"warehouse": desk.warehouse["id"], "lines": [line]}
