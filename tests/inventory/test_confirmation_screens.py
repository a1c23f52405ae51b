"""The screens ask before a warning check lets a write through, and say which
product, warehouse and rule an error check is about (issue 16, items 8 and 9).
Server side, with the test client; the dialog in a browser is in
tests/e2e/test_confirm_dialog.py."""
from __future__ import annotations

import html
import re

import pytest

from engine.db import get_db
from engine.runtime import identity
from tests.screens.conftest import PASSWORD, sign_in

ORDERS = "/apps/inventory/sales_order"


@pytest.fixture
def desk(app, shop, monkeypatch):
    """A sales clerk and a warehouse keeper signed in; 69 bolts in 上海仓."""
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    with get_db(app).transaction() as connection:
        for name, role in (("sally", "sales"), ("walt", "warehouse")):
            identity.create_user(connection, name, PASSWORD, roles=[("inventory", role)])
        shop.sally = identity.actor_for_user(connection, identity.find_user(connection, "sally"))
    shop.receive(shop.main, [(shop.bolt, 69)])
    clients = {name: sign_in(app.test_client(), app, name) for name in ("sally", "walt")}
    app.config["WTF_CSRF_ENABLED"] = False
    shop.clients = clients
    return shop


def _order(shop, qty, confirm=False):
    order = shop.document("sales_order", shop.main, [(shop.bolt, qty)], customer=shop.customer["id"],
                          actor=shop.sally)
    return shop.move("sales_order", order, "confirm", actor=shop.sally, confirm=True) if confirm else order


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_a_transition_with_a_warning_shows_the_dialog_and_confirming_goes_ahead(desk):
    order = _order(desk, 500)
    url = f"{ORDERS}/{order['id']}/transitions/confirm"
    asked = desk.clients["sally"].post(url, data={"_version": order["version"]})
    assert asked.status_code == 422
    page = _text(asked)
    assert 'data-confirm-dialog' in page and 'data-testid="action-error"' not in page
    assert ("Not enough available stock: 螺栓 in 上海仓 has 69 available, 500 asked for; available stock "
            "would be -431 (Stock; caused by the rule “Confirmed sales lines reserve stock”)") in page
    dialog = page[page.index("data-confirm-dialog"):]
    replay = re.search(r'<form method="post" action="([^"]+)" class="d-inline">(.*?)</form>', dialog).groups()
    assert replay[0] == url and 'name="_confirm" value="1"' in replay[1]
    assert f'name="_version" value="{order["version"]}"' in replay[1]
    assert desk.get("sales_order", order)["status"] == "draft"            # nothing written
    assert desk.stock(desk.bolt, desk.main, "reserved") == 0

    done = desk.clients["sally"].post(url, data={"_version": order["version"], "_confirm": "1"})
    assert done.status_code == 302
    assert desk.get("sales_order", order)["status"] == "confirmed"
    assert desk.stock(desk.bolt, desk.main, "available") == -431


def test_a_form_save_with_a_warning_keeps_the_input_and_confirms_with_the_same_form(desk):
    order = _order(desk, 10, confirm=True)
    line = order["lines"][0]
    data = {"customer": desk.customer["id"], "warehouse": desk.main["id"], "date": order["date"],
            "note": "", "_version": order["version"], "lines-0-id": line["id"],
            "lines-0-product": desk.bolt["id"], "lines-0-qty": "500", "lines-0-price": "2"}
    asked = desk.clients["sally"].post(f"{ORDERS}/{order['id']}", data=data)
    assert asked.status_code == 422
    page = _text(asked)
    assert "has 59 available, 490 asked for" in page                        # 69 − 10 free, 500 − 10 more
    assert re.search(r'<button type="submit" class="btn btn-warning" form="ld-record-form" '
                     r'name="_confirm" value="1"', page)
    assert re.search(r'name="lines-0-qty" value="500(\.0*)?"', page)       # the typed value is kept
    assert desk.get("sales_order", order)["lines"][0]["qty"] == 10

    done = desk.clients["sally"].post(f"{ORDERS}/{order['id']}", data={**data, "_confirm": "1"})
    assert done.status_code == 302
    assert desk.get("sales_order", order)["lines"][0]["qty"] == 500
    assert desk.stock(desk.bolt, desk.main, "reserved") == 500


def test_shipping_beyond_stock_names_product_warehouse_quantities_and_the_shipping_rule(desk):
    order = _order(desk, 500, confirm=True)
    walt = desk.clients["walt"]
    walt.post("/language", data={"language": "zh", "next": "/"})
    refused = walt.post(f"{ORDERS}/{order['id']}/transitions/ship", data={"_version": order["version"] + 1})
    assert refused.status_code == 422
    alert = re.search(r'data-testid="action-error">(.*?)</div>', _text(refused)).group(1)
    assert alert.strip() == ("库存不足：螺栓 在 上海仓 实际库存 69 个，本次出库 500 个"
                             "（库存；由规则“已发货的销售明细扣减库存”引起）")
    assert desk.get("sales_order", order)["status"] == "confirmed"
