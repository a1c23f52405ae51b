"""The inventory app with four weeks of shipped sales of two products, written
through the record service: bolts sell on a weekly rhythm and run low, nuts
are well stocked. Users per role with API tokens and a password."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.db import get_db
from engine.runtime import identity
from tests.inventory.conftest import shop  # noqa: F401  (the inventory app with master data)

FIRST_DAY = date(2026, 6, 1)                  # a Monday
DAYS = 28
BOLTS = [12, 10, 9, 8, 11, 3, 2]              # per weekday, Monday first
NUTS = [4, 4, 3, 3, 4, 1, 1]
PASSWORD = "password-forecast"


@pytest.fixture
def sales_history(shop, monkeypatch):  # noqa: F811
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    bolts = sum(BOLTS) * DAYS // 7
    shop.receive(shop.main, [(shop.bolt, bolts + 15), (shop.nut, 500)])
    for n in range(DAYS):
        day = FIRST_DAY + timedelta(days=n)
        order = shop.document("sales_order", shop.main,
                              [(shop.bolt, BOLTS[n % 7]), (shop.nut, NUTS[n % 7])],
                              customer=shop.customer["id"], date=day.isoformat())
        shop.move("sales_order", order, "confirm")
        shop.move("sales_order", order, "ship")
    shop.tokens = {}
    with get_db(shop.app).transaction() as connection:
        for name, roles, admin in (("admin", [], True), ("buyer", ["purchasing"], False),
                                   ("seller", ["sales"], False), ("boss", ["manager"], False),
                                   ("nobody", [], False)):
            identity.create_user(connection, name, PASSWORD, is_admin=admin,
                                 roles=[("inventory", role) for role in roles])
            shop.tokens[name] = identity.create_token(connection, name)
    return shop
