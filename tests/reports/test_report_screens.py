"""Report pages: the list of runnable reports, the table with zh/en labels and
link titles, the filter box (a bad filter is shown, not a crash), export links,
and the sidebar link."""
from __future__ import annotations

from tests.screens.conftest import csrf_token


def signed_in(client, app, name):
    saved = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/login")
        response = client.post("/login", data={"username": name, "password": "password-" + name,
                                               "csrf_token": csrf_token(page.get_data(as_text=True))})
    finally:
        app.config["WTF_CSRF_ENABLED"] = saved
    assert response.status_code in (302, 303)
    return client


def test_the_list_and_the_sidebar_show_runnable_reports(client, app, book):
    alice = signed_in(client, app, "alice")
    page = alice.get("/apps/inventory/reports/").get_data(as_text=True)
    assert "Monthly revenue by product" in page and "/apps/inventory/reports/monthly_revenue_by_product" in page
    assert "Monthly gross margin by product" not in page       # reads a hidden cost price
    assert "Stock by warehouse" not in page                    # no read right on stock
    home = alice.get("/apps/inventory/sales_order/").get_data(as_text=True)
    assert 'href="/apps/inventory/reports/"' in home


def test_the_report_table_in_chinese_with_titles_and_export_links(client, app, book):
    boss = signed_in(client, app, "boss")
    response = boss.get("/apps/inventory/reports/monthly_revenue_by_product",
                        headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("按商品月度销售额", "月份", "销售额", "螺栓", "2024-01-01", "13.00",
                 "/api/v1/apps/inventory/reports/monthly_revenue_by_product/export?format=csv"):
        assert text in page, text


def test_a_filter_narrows_and_a_bad_filter_is_explained(client, app, book):
    boss = signed_in(client, app, "boss")
    bolt = book.shop.bolt["id"]
    page = boss.get("/apps/inventory/reports/monthly_revenue_by_product",
                    query_string={"filter": f"product == {bolt}"}).get_data(as_text=True)
    assert "螺栓" in page and "螺母" not in page
    response = boss.get("/apps/inventory/reports/monthly_revenue_by_product",
                        query_string={"filter": "qty >"})
    assert response.status_code == 400
    assert "syntax error" in response.get_data(as_text=True)


def test_refused_reports_are_error_pages(client, app, book):
    alice = signed_in(client, app, "alice")
    assert alice.get("/apps/inventory/reports/monthly_margin_by_product").status_code == 403
    assert alice.get("/apps/inventory/reports/nope").status_code == 404


def test_states_show_their_labels(client, app, book):
    boss = signed_in(client, app, "boss")
    page = boss.get("/apps/inventory/reports/orders_by_status",
                    headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已发货" in page and "草稿" in page and "状态" in page


def test_a_long_report_shows_its_first_rows_and_says_so(client, app, book, monkeypatch):
    from engine.runtime.reports import screens
    monkeypatch.setattr(screens, "SCREEN_ROWS", 2)
    boss = signed_in(client, app, "boss")
    page = boss.get("/apps/inventory/reports/daily_sales_by_product").get_data(as_text=True)
    assert page.count("<tr>") == 3                      # the header and two rows
    assert 'data-testid="report-truncated"' in page
