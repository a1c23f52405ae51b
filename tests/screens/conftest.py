"""Fixtures for screen tests: the orders example installed, users per role,
master data, and a signed-in test client.

Signing in goes through the real /login page (DESIGN §5 fields username,
password, csrf_token) when the permissions subsystem provides it; until then a
test-only hook puts the user in `g` the way the session would.
"""
from __future__ import annotations

import re

import pytest
from flask import g, session

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.runtime.records.service import get_record_service
from engine.storage.install import install_app

PASSWORD = "password-123"
USERS = {"admin": dict(admin=True), "sam": dict(roles=[("orders", "sales")]),
         "wendy": dict(roles=[("orders", "warehouse")]), "mia": dict(roles=[("orders", "manager")])}
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    return match.group(1) if match else ""


def _install_test_login(app) -> None:
    """Stand-in for the session login until engine.runtime.web.auth exists."""
    @app.before_request
    def _test_user():
        username = session.get("_test_user")
        if username:
            with get_db().read() as connection:
                g.liandong_actor = identity.actor_for_user(connection, identity.find_user(connection, username))


def has_login(app) -> bool:
    return any(rule.rule == "/login" for rule in app.url_map.iter_rules())


@pytest.fixture
def orders_app(app, monkeypatch):
    # Cheap password hashes: scrypt costs ~0.25 s per user and sign-in, and
    # these tests are about screens, not about password storage.
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    install_app(get_db(app), bundled_app_path("orders"))
    with get_db(app).transaction() as connection:
        for name, options in USERS.items():
            identity.create_user(connection, name, PASSWORD, is_admin=options.get("admin", False),
                                 roles=options.get("roles", []))
    if not has_login(app):
        _install_test_login(app)
    return app


def sign_in(client, app, username: str):
    if has_login(app):
        # The sign-in page always runs with CSRF on, as in production.
        saved = app.config.get("WTF_CSRF_ENABLED", True)
        app.config["WTF_CSRF_ENABLED"] = True
        try:
            page = client.get("/login")
            response = client.post("/login", data={"username": username, "password": PASSWORD,
                                                   "csrf_token": csrf_token(page.get_data(as_text=True))})
        finally:
            app.config["WTF_CSRF_ENABLED"] = saved
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    else:
        with client.session_transaction() as state:
            state["_test_user"] = username
    return client


@pytest.fixture
def actors(orders_app):
    with get_db(orders_app).read() as connection:
        return {name: identity.actor_for_user(connection, identity.find_user(connection, name))
                for name in USERS}


@pytest.fixture
def master(orders_app, actors):
    """Two customers, three products, two warehouses (created by the admin)."""
    service, admin = get_record_service(orders_app), actors["admin"]

    def create(form, values):
        return service.create("orders", form, values, actor=admin)
    return {
        "customers": [create("customer", {"name": n}) for n in ("ACME", "Globex")],
        "products": [create("product", {"sku": f"P{i}", "name": f"Product {i}", "unit_price": price,
                                        "cost_price": price / 2})
                     for i, price in enumerate((10, 2.5, 99.99))],
        "warehouses": [create("warehouse", {"code": c, "name": f"Warehouse {c}"}) for c in ("W1", "W2")],
    }


@pytest.fixture
def admin_client(orders_app, master):
    client = sign_in(orders_app.test_client(), orders_app, "admin")
    orders_app.config["WTF_CSRF_ENABLED"] = False    # these tests are not about CSRF
    return client


@pytest.fixture
def client_for(orders_app, master):
    """A signed-in client per user name (CSRF off: these tests are not about CSRF)."""
    def make(username):
        client = sign_in(orders_app.test_client(), orders_app, username)
        orders_app.config["WTF_CSRF_ENABLED"] = False
        return client
    return make


def order_data(master, lines, *, customer=0, warehouse=0, spare=1) -> dict:
    """The record form of a sales order as a browser posts it: lines as
    (product index, qty), then `spare` blank rows like the page offers."""
    data = {"customer": master["customers"][customer]["id"],
            "warehouse": master["warehouses"][warehouse]["id"], "date": "2024-05-01"}
    for index, (product, qty) in enumerate(lines):
        data[f"lines-{index}-id"] = ""
        data[f"lines-{index}-product"] = master["products"][product]["id"] if product is not None else ""
        data[f"lines-{index}-qty"] = qty
        data[f"lines-{index}-price"] = ""
    for index in range(len(lines), len(lines) + spare):
        data.update({f"lines-{index}-id": "", f"lines-{index}-product": "", f"lines-{index}-qty": "",
                     f"lines-{index}-price": ""})
    return data


def record_id_from(response) -> int:
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def seed_stock(app, master, on_hand=100):
    """Opening stock for every product in the first warehouse. The orders
    example has no receipt document, so the test writes the rows directly
    (base values that rules then move from)."""
    from sqlalchemy import insert

    from engine.runtime.audit import utcnow
    from engine.runtime.registry import get_registry
    database = get_db(app)
    with database.transaction() as connection:
        table = get_registry(app).get(connection, "orders").tables.form("stock")
        now = utcnow()
        connection.execute(insert(table), [
            {"product": p["id"], "warehouse": master["warehouses"][0]["id"], "on_hand": on_hand,
             "created_at": now, "updated_at": now, "version": 1} for p in master["products"]])
