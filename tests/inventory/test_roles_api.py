"""The seed's 权限管理: each role's allowed and forbidden actions, through the REST
API (DESIGN §4 "Permission semantics": 403 for a forbidden write, naming the
field; 404 for a record outside the caller's rows; hidden fields absent)."""
from __future__ import annotations

STOCK_AND_PURCHASING = ("stock", "purchase_order", "purchase_receipt", "purchase_return",
                        "purchase_request", "supplier", "supplier_evaluation", "stock_transfer",
                        "stock_count")


def _error(response):
    return response.get_json()["error"]


def test_sales_sells_to_customers_and_sees_products_without_their_cost(office):
    sales = office.sales
    customer = sales.new("customer", name="华南建材", phone="020-5555-0001")
    order = sales.new("sales_order", customer=customer["id"], warehouse=office.main["id"],
                      lines=office.lines((office.bolt, 3)))
    assert sales.take("sales_order", order, "confirm", confirm=True).status_code == 200   # no stock: accepted
    assert sales.new("sales_return", customer=customer["id"], warehouse=office.main["id"],
                     sales_order=order["id"], lines=office.lines((office.bolt, 1)))["status"] == "draft"
    product = sales.read("product", office.bolt).get_json()
    assert product["unit_price"] == 2.0 and "cost_price" not in product and "supplier" not in product
    assert all("cost_price" not in row for row in sales.find("product"))
    assert sales.add("product", sku="X-1", name="私加商品").status_code == 403          # read-only
    assert sales.change("product", office.bolt, unit_price=1).status_code == 403


def test_sales_has_no_stock_purchasing_or_supplier_forms(office):
    for form in STOCK_AND_PURCHASING:
        assert office.sales.listing(form).status_code == 403, form
    assert office.sales.read("supplier", office.supplier).status_code == 403
    assert office.sales.add("purchase_order", supplier=office.supplier["id"],
                            warehouse=office.main["id"]).status_code == 403


def test_sales_sees_only_the_orders_they_created(office):
    mine = office.sales_order((office.bolt, 1))
    theirs = office.sales_order((office.nut, 2), desk=office.sales2)
    assert [o["id"] for o in office.sales.find("sales_order")] == [mine["id"]]
    assert office.sales.read("sales_order", theirs).status_code == 404
    assert office.sales.change("sales_order", theirs, note="x").status_code == 404
    assert office.sales.take("sales_order", theirs, "confirm").status_code == 404
    assert len(office.manager.find("sales_order")) == 2                     # the manager reads all
    assert len(office.warehouse.find("sales_order")) == 2


def test_sales_cannot_ship_cancel_or_write_engine_fields(office):
    office.receive(office.main, (office.bolt, 10))
    order = office.sales.move("sales_order", office.sales_order((office.bolt, 3)), "confirm")
    assert office.sales.take("sales_order", order, "ship").status_code == 403
    assert office.sales.take("sales_order", order, "cancel", comment="不要了").status_code == 403
    for field, value in (("status", "shipped"), ("total", 1)):
        refused = office.sales.change("sales_order", order, **{field: value})
        assert refused.status_code == 403 and field in _error(refused)["message"]
    assert office.stock(office.bolt, office.main) == 10


def test_purchasing_buys_and_sees_cost_prices(office):
    purchasing = office.purchasing
    assert purchasing.read("product", office.bolt).get_json()["cost_price"] == 1.0
    assert purchasing.change("product", office.bolt, cost_price=1.2).get_json()["cost_price"] == 1.2
    supplier = purchasing.new("supplier", name="江南紧固件", lead_time_days=3)
    po = purchasing.move("purchase_order", purchasing.new(
        "purchase_order", supplier=supplier["id"], warehouse=office.main["id"],
        lines=office.lines((office.bolt, 10))), "order")
    assert po["status"] == "ordered" and po["total"] == 12.0
    evaluation = purchasing.new("supplier_evaluation", supplier=supplier["id"], period="2026Q1",
                                reputation=4, delivery=5, price=3, quality=4, service=4)
    assert evaluation["weighted_score"] == 4.05
    assert purchasing.listing("purchase_request").status_code == 200


