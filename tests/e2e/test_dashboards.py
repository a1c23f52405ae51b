"""A manager's dashboard in the browser: tiles and SVG charts render without
any script from the network, a bar is a link to the list of its orders, and
the charts stay on the page when printed."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.runtime.actor import SYSTEM
from engine.runtime.records.service import get_record_service
from engine.storage.install import install_app
from tests.e2e.conftest import PASSWORD, sign_in


def _shipped_order(service, warehouse, product, qty, price):
    order = service.create("inventory", "sales_order", {
        "customer": service.create("inventory", "customer", {"name": f"C{qty}"}, actor=SYSTEM)["id"],
        "warehouse": warehouse["id"], "date": date.today().isoformat(),
        "lines": [{"product": product["id"], "qty": qty, "price": price}]}, actor=SYSTEM)
    for step in ("confirm", "ship"):
        order = service.transition("inventory", "sales_order", order["id"], step, {}, actor=SYSTEM)
    return order


def _inventory_with_sales(live):
    install_app(get_db(live.app), bundled_app_path("inventory"))
    with get_db(live.app).transaction() as connection:
        identity.create_user(connection, "boss", PASSWORD, roles=[("inventory", "manager")])
    service = get_record_service(live.app)
    create = lambda form, **values: service.create("inventory", form, values, actor=SYSTEM)  # noqa: E731
    supplier = create("supplier", name="S")
    main, branch = create("warehouse", code="SH", name="Shanghai"), create("warehouse", code="BJ", name="Beijing")
    drill = create("product", sku="D-1", name="Drill", unit_price=100, cost_price=60)
    for warehouse in (main, branch):
        receipt = create("purchase_receipt", supplier=supplier["id"], warehouse=warehouse["id"],
                         lines=[{"product": drill["id"], "qty": 10}])
        service.transition("inventory", "purchase_receipt", receipt["id"], "receive", {}, actor=SYSTEM)
    return _shipped_order(service, main, drill, 2, 100), _shipped_order(service, branch, drill, 1, 90)


def test_dashboard_charts_render_offline_and_drill_to_the_list(page, live):
    in_main, in_branch = _inventory_with_sales(live)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, live, "boss")
    page.goto(f"{live.url}/apps/inventory/dashboards/manager")
    expect(page.locator("h1")).to_have_text("Manager dashboard")
    expect(page.locator("[data-testid=kpi]").first).to_contain_text("290.00")     # revenue this month
    charts = page.locator("svg.ld-chart[role=img]")
    expect(charts).to_have_count(4)
    box = charts.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150                    # drawn, scaled to the card
    assert all(url.startswith(live.url) for url in requests)                      # nothing from a CDN
    stacked = page.locator("section[data-testid=chart]", has_text="Sales by warehouse")
    bars = stacked.locator("a.ld-chart-link")
    expect(bars).to_have_count(2)
    bars.nth(0).click()
    page.wait_for_url(lambda url: "/apps/inventory/sales_order/?filter=" in url)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(str(in_main["number"]))
    page.go_back()
    page.emulate_media(media="print")
    expect(page.locator("svg.ld-chart").first).to_be_visible()
    assert in_branch["status"] == "shipped"
