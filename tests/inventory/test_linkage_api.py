"""The seed's 进销存 linkage, with numbers, through the REST API: each person at
their own desk, every stock figure read back from the `stock` form."""
from __future__ import annotations

from tests.inventory.conftest import Desk


def test_sales_confirm_reserves_ship_takes_out_and_cancel_gives_everything_back(office):
    office.receive(office.main, (office.bolt, 100))
    order = office.sales_order((office.bolt, 30))
    assert order["total"] == 60.0 and order["lines"][0]["price"] == 2.0    # 2 元 from the product
    office.sales.move("sales_order", order, "confirm")
    assert office.levels(office.bolt, office.main) == (100, 30, 70, 0)       # reserved, not yet out
    office.warehouse.move("sales_order", order, "ship")
    assert office.levels(office.bolt, office.main) == (70, 0, 70, 0)        # out, reservation released
    office.manager.move("sales_order", order, "cancel", comment="客户退单")
    assert office.levels(office.bolt, office.main) == (100, 0, 100, 0)
    stock = office.admin.find("stock", f"product == {office.bolt['id']}")[0]
    ledger = office.admin.read("stock", stock, "/ledger").get_json()["items"]
    mine = [(m["field"], m["delta"]) for m in ledger if m["source"]["form"] == "sales_order"]
    assert sorted(mine) == sorted([("reserved", 30.0), ("reserved", -30.0), ("on_hand", -30.0), ("on_hand", 30.0)])


def test_ordered_purchase_is_incoming_and_receipts_move_the_order_to_received_by_themselves(office):
    po = office.purchasing.new("purchase_order", supplier=office.supplier["id"], warehouse=office.main["id"],
                               lines=office.lines((office.bolt, 50), (office.nut, 10)))
    assert po["lines"][0]["price"] == 1.0 and po["total"] == 55.0            # cost prices filled in
    po = office.purchasing.move("purchase_order", po, "order")
    assert office.levels(office.bolt, office.main) == (0, 0, 0, 50)          # 50 on the way
    bolt_line, nut_line = (line["id"] for line in po["lines"])
    first = office.warehouse.new("purchase_receipt", supplier=office.supplier["id"], warehouse=office.main["id"],
                                 purchase_order=po["id"], lines=[{"product": office.bolt["id"], "qty": 20,
                                                                  "po_line": bolt_line}])
    office.warehouse.move("purchase_receipt", first, "receive")
    po = office.purchasing.read("purchase_order", po).get_json()
    assert po["status"] == "partially_received" and po["lines"][0]["received_qty"] == 20
    assert office.levels(office.bolt, office.main) == (20, 0, 20, 30)
    rest = office.warehouse.new("purchase_receipt", supplier=office.supplier["id"], warehouse=office.main["id"],
                                purchase_order=po["id"], lines=[
                                    {"product": office.bolt["id"], "qty": 30, "po_line": bolt_line},
                                    {"product": office.nut["id"], "qty": 10, "po_line": nut_line}])
    office.warehouse.move("purchase_receipt", rest, "receive")
    assert office.purchasing.read("purchase_order", po).get_json()["status"] == "received"
    assert office.levels(office.bolt, office.main) == (50, 0, 50, 0)
    assert office.stock(office.nut, office.main) == 10


def test_returns_add_and_remove_stock(office):
    office.receive(office.main, (office.bolt, 100))
    back = office.sales.new("sales_return", customer=office.customer["id"], warehouse=office.main["id"],
                            lines=office.lines((office.bolt, 5)))
    office.warehouse.move("sales_return", back, "receive")                  # 客户退货入库
    assert office.stock(office.bolt, office.main) == 105
    out = office.purchasing.new("purchase_return", supplier=office.supplier["id"], warehouse=office.main["id"],
                                lines=office.lines((office.bolt, 15)))
    office.purchasing.move("purchase_return", out, "return_goods")          # 退给供应商
    assert office.stock(office.bolt, office.main) == 90
    assert office.purchasing.read("supplier", office.supplier).get_json()["returned_qty"] == 15


def test_edit_delete_and_restore_keep_the_reservation_right(office):
    office.receive(office.main, (office.bolt, 100))
    order = office.sales.move("sales_order", office.sales_order((office.bolt, 30)), "confirm")
    line = order["lines"][0]
    edited = office.sales.change("sales_order", order, lines=[{"id": line["id"], "qty": 25}])
    assert edited.status_code == 200 and edited.get_json()["total"] == 50.0
    assert office.levels(office.bolt, office.main) == (100, 25, 75, 0)       # edit: 30 → 25 reserved
    history = office.admin.read("sales_order", order, "/history").get_json()["items"]
    confirmed = next(entry for entry in history if entry["action"] == "transition")
    restored = office.admin.api.post(Desk.url("sales_order", order, "/restore"), json={"to": confirmed["id"]})
    assert restored.status_code == 200 and restored.get_json()["lines"][0]["qty"] == 30
    assert office.levels(office.bolt, office.main) == (100, 30, 70, 0)       # restore: 30 again
    assert office.admin.remove("sales_order", order).status_code == 204
    assert office.levels(office.bolt, office.main) == (100, 0, 100, 0)       # delete: all given back
    deletion = office.admin.read("sales_order", order, "/history").get_json()["items"][0]
    assert office.admin.api.post(Desk.url("sales_order", order, "/restore"),
                                 json={"to": deletion["id"]}).status_code == 200
    assert office.levels(office.bolt, office.main) == (100, 30, 70, 0)       # undelete: reserved again


