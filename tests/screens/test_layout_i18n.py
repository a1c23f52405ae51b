"""Layout, language and static assets: the frame every screen shares."""
from __future__ import annotations

from engine.db import get_db
from engine.runtime.notifications import notify


def test_home_lists_forms_by_group(admin_client):
    page = admin_client.get("/apps/orders/").get_data(as_text=True)
    for text in ("Sales", "Catalogue", "Stock", "Sales order", "Customer", "Warehouse"):
        assert text in page
    assert 'href="/apps/orders/sales_order/"' in page
    assert 'lang="en"' in page


def test_apps_index_goes_to_the_only_app(admin_client):
    response = admin_client.get("/apps/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/apps/orders/")


def test_bootstrap_and_script_are_served_locally(admin_client):
    page = admin_client.get("/apps/orders/").get_data(as_text=True)
    assert "cdn" not in page.lower() and "https://" not in page
    assert admin_client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200
    assert admin_client.get("/bootstrap/static/js/bootstrap.min.js").status_code == 200
    assert admin_client.get("/static/liandong.js").status_code == 200
    assert admin_client.get("/static/liandong.css").status_code == 200


def test_language_switch_translates_ui_and_labels(admin_client):
    response = admin_client.post("/language", data={"language": "zh", "next": "/apps/orders/sales_order/"})
    assert response.status_code == 302 and response.headers["Location"] == "/apps/orders/sales_order/"
    page = admin_client.get("/apps/orders/sales_order/").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "销售订单" in page and "新建" in page and "客户" in page
    admin_client.post("/language", data={"language": "en", "next": "/"})
    assert "Sales order" in admin_client.get("/apps/orders/sales_order/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(admin_client):
    response = admin_client.post("/language", data={"language": "en", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_accept_language_picks_chinese(admin_client):
    page = admin_client.get("/apps/orders/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert 'lang="zh-CN"' in text and "订单" in text and "通知" in text


def test_notifications_badge_counts_unread(orders_app, admin_client, actors):
    with get_db(orders_app).transaction() as connection:
        notify(connection, [actors["admin"].user_id] * 3, app="orders", message={"en": "hi", "zh": "你好"})
    page = admin_client.get("/apps/orders/").get_data(as_text=True)
    assert 'data-testid="unread">3<' in page


def test_signed_out_users_are_sent_to_sign_in(orders_app, master):
    response = orders_app.test_client().get("/apps/orders/sales_order/")
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


def test_navigation_hides_forms_the_role_cannot_read(client_for):
    page = client_for("sam").get("/apps/orders/").get_data(as_text=True)
    assert "Sales order" in page and "Customer" in page


def test_home_offers_new_only_where_the_role_may_create(client_for):
    page = client_for("sam").get("/apps/orders/").get_data(as_text=True)
    assert 'href="/apps/orders/customer/new"' in page and 'href="/apps/orders/sales_order/new"' in page
    assert 'href="/apps/orders/product/"' in page and 'href="/apps/orders/product/new"' not in page
    assert 'href="/apps/orders/warehouse/new"' not in page
