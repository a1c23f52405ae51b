"""Error pages: in the user's language, never a traceback; the API keeps JSON."""
from __future__ import annotations

import pytest


def test_unknown_record_is_a_404_page(admin_client):
    response = admin_client.get("/apps/orders/sales_order/999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'data-testid="error-page"' in page and "Not found" in page


def test_unknown_form_and_app_are_404(admin_client):
    assert admin_client.get("/apps/orders/nothing/").status_code == 404
    assert admin_client.get("/apps/nope/").status_code == 404
    assert admin_client.get("/apps/orders/Bad-Name/").status_code == 404


def test_unrouted_path_is_a_page_in_chinese(admin_client):
    response = admin_client.get("/no/such/page", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert "未找到" in response.get_data(as_text=True)


def test_api_keeps_json_errors(admin_client):
    response = admin_client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404 and response.is_json


def test_forbidden_form_is_a_403_page(client_for):
    response = client_for("wendy").get("/apps/orders/customer/new")
    assert response.status_code == 403
    assert "You do not have access to this" in response.get_data(as_text=True)


def test_unexpected_error_is_a_500_page_without_traceback(orders_app, admin_client, monkeypatch):
    from engine.runtime.web import lists

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(lists, "list_columns", explode)
    orders_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = admin_client.get("/apps/orders/sales_order/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in page and "Traceback" not in page
    assert "Nothing was saved" in page


@pytest.mark.parametrize("path", ["/apps/orders/sales_order/1/restore", "/apps/orders/sales_order/preview"])
def test_wrong_method_is_a_405_page(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 405 and not response.is_json