def test_cancelling_a_receipt_takes_the_goods_back_out_and_reopens_the_po_line(office):
    po = office.purchasing.move("purchase_order", office.purchasing.new(
        "purchase_order", supplier=office.supplier["id"], warehouse=office.main["id"],
        lines=office.lines((office.bolt, 50))), "order")
    receipt = office.warehouse.new("purchase_receipt", supplier=office.supplier["id"], warehouse=office.main["id"],
                                   purchase_order=po["id"], lines=[{"product": office.bolt["id"], "qty": 20,
                                                                    "po_line": po["lines"][0]["id"]}])
    office.warehouse.move("purchase_receipt", receipt, "receive")
    assert office.levels(office.bolt, office.main) == (20, 0, 20, 30)
    office.manager.move("purchase_receipt", receipt, "cancel", comment="送错货")
    assert office.levels(office.bolt, office.main) == (0, 0, 0, 50)
    assert office.purchasing.read("purchase_order", po).get_json()["lines"][0]["received_qty"] == 0


def test_a_transfer_conserves_total_stock_and_an_approved_count_adjusts_it(office):
    office.receive(office.main, (office.bolt, 100))

    def transfer_40():
        transfer = office.warehouse.new("stock_transfer", from_warehouse=office.main["id"],
                                        to_warehouse=office.branch["id"], lines=office.lines((office.bolt, 40)))
        return office.warehouse.move("stock_transfer", transfer, "complete")

    def both():
        return office.stock(office.bolt, office.main), office.stock(office.bolt, office.branch)

    first = transfer_40()
    assert both() == (60, 40) and sum(both()) == 100                       # moved, not made
    office.manager.move("stock_transfer", first, "cancel", comment="调错仓")
    assert both() == (100, 0)
    second = transfer_40()
    count = office.warehouse.new("stock_count", warehouse=office.branch["id"],
                                 lines=[{"product": office.bolt["id"], "counted_qty": 37}])
    assert (count["lines"][0]["system_qty"], count["lines"][0]["difference"]) == (40, -3)
    assert office.warehouse.take("stock_count", count, "approve").status_code == 403   # the manager approves
    assert both() == (60, 40)
    office.manager.move("stock_count", count, "approve")
    assert both() == (60, 37)                                               # 盘亏 3
    refused = office.manager.take("stock_transfer", second, "cancel", comment="调错仓")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert [d["message"] for d in error["details"]] == ["库存不足：螺栓 在 北京仓 实际库存 37 个，本次出库 40 个"]
    # Cancelling moves both warehouses; the rule named is the one that took from 北京仓.
    assert error["message"].endswith("（库存；由规则“调拨增加调入仓库库存”引起）")
    assert both() == (60, 37)                     # 北京仓 cannot give back 40 of its 37


def test_low_stock_opens_exactly_one_purchase_request_for_purchasing(office):
    office.receive(office.main, (office.bolt, 30))
    for qty in (5, 6, 1):                              # 30 → 25 → 19 (below 20) → 18
        order = office.sales.move("sales_order", office.sales_order((office.bolt, qty)), "confirm")
        office.warehouse.move("sales_order", order, "ship")
    requests = office.purchasing.find("purchase_request")
    assert len(requests) == 1
    assert (requests[0]["qty"], requests[0]["status"], requests[0]["product"]) == (181, "open", office.bolt["id"])
    assert office.sales.listing("purchase_request").status_code == 403


def test_overselling_is_refused_with_库存不足_and_nothing_is_written(office):
    office.receive(office.main, (office.bolt, 10))
    order = office.sales.move("sales_order", office.sales_order((office.bolt, 11)), "confirm", confirm=True)
    stock = office.admin.find("stock", f"product == {office.bolt['id']}")[0]
    before = _snapshot(office, order, stock)
    refused = office.warehouse.take("sales_order", order, "ship")           # only 10 on hand
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["message"] == ("库存不足：螺栓 在 上海仓 实际库存 10 个，本次出库 11 个"
                                "（库存；由规则“已发货的销售明细扣减库存”引起）")
    assert error["details"][0]["rules"] == ["已发货的销售明细扣减库存"]
    assert _snapshot(office, order, stock) == before      # same order, ledger, history, stock


def _snapshot(office, order, stock):
    admin = office.admin
    return (admin.read("sales_order", order).get_json(), admin.read("sales_order", order, "/history").get_json(),
            admin.read("stock", stock).get_json(), admin.read("stock", stock, "/ledger").get_json())
