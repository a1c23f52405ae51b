"""The record page: values, workflow buttons, history with diffs and restore,
ledger movements with links to their documents, delete and undelete."""
from __future__ import annotations

import re

from engine.runtime.records.service import get_record_service
from tests.screens.conftest import order_data, record_id_from, seed_stock


def _order(client, master, lines=((0, "2"), (1, "4"))):
    return record_id_from(client.post("/apps/orders/sales_order/new", data=order_data(master, list(lines))))


def test_edit_shows_a_history_diff_and_restore_brings_it_back(orders_app, admin_client, master, actors):
    record_id = _order(admin_client, master)
    record = get_record_service(orders_app).get("orders", "sales_order", record_id, actor=actors["admin"])
    data = {"_version": "1", "customer": master["customers"][1]["id"], "warehouse": master["warehouses"][0]["id"],
            "date": "2024-05-01", "lines-0-id": record["lines"][0]["id"],
            "lines-0-product": master["products"][0]["id"], "lines-0-qty": "3", "lines-0-price": "10"}
    assert admin_client.post(f"/apps/orders/sales_order/{record_id}", data=data).status_code == 302
    page = admin_client.get(f"/apps/orders/sales_order/{record_id}").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">Customer</th><td><del>ACME</del></td><td><ins>Globex</ins>", page)
    assert "Quantity: <del>2.000</del> → <ins>3.000</ins>" in page
    assert "− <del>Product Product 1" in page
    entry = re.findall(r'data-testid="restore-(\d+)"', page)[-1]          # the creation
    response = admin_client.post(f"/apps/orders/sales_order/{record_id}/restore", data={"to": entry})
    assert response.status_code == 302
    restored = get_record_service(orders_app).get("orders", "sales_order", record_id, actor=actors["admin"])
    assert restored["customer"] == master["customers"][0]["id"] and len(restored["lines"]) == 2
    assert "restore (history entry" in admin_client.get(f"/apps/orders/sales_order/{record_id}").get_data(as_text=True)


def test_confirm_and_ship_move_stock_with_a_ledger_link(orders_app, client_for, master, actors):
    mia, wendy = client_for("mia"), client_for("wendy")
    seed_stock(orders_app, master)
    record_id = _order(mia, master)
    page = mia.get(f"/apps/orders/sales_order/{record_id}").get_data(as_text=True)
    assert 'data-testid="transition-confirm"' in page and 'data-testid="transition-ship"' not in page
    assert mia.post(f"/apps/orders/sales_order/{record_id}/transitions/confirm",
                    data={"_version": "1"}).status_code == 302
    page = wendy.get(f"/apps/orders/sales_order/{record_id}").get_data(as_text=True)
    assert 'data-testid="transition-ship"' in page and "Confirmed" in page
    assert wendy.post(f"/apps/orders/sales_order/{record_id}/transitions/ship",
                      data={"_version": "2", "comment": "truck 7"}).status_code == 302
    page = wendy.get(f"/apps/orders/sales_order/{record_id}").get_data(as_text=True)
    assert "Shipped" in page and "truck 7" in page and 'data-testid="edit"' not in page
    stock = get_record_service(orders_app).list("orders", "stock", actor=actors["admin"]).items
    product0 = next(s for s in stock if s["product"] == master["products"][0]["id"])
    assert product0["on_hand"] == 98
    stock_page = wendy.get(f"/apps/orders/stock/{product0['id']}").get_data(as_text=True)
    assert 'data-testid="ledger"' in stock_page
    assert f'href="/apps/orders/sales_order/{record_id}"' in stock_page and "-2.000" in stock_page
    assert "Shipped sales lines decrement stock" in stock_page


def test_a_refused_transition_is_explained_on_the_page(client_for, master):
    mia = client_for("mia")
    record_id = _order(mia, master)
    response = mia.post(f"/apps/orders/sales_order/{record_id}/transitions/cancel", data={"_version": "1"})
    assert response.status_code == 422            # cancel needs a comment
    assert 'data-testid="action-error"' in response.get_data(as_text=True)


def test_delete_then_undelete_from_history(orders_app, client_for, master, actors):
    mia = client_for("mia")
    customer = get_record_service(orders_app).create("orders", "customer", {"name": "Temp"}, actor=actors["mia"])
    response = mia.post(f"/apps/orders/customer/{customer['id']}/delete", data={"_version": "1"})
    assert response.status_code == 302
    page = mia.get(f"/apps/orders/customer/{customer['id']}")
    assert page.status_code == 404 and "This record was deleted" in page.get_data(as_text=True)
    entry = re.findall(r'data-testid="restore-(\d+)"', page.get_data(as_text=True))[0]
    assert mia.post(f"/apps/orders/customer/{customer['id']}/restore", data={"to": entry}).status_code == 302
    assert mia.get(f"/apps/orders/customer/{customer['id']}").status_code == 200


def test_delete_of_a_referenced_record_is_refused_on_the_page(client_for, master):
    mia = client_for("mia")
    _order(mia, master)
    response = mia.post(f"/apps/orders/customer/{master['customers'][0]['id']}/delete", data={"_version": "1"})
    assert response.status_code == 409
    assert "other records refer to it" in response.get_data(as_text=True)


def test_detail_page_prints_as_a_document(admin_client, master):
    record_id = _order(admin_client, master)
    page = admin_client.get(f"/apps/orders/sales_order/{record_id}").get_data(as_text=True)
    assert 'class="ld-document"' in page and "data-print" in page
    css = admin_client.get("/static/liandong.css").get_data(as_text=True)
    assert "@media print" in css
