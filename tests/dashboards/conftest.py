"""The inventory app with shipped, cancelled and draft sales in two warehouses
and two categories, sold by two sales people; users per role, signed in
through the real /login page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from engine.db import get_db
from engine.runtime import identity
from tests.inventory.conftest import Shop, shop  # noqa: F401  (fixture)
from tests.screens.conftest import sign_in

TODAY = date.today()
LAST_YEAR = date(TODAY.year - 1, 6, 15)
# (date, warehouse, lines [(product, qty, price)], final state, seller)
ORDERS = [
    (TODAY, "main", [("bolt", "2", "2.50"), ("nut", "10", "1.10")], "shipped", "alice"),
    (TODAY.replace(day=1), "branch", [("drill", "1", "120.00")], "shipped", "bob"),
    (TODAY - timedelta(days=40), "main", [("drill", "2", "110.00"), ("bolt", "5", "2.00")], "shipped", "alice"),
    (LAST_YEAR, "branch", [("nut", "30", "1.00")], "shipped", "bob"),
    (LAST_YEAR + timedelta(days=31), "main", [("bolt", "8", "2.00")], "shipped", "alice"),
    (TODAY, "main", [("drill", "9", "100.00")], "cancelled", "bob"),
    (TODAY, "branch", [("nut", "2", "1.00")], "draft", "alice"),
]
PATHS = {"shipped": ("confirm", "ship"), "cancelled": ("confirm", "cancel"), "draft": ()}
USERS = {"boss": ["manager"], "alice": ["sales"], "bob": ["sales"], "keeper": ["warehouse"],
         "buyer": ["purchasing"], "nobody": []}


@dataclass
class Store:
    shop: Shop
    actors: dict = field(default_factory=dict)
    orders: list = field(default_factory=list)       # stored orders, with lines
    products: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    warehouses: dict = field(default_factory=dict)

    def shipped(self, **where):
        return [o for o in self.orders if o["status"] == "shipped"
                and all(o[k] == v for k, v in where.items())]


@pytest.fixture
def store(app, shop, monkeypatch):  # noqa: F811
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    result = Store(shop)
    with get_db(app).transaction() as connection:
        for name, roles in USERS.items():
            user_id = identity.create_user(connection, name, "password-123",
                                           roles=[("inventory", r) for r in roles])
            result.actors[name] = identity.active_actor(connection, user_id)
    result.categories = {n: shop.create("category", name=n) for n in ("五金 Hardware", "工具 Tools")}
    hardware, tools = result.categories.values()
    shop.update("product", shop.bolt, category=hardware["id"])
    shop.update("product", shop.nut, category=hardware["id"])
    drill = shop.create("product", sku="D-1", name="电钻 Drill", unit_price=100, cost_price=60,
                        category=tools["id"])
    result.products = {"bolt": shop.get("product", shop.bolt), "nut": shop.get("product", shop.nut),
                       "drill": drill}
    result.warehouses = {"main": shop.main, "branch": shop.branch}
    for warehouse in (shop.main, shop.branch):
        shop.receive(warehouse, [(shop.bolt, 50), (shop.nut, 80), (drill, 20)])
    for day, where, lines, state, seller in ORDERS:
        order = shop.create("sales_order", actor=result.actors[seller], customer=shop.customer["id"],
                            warehouse=result.warehouses[where]["id"], date=day.isoformat(),
                            lines=[{"product": result.products[p]["id"], "qty": q, "price": price}
                                   for p, q, price in lines])
        for step in PATHS[state]:
            order = shop.move("sales_order", order, step, comment="test" if step == "cancel" else None)
        result.orders.append(shop.get("sales_order", order))
    return result


@pytest.fixture
def browser(app, store):
    """A signed-in client per user name."""
    def make(username):
        return sign_in(app.test_client(), app, username)
    return make
