"""The inventory app with sales on known dates, by two sales people, in every state."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from engine.db import get_db
from engine.runtime import identity
from engine.runtime.actor import SYSTEM
from tests.inventory.conftest import Shop, shop  # noqa: F401  (fixture)

# (date, lines [(product, qty, price)], final state, seller)
ORDERS = [
    (date(2024, 1, 1), [("bolt", "2", "2.50"), ("nut", "10", "1.10")], "shipped", "alice"),   # Monday
    (date(2024, 1, 7), [("bolt", "1", "2.00")], "shipped", "bob"),                            # Sunday
    (date(2024, 1, 8), [("bolt", "3", "2.00")], "shipped", "alice"),                          # Monday
    (date(2024, 3, 31), [("nut", "5", "1.00"), ("nut", "1.5", "0.75")], "shipped", "bob"),
    (date(2024, 4, 1), [("bolt", "4", "2.25")], "shipped", "alice"),
    (date(2024, 12, 31), [("nut", "7", "1.00")], "shipped", "bob"),
    (date(2025, 1, 1), [("bolt", "1", "3.00")], "confirmed", "alice"),
    (date(2024, 2, 29), [("bolt", "9", "2.00")], "cancelled", "bob"),
    (date(2024, 5, 5), [("nut", "2", "1.00")], "draft", "alice"),
]
PATHS = {"shipped": ("confirm", "ship"), "confirmed": ("confirm",), "cancelled": ("confirm", "cancel"),
         "draft": ()}


@dataclass
class Book:
    shop: Shop
    tokens: dict = field(default_factory=dict)
    actors: dict = field(default_factory=dict)
    orders: list = field(default_factory=list)       # the stored orders, with lines


def make_user(app, name, roles, *, admin=False):
    with get_db(app).transaction() as connection:
        user_id = identity.create_user(connection, name, "password-" + name, is_admin=admin,
                                       roles=[("inventory", role) for role in roles])
        token = identity.create_token(connection, name)
        actor = identity.active_actor(connection, user_id)
    return token, actor


@pytest.fixture
def book(app, shop):  # noqa: F811
    result = Book(shop)
    for name, roles in (("alice", ["sales"]), ("bob", ["sales"]), ("boss", ["manager"]),
                        ("keeper", ["warehouse"]), ("buyer", ["purchasing"])):
        result.tokens[name], result.actors[name] = make_user(app, name, roles)
    shop.receive(shop.main, [(shop.bolt, 100), (shop.nut, 100)])
    products = {"bolt": shop.bolt, "nut": shop.nut}
    for day, lines, state, seller in ORDERS:
        actor = result.actors[seller]
        order = shop.create("sales_order", actor=actor, customer=shop.customer["id"],
                            warehouse=shop.main["id"], date=day.isoformat(),
                            lines=[{"product": products[p]["id"], "qty": q, "price": price}
                                   for p, q, price in lines])
        for step in PATHS[state]:
            order = shop.move("sales_order", order, step, comment="test" if step == "cancel" else None)
        result.orders.append(shop.get("sales_order", order))
    return result
