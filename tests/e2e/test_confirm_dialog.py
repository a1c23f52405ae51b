"""Warnings that ask first, in the browser (issue 16, item 9): confirming a
sales order of 500 bolts with 69 available opens a dialog listing the warning;
Cancel closes it and changes nothing, Confirm goes ahead. The same dialog asks
on the record form, which keeps what was typed. Inventory app, live server."""
from __future__ import annotations

import threading

import jinja2
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from engine.runtime.actor import SYSTEM
from tests.e2e.conftest import PASSWORD, LiveApp, sign_in


def _seed(app) -> tuple[dict, dict]:
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.runtime import identity
    from engine.runtime.records.service import get_record_service
    from engine.storage.install import install_app
    install_app(get_db(app), bundled_app_path("inventory"))
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "sally", PASSWORD, roles=[("inventory", "sales")])
        sally = identity.actor_for_user(connection, identity.find_user(connection, "sally"))
    service = get_record_service(app)

    def create(form, actor=SYSTEM, **values):
        return service.create("inventory", form, values, actor=actor)
    supplier = create("supplier", name="华东五金")
    customer = create("customer", name="ACME")
    warehouse = create("warehouse", code="SH", name="上海仓")
    bolt = create("product", sku="B-1", name="螺栓", unit_price=2, min_stock=20, max_stock=200)
    receipt = create("purchase_receipt", supplier=supplier["id"], warehouse=warehouse["id"],
                     lines=[{"product": bolt["id"], "qty": 69}])
    service.transition("inventory", "purchase_receipt", receipt["id"], "receive", actor=SYSTEM)

    def order(qty):
        return create("sales_order", actor=sally, customer=customer["id"], warehouse=warehouse["id"],
                      lines=[{"product": bolt["id"], "qty": qty}])
    return {"order": order, "bolt": bolt, "warehouse": warehouse, "service": service}, {"sally": sally}


@pytest.fixture
def shop(tmp_path, monkeypatch):
    from engine import create_app
    from engine.runtime import identity
    monkeypatch.setenv("LIANDONG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
                      "SECRET_KEY": "e2e-secret"})
    app.jinja_env.undefined = jinja2.StrictUndefined
    master, actors = _seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveApp(f"http://127.0.0.1:{server.server_port}", app, master, actors)
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["liandong.db"].dispose()


def _status(shop, order) -> str:
    return shop.master["service"].get("inventory", "sales_order", order["id"], actor=SYSTEM)["status"]


def _reserved(shop) -> float:
    items = shop.master["service"].list("inventory", "stock", actor=SYSTEM).items
    return items[0]["reserved"]


def test_confirming_beyond_stock_asks_cancel_changes_nothing_confirm_proceeds(page, shop):
    order = shop.master["order"](500)
    sign_in(page, shop, "sally")
    page.goto(f"{shop.url}/apps/inventory/sales_order/{order['id']}")
    page.click("[data-testid=transition-confirm]")
    dialog = page.locator("[data-confirm-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-testid=confirm-warnings] li")).to_have_text(
        "Not enough available stock: 螺栓 in 上海仓 has 69 available, 500 asked for; available stock would be "
        "-431 (Stock; caused by the rule “Confirmed sales lines reserve stock”)")
    expect(page.locator(".modal-backdrop")).to_have_count(1)            # a real modal, opened by the script
    dialog.locator("[data-testid=confirm-cancel]").click()
    expect(dialog).to_be_hidden()
    assert _status(shop, order) == "draft" and _reserved(shop) == 0
    expect(page.locator("[data-testid=state]")).to_have_text("Draft")

    page.click("[data-testid=transition-confirm]")
    expect(dialog).to_be_visible()
    dialog.locator("[data-testid=confirm-go]").click()
    expect(page.locator("[data-testid=state]")).to_have_text("Confirmed")
    assert _status(shop, order) == "confirmed" and _reserved(shop) == 500


def test_the_record_form_asks_and_keeps_what_was_typed(page, shop):
    order = shop.master["order"](10)
    sign_in(page, shop, "sally")
    page.goto(f"{shop.url}/apps/inventory/sales_order/{order['id']}")
    page.click("[data-testid=transition-confirm]")                         # 10 of 69: no question
    expect(page.locator("[data-testid=state]")).to_have_text("Confirmed")
    page.click("[data-testid=edit]")
    page.fill("input[name=lines-0-qty]", "500")
    page.click("[data-testid=save]")
    dialog = page.locator("[data-confirm-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("has 59 available, 490 asked for")
    dialog.locator("[data-testid=confirm-cancel]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("input[name=lines-0-qty]")).to_have_value("500.000")
    assert _reserved(shop) == 10
    page.click("[data-testid=save]")                                        # asks again
    page.locator("[data-confirm-dialog] [data-testid=confirm-go]").click()
    expect(page.locator("[data-testid=edit]")).to_be_visible()             # saved: the record page
    assert _reserved(shop) == 500
