"""The designer in a real browser (Debian's Chromium): a designer builds a
five-form app from nothing (a subform, links, a formula, a contribution rule
"a shipped line takes stock out", a workflow, a field hidden from a role),
publishes it, uses it in the runtime, then adds a field and publishes again
without losing rows. Along the way: an invalid state shows its explanation
next to the control, fields reorder by drag and drop and by keyboard buttons,
and the live preview renders the runtime form."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import jinja2
import pytest
from werkzeug.serving import make_server

from tests.e2e.conftest import PASSWORD, sign_in


@dataclass
class DesignerLive:
    url: str
    app: object


@pytest.fixture
def designer_live(tmp_path, monkeypatch):
    from engine import create_app
    from engine.db import get_db
    from engine.designer.access import DESIGNER_RIGHT
    from engine.runtime import identity
    monkeypatch.setenv("LIANDONG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'designer.db'}",
                      "SECRET_KEY": "e2e-secret"})
    app.jinja_env.undefined = jinja2.StrictUndefined
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "admin", PASSWORD, is_admin=True)
        identity.create_user(connection, "dana", PASSWORD, roles=[DESIGNER_RIGHT])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield DesignerLive(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["liandong.db"].dispose()


def control(page, path):
    return page.locator(f'[data-path="{path}"]:not(tbody):not(tr):not(div):not(section)').first


def reveal(page, path):
    """Open the Properties panels around a control, as a user clicking them would."""
    for summary in control(page, path).evaluate_handle(
            "e => { const s = []; for (let d = e.closest('details'); d; d = d.parentElement.closest('details'))"
            " if (!d.open) s.unshift(d.querySelector('summary')); return s; }").get_properties().values():
        summary.as_element().click()


def set_text(page, path, value):
    """Type into a control and leave it: the page sends the change as a patch."""
    reveal(page, path)
    with page.expect_response(lambda r: r.url.endswith("/patch")):
        control(page, path).fill(value)
        control(page, path).press("Tab")


def choose(page, path, value):
    reveal(page, path)
    with page.expect_response(lambda r: r.url.endswith("/patch")):
        control(page, path).select_option(value)


def tick(page, path, value=None):
    box = page.locator(f'input[data-path="{path}"]' + (f'[value="{value}"]' if value else "")).first
    with page.expect_response(lambda r: r.url.endswith("/patch")):
        box.check()


def submit_in(page, testid, **fields):
    form = page.get_by_test_id(testid).first
    for name, value in fields.items():
        element = form.locator(f'[name="{name}"]')
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(value)
        else:
            element.fill(value)
    with page.expect_navigation():
        form.locator("button").last.click()


def add_form(page, name, zh, en):
    submit_in(page, "add-form", name=name, label_zh=zh, label_en=en)


def add_field(page, name, kind, zh, en, testid="add-field"):
    submit_in(page, testid, name=name, type=kind, label_zh=zh, label_en=en)


def open_form(page, live, index):
    page.goto(f"{live.url}/designer/apps/store/forms/{index}")
    page.wait_for_selector("body[data-designer-ready]")


def test_build_publish_use_and_evolve_an_app(page, designer_live):
    from engine.db import get_db
    from engine.runtime import identity
    live = designer_live
    sign_in(page, live, "dana")
    page.goto(f"{live.url}/designer/")
    submit_in(page, "create-app", name="store", label_zh="商店", label_en="Store")
    assert "/designer/apps/store/" in page.url
    for role, zh, en in (("clerk", "店员", "Clerk"), ("manager", "经理", "Manager")):
        submit_in(page, "add-role", name=role, label_zh=zh, label_en=en)
    for name, zh, en in (("customer", "客户", "Customer"), ("warehouse", "仓库", "Warehouse"),
                         ("product", "商品", "Product"), ("stock", "库存", "Stock"),
                         ("sales_order", "销售订单", "Sales order")):
        add_form(page, name, zh, en)
    assert page.get_by_test_id("problems").inner_text().count("forms") == 0

    # product: a price and a cost (hidden from clerks later)
    open_form(page, live, 2)
    add_field(page, "price", "decimal", "单价", "Price")
    add_field(page, "cost", "decimal", "成本", "Cost")
    # the live preview renders the runtime form with the new fields
    preview = page.frame_locator("[data-preview-frame]")
    preview.locator('[data-testid="record-form"] [name="cost"]').wait_for()

    # stock: links to product and warehouse, an amount; no name (rows are made by the rule)
    open_form(page, live, 3)
    add_field(page, "product", "link", "商品", "Product")
    choose(page, "forms[3].fields[1].form", "product")
    add_field(page, "warehouse", "link", "仓库", "Warehouse")
    choose(page, "forms[3].fields[2].form", "warehouse")
    add_field(page, "on_hand", "decimal", "现有数量", "On hand")
    set_text(page, "forms[3].fields[3].default", "0")
    with page.expect_navigation():
        page.locator('tbody[data-path="forms[3].fields[0]"] button[title="Remove field"]').click()
    # an invalid state: the title names a removed field; the explanation sits at the control
    title_error = page.locator('[data-errors-for="forms[3].title"]')
    assert "name" in title_error.inner_text()
    choose(page, "forms[3].title", "")
    page.wait_for_function("() => !document.querySelector('[data-errors-for=\"forms[3].title\"]').textContent")

    # sales order: customer, warehouse, lines (subform) with a formula, a total
    open_form(page, live, 4)
    add_field(page, "customer", "link", "客户", "Customer")
    add_field(page, "warehouse", "link", "仓库", "Warehouse")
    choose(page, "forms[4].fields[2].form", "warehouse")
    add_field(page, "lines", "subform", "明细", "Lines")
    assert page.locator('[data-errors-for="forms[4].fields[3].fields"]').inner_text()   # needs row fields
    add_field(page, "product", "link", "商品", "Product", testid="add-subfield")
    choose(page, "forms[4].fields[3].fields[0].form", "product")
    add_field(page, "qty", "decimal", "数量", "Quantity", testid="add-subfield")
    add_field(page, "price", "decimal", "单价", "Price", testid="add-subfield")
    add_field(page, "amount", "decimal", "金额", "Amount", testid="add-subfield")
    # live name check: a typo is named next to the formula, without a page load
    set_text(page, "forms[4].fields[3].fields[3].formula", "qty * prise")
    error = page.locator('[data-errors-for="forms[4].fields[3].fields[3].formula"]')
    error.wait_for(state="visible")
    assert "prise" in error.inner_text()
    set_text(page, "forms[4].fields[3].fields[3].formula", "qty * price")
    page.wait_for_function("() => !document.querySelector('[data-errors-for=\"forms[4].fields[3].fields[3].formula\"]').textContent")
    add_field(page, "total", "decimal", "合计", "Total")
    set_text(page, "forms[4].fields[4].formula", "sum(lines.amount)")
    # the preview computes the draft's formulas as one types (the page the preview frame shows)
    page.goto(f"{live.url}/designer/apps/store/forms/4/preview")
    page.fill("[name=lines-0-qty]", "2")
    page.fill("[name=lines-0-price]", "3.5")
    page.locator("[name=lines-0-price]").press("Tab")
    page.wait_for_function("() => document.querySelector('[data-output=total]').textContent.includes('7')")
    open_form(page, live, 4)
    # keyboard reorder: move "total" up one place, then drag it back to the end
    with page.expect_navigation():
        page.locator('tbody[data-path="forms[4].fields[4]"] button[title="Move up"]').first.click()
    assert page.locator('tbody[data-move-list="forms[4].fields"]').nth(3).get_attribute("data-field-name") == "total"
    focused = page.evaluate("document.activeElement.closest('tbody') && document.activeElement.closest('tbody').dataset.fieldName")
    assert focused == "total"                 # the keyboard user can press ↑ again
    # HTML5 drag and drop, as the browser delivers it to the page (dragstart, dragover, drop)
    transfer = page.evaluate_handle("() => new DataTransfer()")
    source, target = 'tbody[data-path="forms[4].fields[3]"]', 'tbody[data-path="forms[4].fields[4]"]'
    page.dispatch_event(source, "dragstart", {"dataTransfer": transfer})
    page.dispatch_event(target, "dragover", {"dataTransfer": transfer})
    with page.expect_navigation():
        page.dispatch_event(target, "drop", {"dataTransfer": transfer})
    assert page.locator('tbody[data-move-list="forms[4].fields"]').nth(4).get_attribute("data-field-name") == "total"

    # workflow: draft → shipped
    page.goto(f"{live.url}/designer/apps/store/forms/4/workflow")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a workflow").click()
    set_text(page, "forms[4].workflow.states[1].name", "shipped")
    set_text(page, "forms[4].workflow.states[1].label.zh", "已发货")
    set_text(page, "forms[4].workflow.states[1].label.en", "Shipped")
    # the diagram follows without a page load
    page.wait_for_selector('[data-testid="workflow-diagram"] [data-state="shipped"] >> text=Shipped')
    page.reload()
    choose(page, "forms[4].workflow.transitions[0].to", "shipped")
    set_text(page, "forms[4].workflow.transitions[0].name", "ship")
    page.reload()
    assert page.locator('[data-testid="workflow-diagram"] [data-state="shipped"]').count() == 1

    # the rule: a shipped line takes its quantity out of the stock of its product in its warehouse
    page.goto(f"{live.url}/designer/apps/store/rules")
    submit_in(page, "add-rule", kind="contribution", source="sales_order.lines", name="shipped_line_takes_stock",
              label_zh="发货扣减库存", label_en="Shipped lines take stock")
    choose(page, "rules[0].target", "stock")
    page.reload()
    submit_in(page, "add-match", _key="product", _value="product")
    page.get_by_test_id("add-match").locator("[name=_key]").select_option("warehouse")
    page.get_by_test_id("add-match").locator("[name=_value]").fill("parent.warehouse")
    with page.expect_navigation():
        page.get_by_test_id("add-match").locator("button").click()
    submit_in(page, "add-adjust", _key="on_hand", _value="-qty")
    set_text(page, "rules[0].adjust.on_hand", "qty")            # the sentence follows the edit at once
    page.wait_for_function("() => document.querySelector('[data-testid=rule-sentence]').textContent.includes('增加')")
    set_text(page, "rules[0].adjust.on_hand", "-qty")
    tick(page, "rules[0].create_missing")
    builder = page.get_by_test_id("condition-builder")
    builder.locator("[name=cond_field]").first.select_option("parent.status")
    builder.locator("[name=cond_value]").first.fill("shipped")
    with page.expect_navigation():
        builder.locator("button").click()
    sentence = page.get_by_test_id("rule-sentence").inner_text()
    assert sentence == '当销售订单的状态为"已发货"时，每一行减少对应商品、仓库的库存的现有数量（数量）；没有对应记录时新建一条'

    # permissions: clerks read and write everything; the product cost is hidden from them
    page.goto(f"{live.url}/designer/apps/store/permissions")
    for index in range(5):
        for right in ("read", "create", "update"):
            tick(page, f"forms[{index}].permissions.clerk.{right}")
    page.goto(f"{live.url}/designer/apps/store/forms/2/permissions")
    choose(page, "forms[2].permissions.clerk.fields.cost", "hidden")

    # publish: the plan creates the tables
    page.goto(f"{live.url}/designer/apps/store/publish")
    assert "The draft is valid" in page.get_by_test_id("problems").inner_text()
    plan = page.get_by_test_id("plan").inner_text()
    assert "create table store__sales_order__lines" in plan
    with page.expect_navigation():
        page.get_by_test_id("publish").click()
    assert page.get_by_test_id("versions").locator("tr[data-version]").count() == 1
    _use_the_app(page, live)

    # evolve: a new field, published again without losing rows
    page.goto(f"{live.url}/designer/apps/store/forms/2")
    add_field(page, "barcode", "text", "条码", "Barcode")
    page.goto(f"{live.url}/designer/apps/store/publish")
    plan = page.get_by_test_id("plan").inner_text()
    assert "add column store__product.barcode" in plan and "destructive" not in plan
    with page.expect_navigation():
        page.get_by_test_id("publish").click()
    switch_user(page, live, "admin")
    page.goto(f"{live.url}/apps/store/product/")
    assert "Tea" in page.locator("main").inner_text()
    # the clerk role sees products, but not their cost
    with get_db(live.app).transaction() as connection:
        identity.create_user(connection, "cleo", PASSWORD, roles=[("store", "clerk")])
    switch_user(page, live, "cleo")
    page.goto(f"{live.url}/apps/store/product/new")
    assert page.locator("[name=price]").count() == 1 and page.locator("[name=cost]").count() == 0
    assert page.locator("[name=barcode]").count() == 1


def switch_user(page, live, username):
    page.goto(f"{live.url}/logout")
    with page.expect_navigation():
        page.locator("main form button").click()
    sign_in(page, live, username)


def _use_the_app(page, live):
    from engine.runtime.records.service import get_record_service
    from engine.db import get_db
    from engine.runtime import identity
    with get_db(live.app).transaction() as connection:
        admin = identity.actor_for_user(connection, identity.find_user(connection, "admin"))
    service = get_record_service(live.app)
    customer = service.create("store", "customer", {"name": "ACME"}, actor=admin)
    warehouse = service.create("store", "warehouse", {"name": "Main"}, actor=admin)
    # the runtime forms, in the browser, as the admin
    switch_user(page, live, "admin")
    page.goto(f"{live.url}/apps/store/product/new")
    page.fill("[name=name]", "Tea")
    page.fill("[name=price]", "3")
    page.fill("[name=cost]", "1")
    with page.expect_navigation():
        page.get_by_test_id("save").click()
    tea = service.list("store", "product", actor=admin).items[0]
    page.goto(f"{live.url}/apps/store/sales_order/new")
    page.fill("[name=name]", "SO-1")
    page.select_option("[name=customer]", str(customer["id"]))
    page.select_option("[name=warehouse]", str(warehouse["id"]))
    page.select_option("[name=lines-0-product]", str(tea["id"]))
    page.fill("[name=lines-0-qty]", "4")
    page.fill("[name=lines-0-price]", "3")
    with page.expect_navigation():
        page.get_by_test_id("save").click()
    order_id = int(re.search(r"/sales_order/(\d+)", page.url).group(1))
    assert service.get("store", "sales_order", order_id, actor=admin)["total"] == 12
    with page.expect_navigation():
        page.get_by_test_id("transition-ship").click()      # the workflow drawn in the designer
    assert service.get("store", "sales_order", order_id, actor=admin)["status"] == "shipped"
    stock = service.list("store", "stock", actor=admin).items
    assert [(s["product"], s["warehouse"], s["on_hand"]) for s in stock] == [(tea["id"], warehouse["id"], -4)]
    switch_user(page, live, "dana")


def test_without_javascript_the_designer_still_builds_and_publishes(browser, designer_live):
    """The main operations are plain form posts: create, add, edit, reorder, publish."""
    live = designer_live
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1024, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live, "dana")
        page.goto(f"{live.url}/designer/")
        submit_in(page, "create-app", name="notes", label_zh="笔记", label_en="Notes")
        add_form(page, "note", "笔记", "Note")
        page.goto(f"{live.url}/designer/apps/notes/forms/0")
        add_field(page, "body", "textarea", "正文", "Body")
        add_field(page, "pages", "integer", "页数", "Pages")
        page.locator('tbody[data-path="forms[0].fields[2]"] summary').first.click()
        page.fill('[data-path="forms[0].fields[2].max"]', "abc")          # not a number
        with page.expect_navigation():
            page.locator("[data-save]").click()
        assert "number" in page.locator('[data-errors-for="forms[0].fields[2].max"]').inner_text()
        if not page.locator('[data-path="forms[0].fields[2].max"]').is_visible():
            page.locator('tbody[data-path="forms[0].fields[2]"] summary').first.click()
        page.fill('[data-path="forms[0].fields[2].max"]', "500")
        page.check('[data-path="forms[0].fields[1].required"]')
        with page.expect_navigation():
            page.locator('tbody[data-path="forms[0].fields[2]"] button[title="Move up"]').click()
        assert page.locator('tbody[data-move-list="forms[0].fields"]').nth(1).get_attribute(
            "data-field-name") == "pages"
        page.goto(f"{live.url}/designer/apps/notes/publish")
        with page.expect_navigation():
            page.get_by_test_id("publish").click()
        assert page.get_by_test_id("versions").locator("tr[data-version]").count() == 1
        from engine.db import get_db
        from engine.storage.install import load_installed_definition
        with get_db(live.app).read() as connection:
            fields = load_installed_definition(connection, "notes")["forms"][0]["fields"]
        assert [(f["name"], f.get("required"), f.get("max")) for f in fields] == [
            ("name", True, None), ("pages", None, 500), ("body", True, None)]
    finally:
        context.close()