def test_purchasing_reads_stock_but_does_not_sell_or_book_goods_in(office):
    purchasing = office.purchasing
    for form in ("customer", "sales_return", "stock_transfer", "stock_count"):
        assert purchasing.listing(form).status_code == 403, form
    # reads sales orders (the sales forecast plans purchases from them) but does not sell
    assert purchasing.listing("sales_order").status_code == 200
    assert purchasing.add("sales_order", customer=office.customer["id"], warehouse=office.main["id"],
                          lines=office.lines((office.bolt, 1))).status_code == 403
    assert purchasing.add("purchase_receipt", supplier=office.supplier["id"], warehouse=office.main["id"],
                          lines=office.lines((office.bolt, 5))).status_code == 403
    receipt = office.warehouse.new("purchase_receipt", supplier=office.supplier["id"],
                                   warehouse=office.main["id"], lines=office.lines((office.bolt, 5)))
    assert purchasing.take("purchase_receipt", receipt, "receive").status_code == 403
    office.warehouse.move("purchase_receipt", receipt, "receive")
    assert [row["on_hand"] for row in purchasing.find("stock")] == [5]    # to know what to buy
    assert purchasing.change("stock", purchasing.find("stock")[0], on_hand=50).status_code == 403


def test_warehouse_reads_stock_books_goods_and_ships_orders_it_cannot_edit(office):
    warehouse = office.warehouse
    office.receive(office.main, (office.bolt, 50))
    assert [row["on_hand"] for row in warehouse.find("stock")] == [50]
    order = office.sales.move("sales_order", office.sales_order((office.bolt, 5)), "confirm")
    assert warehouse.take("sales_order", order, "confirm").status_code == 403
    refused = warehouse.change("sales_order", order, note="改一下")
    assert refused.status_code == 403
    assert warehouse.move("sales_order", order, "ship")["status"] == "shipped"
    assert office.stock(office.bolt, office.main) == 45
    assert "cost_price" not in warehouse.read("product", office.bolt).get_json()
    supplier = warehouse.read("supplier", office.supplier).get_json()
    assert supplier["name"] == "华东五金" and "receipts_count" not in supplier
    assert warehouse.add("purchase_order", supplier=office.supplier["id"],
                         warehouse=office.main["id"]).status_code == 403
    assert warehouse.listing("customer").status_code == 200
    assert warehouse.listing("purchase_request").status_code == 403


def test_manager_reads_everything_approves_counts_and_cancels_documents(office):
    manager = office.manager
    office.receive(office.main, (office.bolt, 20))
    for form in ("category", "warehouse", "supplier", "customer", "product", *STOCK_AND_PURCHASING,
                 "sales_order", "sales_return"):
        assert manager.listing(form).status_code == 200, form
    assert "cost_price" in manager.read("product", office.bolt).get_json()
    count = office.warehouse.new("stock_count", warehouse=office.main["id"],
                                 lines=[{"product": office.bolt["id"], "counted_qty": 22}])
    assert manager.move("stock_count", count, "approve")["status"] == "approved"
    assert office.stock(office.bolt, office.main) == 22                     # 盘盈 2
    po = office.purchasing.move("purchase_order", office.purchasing.new(
        "purchase_order", supplier=office.supplier["id"], warehouse=office.main["id"],
        lines=office.lines((office.bolt, 100))), "order")
    assert office.stock(office.bolt, office.main, "incoming") == 100
    assert manager.take("purchase_order", po, "cancel").status_code == 422      # a reason is required
    assert manager.move("purchase_order", po, "cancel", comment="供应商停产")["status"] == "cancelled"
    assert office.stock(office.bolt, office.main, "incoming") == 0
    assert manager.add("sales_order", customer=office.customer["id"],
                       warehouse=office.main["id"]).status_code == 403       # reads, does not sell
    assert manager.change("product", office.bolt, unit_price=3).status_code == 403


def test_nobody_but_the_rules_changes_stock_figures(office):
    office.receive(office.main, (office.bolt, 5))
    row = office.admin.find("stock")[0]
    for role in ("manager", "sales", "purchasing", "warehouse"):
        assert getattr(office, role).change("stock", row, on_hand=500).status_code == 403, role
    refused = office.admin.change("stock", row, on_hand=500)                 # not even the admin:
    assert refused.status_code == 403 and "on_hand" in _error(refused)["message"]   # the rules own it
    assert office.stock(office.bolt, office.main) == 5


def test_a_link_to_a_record_the_caller_cannot_read_is_refused_like_a_missing_one(office):
    """Sales may not read another seller's orders, so it may not link a return to one."""
    mine = office.sales_order((office.bolt, 1))
    other = office.sales_order((office.bolt, 1), desk=office.sales2)
    body = {"customer": office.customer["id"], "warehouse": office.main["id"],
            "lines": office.lines((office.bolt, 1))}
    refused = office.sales.add("sales_return", sales_order=other["id"], **body)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == [
        {"field": "sales_order", "message": f"no sales_order record with id {other['id']}"}]
    assert office.sales.add("sales_return", sales_order=mine["id"], **body).status_code == 201
