"""Fixtures for REST API tests: the orders example installed, an admin token,
and a small client that sends it."""
from __future__ import annotations

import pytest

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.storage.install import install_app


class ApiClient:
    """The Flask test client with a Bearer token and /api/v1 prefixed paths."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def request(self, method: str, path: str, *, json=None, headers=None, **kwargs):
        return self.client.open("/api/v1" + path, method=method, json=json,
                                headers=self._headers(headers), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def make_user(app, username, *, admin=False, roles=()):
    with get_db(app).transaction() as connection:
        identity.create_user(connection, username, "password-" + username, is_admin=admin,
                             roles=list(roles))
        return identity.create_token(connection, username)


@pytest.fixture
def orders_app(app):
    install_app(get_db(app), bundled_app_path("orders"))
    return app


@pytest.fixture
def admin_token(orders_app):
    return make_user(orders_app, "admin", admin=True)


@pytest.fixture
def api(client, admin_token):
    return ApiClient(client, admin_token)


@pytest.fixture
def anonymous(client, orders_app):
    return ApiClient(client, None)


@pytest.fixture
def master_data(api):
    """Two customers, three products, two warehouses."""
    def create(form, values):
        response = api.post(f"/apps/orders/forms/{form}/records", json=values)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return {
        "customers": [create("customer", {"name": n}) for n in ("ACME", "Globex")],
        "products": [create("product", {"sku": f"P{i}", "name": f"Product {i}", "unit_price": p,
                                        "cost_price": p / 2}) for i, p in enumerate((10, 2.5, 99.99))],
        "warehouses": [create("warehouse", {"code": c, "name": f"Warehouse {c}"}) for c in ("W1", "W2")],
    }
