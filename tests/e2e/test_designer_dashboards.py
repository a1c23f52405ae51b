"""A dashboard built in the designer's dashboard editor, in Debian's Chromium:
the user adds a dashboard and a chart, picks another report (the x and y
pickers come back with that report's columns only), a stacked bar split by a
second column, sees the sentence follow and a pie's series named next to its
box; then publishes and sees the chart at /apps/<app>/dashboards/<name>.
A forecast is set up with the column pickers and read out as it changes."""
from __future__ import annotations

import json

from tests.e2e.conftest import sign_in
from tests.e2e.test_designer import choose, designer_live, set_text, submit_in, switch_user  # noqa: F401
from tests.e2e.test_designer_reports import SALES, _seed_orders, errors_under

REPORTS = [
    {"name": "count_orders", "source": "order", "group_by": [{"field": "shipped"}],
     "measures": [{"name": "orders", "agg": "count"}]},
    {"name": "monthly_qty", "label": {"en": "Monthly quantity", "zh": "月度销量"}, "source": "order.lines",
     "group_by": [{"field": "parent.date", "bucket": "month", "name": "month", "label": {"en": "Month", "zh": "月份"}},
                  {"field": "product", "label": {"en": "Product", "zh": "商品"}}],
     "measures": [{"name": "qty", "agg": "sum", "expression": "qty", "label": {"en": "Quantity", "zh": "数量"}}]}]


def _options(page, path):
    return page.locator(f'select[data-path="{path}"] option').evaluate_all("os => os.map(o => o.value)")


def test_a_chart_added_in_the_designer_is_published_and_shown(page, designer_live):
    live = designer_live
    sign_in(page, live, "dana")
    page.goto(f"{live.url}/designer/")
    page.fill("#import-json", json.dumps(dict(SALES, reports=REPORTS)))
    with page.expect_navigation():
        page.get_by_test_id("import-app").locator("button").click()
    with page.expect_navigation():
        page.get_by_test_id("tab-dashboards").click()
    submit_in(page, "add-dashboard", name="overview", label_zh="概览", label_en="Overview")
    page.wait_for_selector("body[data-designer-ready]")
    assert page.get_by_test_id("dashboard-sentence").inner_text() == "概览（所有用户可见）：尚无指标和图表"

    with page.expect_navigation():
        page.get_by_role("button", name="+ chart").click()
    page.wait_for_selector("body[data-designer-ready]")
    assert _options(page, "dashboards[0].charts[0].x") == ["shipped"]
    with page.expect_navigation():              # another report: its columns come back in the pickers
        choose(page, "dashboards[0].charts[0].report", "monthly_qty")
    page.wait_for_selector("body[data-designer-ready]")
    # the old report's columns stay selected only until replaced, each named as a problem under its box
    assert _options(page, "dashboards[0].charts[0].x") == ["shipped", "month", "product"]
    assert _options(page, "dashboards[0].charts[0].y") == ["orders", "qty"]
    assert "unknown column 'shipped'" in page.locator('[data-errors-for="dashboards[0].charts[0].x"]').inner_text()
    choose(page, "dashboards[0].charts[0].x", "month")
    choose(page, "dashboards[0].charts[0].y", "qty")
    errors_under(page, "dashboards[0].charts[0].x", "")
    choose(page, "dashboards[0].charts[0].series", "product")
    set_text(page, "dashboards[0].charts[0].label.en", "Quantity by month")
    set_text(page, "dashboards[0].charts[0].label.zh", "每月数量")
    page.wait_for_function("() => document.querySelector('[data-testid=dashboard-sentence]').textContent"
                           " === '概览（所有用户可见）：图表 每月数量（柱状图，按月份、商品）'")

    with page.expect_navigation():              # a pie cannot have series: said next to the series box
        choose(page, "dashboards[0].charts[0].type", "pie")
    page.wait_for_selector("body[data-designer-ready]")
    assert "cannot have series" in page.locator('[data-errors-for="dashboards[0].charts[0].series"]').inner_text()
    with page.expect_navigation():
        choose(page, "dashboards[0].charts[0].type", "stacked_bar")
    page.wait_for_selector("body[data-designer-ready]")
    errors_under(page, "dashboards[0].charts[0].series", "")

    page.goto(f"{live.url}/designer/apps/sales/publish")
    assert "The draft is valid" in page.get_by_test_id("problems").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("publish").click()
    _seed_orders(live.app)
    switch_user(page, live, "admin")
    page.goto(f"{live.url}/designer/apps/sales/dashboards")
    href = page.get_by_test_id("dashboard-preview").get_attribute("href")
    assert href == "/apps/sales/dashboards/overview"
    page.goto(live.url + href)
    chart = page.get_by_test_id("chart")
    assert "Quantity by month" in chart.inner_text()
    assert chart.locator("svg.ld-chart").count() == 1


def test_a_forecast_is_set_up_with_pickers_and_told_as_it_changes(page, designer_live):
    live = designer_live
    daily = dict(REPORTS[1], name="daily", label={"en": "Daily", "zh": "每日"},
                 group_by=[dict(REPORTS[1]["group_by"][0], bucket="day", name="day"), REPORTS[1]["group_by"][1]])
    sign_in(page, live, "dana")
    page.goto(f"{live.url}/designer/")
    page.fill("#import-json", json.dumps(dict(SALES, reports=REPORTS + [daily])))
    with page.expect_navigation():
        page.get_by_test_id("import-app").locator("button").click()
    with page.expect_navigation():
        page.get_by_test_id("tab-forecasts").click()
    submit_in(page, "add-forecast", name="demand", label_zh="需求预测", label_en="Demand")
    page.wait_for_selector("body[data-designer-ready]")
    assert _options(page, "forecasts[0].item") == ["", "product"]
    choose(page, "forecasts[0].item", "product")
    set_text(page, "forecasts[0].horizon", "14")
    page.wait_for_function("() => document.querySelector('[data-testid=forecast-sentence]').textContent"
                           " === '需求预测：根据“每日”报表，按商品预测未来 14 天的数量（季节周期 7 天，回测 3 次）'")
    set_text(page, "forecasts[0].folds", "99")
    errors_under(page, "forecasts[0].folds", "20")
