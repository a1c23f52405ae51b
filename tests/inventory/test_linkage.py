"""The seed's 进销存 linkage, with numbers, through the record service."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.runtime.errors import ValidationFailed


def test_sales_confirm_reserves_ship_takes_out_cancel_gives_back(shop):
    shop.receive(shop.main, [(shop.bolt, 100)])
    order = shop.document("sales_order", shop.main, [(shop.bolt, 30)], customer=shop.customer["id"])
    assert order["total"] == 60.0                                  # price filled from unit_price
    order = shop.move("sales_order", order, "confirm")
    assert (shop.stock(shop.bolt, shop.main, "reserved"), shop.stock(shop.bolt, shop.main, "available")) == (30, 70)
    order = shop.move("sales_order", order, "ship")
    assert (shop.stock(shop.bolt, shop.main), shop.stock(shop.bolt, shop.main, "reserved")) == (70, 0)
    shop.move("sales_order", order, "cancel", comment="wrong customer")
    assert shop.stock(shop.bolt, shop.main) == 100


def test_purchase_order_incoming_then_receipts_move_it_to_received_by_itself(shop):
    po = shop.document("purchase_order", shop.main, [(shop.bolt, 50), (shop.nut, 10)],
                       supplier=shop.supplier["id"])
    po = shop.move("purchase_order", po, "order")
    assert shop.stock(shop.bolt, shop.main, "incoming") == 50
    bolt_line, nut_line = po["lines"]
    shop.create("purchase_receipt", supplier=shop.supplier["id"], warehouse=shop.main["id"],
                purchase_order=po["id"], lines=[{"product": shop.bolt["id"], "qty": 20, "po_line": bolt_line["id"]}])
    receipt = shop.all("purchase_receipt")[0]
    shop.move("purchase_receipt", receipt, "receive")
    po = shop.get("purchase_order", po)
    assert po["status"] == "partially_received" and po["lines"][0]["received_qty"] == 20
    assert (shop.stock(shop.bolt, shop.main), shop.stock(shop.bolt, shop.main, "incoming")) == (20, 30)
    rest = shop.create("purchase_receipt", supplier=shop.supplier["id"], warehouse=shop.main["id"],
                       purchase_order=po["id"], lines=[
                           {"product": shop.bolt["id"], "qty": 30, "po_line": bolt_line["id"]},
                           {"product": shop.nut["id"], "qty": 10, "po_line": nut_line["id"]}])
    shop.move("purchase_receipt", rest, "receive")
    assert shop.get("purchase_order", po)["status"] == "received"
    assert (shop.stock(shop.bolt, shop.main), shop.stock(shop.bolt, shop.main, "incoming")) == (50, 0)
    supplier = shop.get("supplier", shop.supplier)
    assert supplier["receipts_count"] == 2 and supplier["received_qty"] == 60


def test_returns_transfers_and_counts(shop):
    shop.receive(shop.main, [(shop.bolt, 100)])
    back = shop.document("sales_return", shop.main, [(shop.bolt, 5)], customer=shop.customer["id"])
    shop.move("sales_return", back, "receive")
    assert shop.stock(shop.bolt, shop.main) == 105
    out = shop.document("purchase_return", shop.main, [(shop.bolt, 15)], supplier=shop.supplier["id"])
    shop.move("purchase_return", out, "return_goods")
    assert shop.stock(shop.bolt, shop.main) == 90
    transfer = shop.create("stock_transfer", from_warehouse=shop.main["id"], to_warehouse=shop.branch["id"],
                           lines=[{"product": shop.bolt["id"], "qty": 40}])
    shop.move("stock_transfer", transfer, "complete")
    main, branch = shop.stock(shop.bolt, shop.main), shop.stock(shop.bolt, shop.branch)
    assert (main, branch) == (50, 40) and main + branch == 90          # transfers conserve stock
    count = shop.create("stock_count", warehouse=shop.branch["id"],
                        lines=[{"product": shop.bolt["id"], "counted_qty": 37}])
    assert count["lines"][0]["system_qty"] == 40 and count["lines"][0]["difference"] == -3
    shop.move("stock_count", count, "approve")
    assert shop.stock(shop.bolt, shop.branch) == 37
    assert shop.get("supplier", shop.supplier)["returned_qty"] == 15


def test_oversell_is_refused_with_the_chinese_message_and_nothing_written(shop):
    from engine.runtime.actor import Actor
    shop.receive(shop.main, [(shop.bolt, 10)])
    order = shop.document("sales_order", shop.main, [(shop.bolt, 11)], customer=shop.customer["id"])
    order = shop.move("sales_order", order, "confirm", confirm=True)     # 11 of 10: a warning, accepted
    chinese = Actor(user_id=None, username="system", is_admin=True, language="zh")
    with pytest.raises(ValidationFailed) as refused:
        shop.move("sales_order", order, "ship", actor=chinese)
    assert [d.message for d in refused.value.details] == ["库存不足：螺栓 在 上海仓 实际库存 10 个，本次出库 11 个"]
    assert "由规则“已发货的销售明细扣减库存”引起" in refused.value.message
    assert shop.get("sales_order", order)["status"] == "confirmed"
    assert shop.stock(shop.bolt, shop.main) == 10


def test_low_stock_creates_exactly_one_request_and_notifies_purchasing(shop, app):
    from sqlalchemy import select
    from engine.db import get_db
    from engine.runtime.notifications import notifications
    from tests.api.conftest import make_user
    make_user(app, "buyer", roles=[("inventory", "purchasing")])
    shop.receive(shop.main, [(shop.bolt, 30)])
    for qty in (5, 6, 1):                                  # 30 → 25 → 19 (crosses 20) → 18
        order = shop.document("sales_order", shop.main, [(shop.bolt, qty)], customer=shop.customer["id"])
        shop.move("sales_order", shop.move("sales_order", order, "confirm"), "ship")
    requests = shop.all("purchase_request")
    assert len(requests) == 1
    assert requests[0]["qty"] == 181 and requests[0]["status"] == "open"       # 19 → up to max 200
    with get_db(app).read() as connection:
        messages = connection.execute(select(notifications.c.message)).scalars().all()
    assert len(messages) == 1 and "螺栓" in messages[0]["zh"] and "low" in messages[0]["en"]


def test_warehouse_flag_allows_negative_stock(shop):
    shop.update("warehouse", shop.branch, allow_negative=True)
    order = shop.document("sales_order", shop.branch, [(shop.nut, 3)], customer=shop.customer["id"])
    shop.move("sales_order", shop.move("sales_order", order, "confirm"), "ship")
    assert shop.stock(shop.nut, shop.branch) == Decimal(-3)


def test_cancelling_a_receipt_of_a_received_order_reopens_it_and_restores_incoming(shop):
    po = shop.document("purchase_order", shop.main, [(shop.bolt, 10)], supplier=shop.supplier["id"])
    po = shop.move("purchase_order", po, "order")
    receipt = shop.create("purchase_receipt", supplier=shop.supplier["id"], warehouse=shop.main["id"],
                          purchase_order=po["id"],
                          lines=[{"product": shop.bolt["id"], "qty": 10, "po_line": po["lines"][0]["id"]}])
    receipt = shop.move("purchase_receipt", receipt, "receive")
    assert shop.get("purchase_order", po)["status"] == "received"
    shop.move("purchase_receipt", receipt, "cancel", comment="wrong delivery")
    po = shop.get("purchase_order", po)
    assert po["status"] == "partially_received" and po["lines"][0]["received_qty"] == 0
    assert (shop.stock(shop.bolt, shop.main), shop.stock(shop.bolt, shop.main, "incoming")) == (0, 10)
