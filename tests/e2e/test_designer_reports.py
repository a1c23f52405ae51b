"""A report built in the designer's report editor, in Debian's Chromium: the
user adds a report over order lines, groups it by the order's month (the
bucket select appears once a date is chosen) and by product, sums the
quantity, filters with the condition builder, sees the sentence follow each
change and a bad sort named next to its box; then publishes and reads the
report at /apps/<app>/reports/<name>. A job's schedule is read out as it is typed."""
from __future__ import annotations

import json

from tests.e2e.conftest import sign_in
from tests.e2e.test_designer import choose, control, designer_live, set_text, submit_in, switch_user  # noqa: F401

SALES = {
    "app": "sales", "version": "1.0.0", "label": {"en": "Sales", "zh": "销售"},
    "forms": [
        {"name": "product", "label": {"en": "Product", "zh": "商品"}, "title": "name",
         "fields": [{"name": "name", "type": "text", "required": True, "label": {"en": "Name", "zh": "名称"}}]},
        {"name": "order", "label": {"en": "Order", "zh": "订单"},
         "fields": [{"name": "date", "type": "date", "label": {"en": "Date", "zh": "日期"}},
                    {"name": "shipped", "type": "boolean", "label": {"en": "Shipped", "zh": "已发货"}},
                    {"name": "lines", "type": "subform", "label": {"en": "Lines", "zh": "明细"}, "fields": [
                        {"name": "product", "type": "link", "form": "product", "label": {"en": "Product", "zh": "商品"}},
                        {"name": "qty", "type": "integer", "label": {"en": "Quantity", "zh": "数量"}}]}]}]}


def errors_under(page, path, text):
    """Wait until the page script has shown the answer's errors under the control of `path`:
    containing `text`, or none when `text` is empty."""
    page.wait_for_function(
        "([path, text]) => { const e = document.querySelector(`[data-errors-for=\"${path}\"]`);"
        " return e && (text ? e.textContent.includes(text) : e.textContent.trim() === ''); }", arg=[path, text])


def _seed_orders(app):
    from engine.db import get_db
    from engine.runtime import identity
    from engine.runtime.records.service import get_record_service
    with get_db(app).read() as connection:
        admin = identity.actor_for_user(connection, identity.find_user(connection, "admin"))
    service = get_record_service(app)
    tea = service.create("sales", "product", {"name": "Tea"}, actor=admin)
    for date, shipped, qty in (("2026-03-02", True, 4), ("2026-03-20", True, 6), ("2026-04-01", False, 9)):
        service.create("sales", "order", {"date": date, "shipped": shipped,
                                          "lines": [{"product": tea["id"], "qty": qty}]}, actor=admin)


def test_a_report_built_in_the_designer_is_published_and_read(page, designer_live):
    live = designer_live
    sign_in(page, live, "dana")
    page.goto(f"{live.url}/designer/")
    page.fill("#import-json", json.dumps(SALES))
    with page.expect_navigation():
        page.get_by_test_id("import-app").locator("button").click()
    with page.expect_navigation():
        page.get_by_test_id("tab-reports").click()
    submit_in(page, "add-report", source="order.lines", name="monthly_qty", label_zh="月度销量",
              label_en="Monthly quantity")
    page.wait_for_selector("body[data-designer-ready]")
    sentence = page.get_by_test_id("report-sentence")
    assert sentence.inner_text() == "从订单的明细中，汇总：数量（计数）"

    with page.expect_navigation():
        page.get_by_role("button", name="+ group").click()
    page.wait_for_selector("body[data-designer-ready]")
    with page.expect_navigation():              # a date: the page comes back with the bucket select
        choose(page, "reports[0].group_by[0].field", "parent.date")
    page.wait_for_selector("body[data-designer-ready]")
    choose(page, "reports[0].group_by[0].bucket", "month")
    set_text(page, "reports[0].group_by[0].name", "month")
    choose(page, "reports[0].measures[0].agg", "sum")
    set_text(page, "reports[0].measures[0].expression", "qty")
    set_text(page, "reports[0].measures[0].name", "qty")
    page.wait_for_function("() => document.querySelector('[data-testid=report-sentence]').textContent"
                           ".includes('按日期（按月）汇总：数量合计')")

    set_text(page, "reports[0].sort", "nothing")        # not a column: said next to the box
    errors_under(page, "reports[0].sort", "nothing")
    set_text(page, "reports[0].sort", "-qty")
    errors_under(page, "reports[0].sort", "")

    builder = page.get_by_test_id("report-filter-builder")
    builder.locator('[name="cond_field"]').first.select_option("parent.shipped")
    builder.locator('[name="cond_value"]').first.fill("True")
    with page.expect_navigation():
        builder.locator("button").click()
    assert control(page, "reports[0].filter").input_value() == "parent.shipped == True"
    assert "已发货为" in page.get_by_test_id("report-sentence").inner_text()

    page.goto(f"{live.url}/designer/apps/sales/publish")
    assert "The draft is valid" in page.get_by_test_id("problems").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("publish").click()
    _seed_orders(live.app)
    switch_user(page, live, "admin")
    page.goto(f"{live.url}/designer/apps/sales/reports")
    href = page.get_by_test_id("report-preview").get_attribute("href")
    assert href == "/apps/sales/reports/monthly_qty"
    page.goto(live.url + href)
    table = page.locator("main table").inner_text()
    assert "2026-03" in table and "10" in table and "9" not in table.replace("2026", "")


def test_a_job_schedule_is_read_out_as_it_is_typed(page, designer_live):
    live = designer_live
    sign_in(page, live, "dana")
    page.goto(f"{live.url}/designer/")
    page.fill("#import-json", json.dumps(SALES))
    with page.expect_navigation():
        page.get_by_test_id("import-app").locator("button").click()
    with page.expect_navigation():
        page.get_by_test_id("tab-jobs").click()
    submit_in(page, "add-job", name="restock", label_zh="补货", label_en="Restock")
    page.wait_for_selector("body[data-designer-ready]")
    set_text(page, "jobs[0].cron", "30 8 * * 1-5")
    page.wait_for_function("() => document.querySelector('[data-testid=job-sentence]').textContent"
                           " === '“补货”：每周一至周五 08:30（UTC）新建一条商品'")
    set_text(page, "jobs[0].cron", "30 8 * *")
    errors_under(page, "jobs[0].cron", "5 fields")
