"""A clerk's day in the browser: sign in, write a sales order with three lines
while the total updates live, confirm and ship it, watch stock drop and find
the movement, edit and read the diff, restore, switch language; a role never
sees a field it must not; a validation error lands on its subform cell."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from engine.runtime.records.service import get_record_service
from tests.e2e.conftest import sign_in, sign_out


def _select(page, name: str, label: str) -> None:
    page.select_option(f"select[name='{name}']", label=label)


def _create_order(live, actor="mia", lines=((0, 2), (1, 4))):
    values = {"customer": live.master["customers"][0]["id"], "warehouse": live.master["warehouses"][0]["id"],
              "lines": [{"product": live.master["products"][p]["id"], "qty": q} for p, q in lines]}
    return get_record_service(live.app).create("orders", "sales_order", values, actor=live.actors[actor])


def test_create_order_with_three_lines_and_a_live_total(page, live):
    sign_in(page, live, "mia")
    page.goto(f"{live.url}/apps/orders/sales_order/")
    page.click("[data-testid=new-record]")
    _select(page, "customer", "ACME")
    _select(page, "warehouse", "Warehouse W1")
    total = page.locator("[data-output=total]")
    _select(page, "lines-0-product", "Product 0")
    page.fill("input[name=lines-0-qty]", "2")
    expect(total).to_have_text("20.00")
    expect(page.locator("input[name=lines-0-price]")).to_have_value("10.00")      # fill_from, live
    _select(page, "lines-1-product", "Product 1")
    page.fill("input[name=lines-1-qty]", "4")
    expect(total).to_have_text("30.00")
    page.locator("tr[data-row]").nth(2).locator("[data-remove-row]").click()      # drop a spare row
    page.click("[data-add-row]")                                                  # and add one
    expect(page.locator("tr[data-row]")).to_have_count(3)
    _select(page, "lines-2-product", "Product 2")
    page.fill("input[name=lines-2-qty]", "1")
    expect(total).to_have_text("129.99")
    expect(page.locator("tr[data-row]").nth(2).locator("[data-output=amount]")).to_have_text("99.99")
    page.click("[data-testid=save]")
    expect(page.locator("[data-value=total]")).to_have_text("129.99")
    expect(page.locator("table[data-subform=lines] tbody tr")).to_have_count(3)


def test_confirm_ship_and_see_stock_drop_with_its_movement(page, live):
    order = _create_order(live)
    sign_in(page, live, "mia")
    page.goto(f"{live.url}/apps/orders/sales_order/{order['id']}")
    page.click("[data-testid=transition-confirm]")
    expect(page.locator("[data-testid=state]")).to_have_text("Confirmed")
    sign_out(page, live)
    sign_in(page, live, "wendy")
    page.goto(f"{live.url}/apps/orders/sales_order/{order['id']}")
    page.fill("#comment-ship", "truck 7")
    page.click("[data-testid=transition-ship]")
    expect(page.locator("[data-testid=state]")).to_have_text("Shipped")
    page.goto(f"{live.url}/apps/orders/stock/")
    row = page.locator("[data-testid=list-table] tbody tr", has_text="Product 0")
    expect(row).to_contain_text("98.000")
    row.locator("[data-testid=row-link]").click()
    ledger = page.locator("[data-testid=ledger]")
    expect(ledger).to_contain_text("-2.000")
    ledger.get_by_role("link", name=order["number"]).click()
    expect(page.locator("h1")).to_contain_text(order["number"])


def test_edit_shows_the_diff_and_restore_brings_it_back(page, live):
    order = _create_order(live, actor="admin")
    sign_in(page, live, "admin")
    page.goto(f"{live.url}/apps/orders/sales_order/{order['id']}")
    page.click("[data-testid=edit]")
    _select(page, "customer", "Globex")
    page.fill("input[name=lines-0-qty]", "5")
    expect(page.locator("[data-output=total]")).to_have_text("60.00")
    page.click("[data-testid=save]")
    history = page.locator("[data-testid=history]")
    expect(history.locator("li").first).to_contain_text("Globex")
    expect(history.locator("li").first).to_contain_text("5.000")
    page.locator("[data-testid^=restore-]").last.click()
    expect(page.locator("[data-value=customer]")).to_have_text("ACME")
    expect(page.locator("[data-value=total]")).to_have_text("30.00")
    expect(history.locator("li").first).to_contain_text("restore")


def test_switch_language(page, live):
    sign_in(page, live, "mia")
    page.goto(f"{live.url}/apps/orders/sales_order/")
    page.select_option("#ld-language", "zh")
    expect(page.locator("h1")).to_have_text("销售订单")
    expect(page.locator("[data-testid=new-record]")).to_have_text("新建")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_a_hidden_field_is_nowhere_on_the_page(page, live):
    sign_in(page, live, "sam")
    product = live.master["products"][0]
    for path in (f"/apps/orders/product/{product['id']}", "/apps/orders/product/",
                 "/apps/orders/sales_order/new", f"/apps/orders/product/?q=Product"):
        page.goto(live.url + path)
        html = page.content()
        assert "cost_price" not in html and "Cost price" not in html and "7.77" not in html, path
    sign_out(page, live)
    sign_in(page, live, "admin")
    page.goto(f"{live.url}/apps/orders/product/{product['id']}")
    assert "7.77" in page.content()


def test_a_validation_error_lands_on_its_subform_cell(page, live):
    sign_in(page, live, "mia")
    page.goto(f"{live.url}/apps/orders/sales_order/new")
    _select(page, "customer", "ACME")
    _select(page, "warehouse", "Warehouse W1")
    _select(page, "lines-0-product", "Product 0")
    page.fill("input[name=lines-0-qty]", "1")
    _select(page, "lines-1-product", "Product 1")
    page.click("[data-testid=save]")
    cell_error = page.locator("#f-lines-1-qty-error")
    expect(cell_error).to_be_visible()
    expect(cell_error).to_contain_text(re.compile("required"))
    expect(page.locator("input[name=lines-1-qty]")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("input[name=lines-1-qty]")).to_be_focused()
    expect(page.locator("#f-lines-0-qty-error")).to_be_hidden()
