"""The screens under the Content-Security-Policy (DESIGN §7.1), in Chromium:
walking the orders example (list, a new order with live totals, the record
page, the designer with its preview frame, the import screen) and a dashboard
with SVG charts, nothing is refused and the scripts still do their work.

The `page` fixture (tests/e2e/conftest.py) fails any browser test whose page
logged a CSP refusal or threw; this walk asserts it directly as well, and
checks the one page that may be framed is shown inside the designer."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_dashboards import _inventory_with_sales


def _no_refusals(messages):
    refused = [m for m in messages if "Refused" in m or "Content Security Policy" in m or "pageerror" in m]
    assert not refused, refused


def test_the_orders_example_works_under_the_csp(page, live, tmp_path):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    first = page.goto(f"{live.url}/login")
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]
    sign_in(page, live, "admin")

    page.goto(f"{live.url}/apps/orders/sales_order/")
    page.click("[data-testid=new-record]")
    page.select_option("select[name='customer']", label="ACME")
    page.select_option("select[name='warehouse']", label="Warehouse W1")
    page.select_option("select[name='lines-0-product']", label="Product 0")
    page.fill("input[name=lines-0-qty]", "3")
    expect(page.locator("[data-output=total]")).to_have_text("30.00")              # the page script ran
    page.click("[data-testid=save]")
    expect(page.locator("[data-value=total]")).to_have_text("30.00")              # the record page
    assert page.locator("header.navbar").evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

    page.goto(f"{live.url}/designer/apps/orders/forms/3")
    page.wait_for_selector("body[data-designer-ready]")
    preview = page.frame_locator("[data-testid=preview]")
    expect(preview.locator("[data-testid=preview-body]")).to_be_visible()         # framed by its own site
    preview.locator("select[name='lines-0-product']").wait_for()

    live.app.config["IMPORT_WAIT_SECONDS"] = 0
    upload = tmp_path / "customers.csv"
    upload.write_text("name\n" + "\n".join(f"Customer {i}" for i in range(300)) + "\n", encoding="utf-8")
    page.goto(f"{live.url}/apps/orders/customer/import")
    page.set_input_files("#ld-import-file", str(upload))
    page.click("[data-testid=import-preview]")
    expect(page.locator("[data-testid=import-summary]")).to_contain_text("300", timeout=60_000)
    _no_refusals(messages)


def test_a_dashboard_with_svg_charts_under_the_csp(page, live):
    _inventory_with_sales(live)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    sign_in(page, live, "boss")
    response = page.goto(f"{live.url}/apps/inventory/dashboards/manager")
    assert response.headers["x-frame-options"] == "DENY"
    charts = page.locator("svg.ld-chart[role=img]")
    expect(charts).to_have_count(4)
    # The chart's print colours and width now come from liandong.css, not a style attribute.
    assert charts.first.evaluate("e => getComputedStyle(e).maxWidth") == "100%"
    _no_refusals(messages)


def test_other_pages_cannot_be_framed_even_by_this_site(browser, live):
    """The policy's one exception is the designer's preview; a list page framed
    by a page of the same site is refused (its own page, not the `page`
    fixture: this refusal is the expected outcome)."""
    context = browser.new_context()
    try:
        tab = context.new_page()
        messages = []
        tab.on("console", lambda message: messages.append(message.text))
        sign_in(tab, live, "admin")
        tab.goto(f"{live.url}/apps/orders/")
        tab.evaluate("""url => { const f = document.createElement('iframe'); f.src = url;
                                 f.id = 'probe'; document.body.appendChild(f); }""",
                     f"{live.url}/apps/orders/customer/")
        tab.wait_for_function("() => true")
        frame = tab.frame_locator("#probe")
        tab.wait_for_timeout(1000)
        expect(frame.locator("main")).to_have_count(0)
        assert any("frame-ancestors" in m for m in messages), messages
    finally:
        context.close()
