"""Designer fixtures: users with and without the designer right, a signed-in
client, and a small valid definition to start from."""
from __future__ import annotations

import copy

import pytest

from engine.db import get_db
from engine.runtime import identity

PASSWORD = "password-123"

SHOP = {
    "app": "shop",
    "version": "1.0.0",
    "label": {"en": "Shop", "zh": "商店"},
    "roles": [{"name": "clerk", "label": {"en": "Clerk", "zh": "店员"}}],
    "forms": [
        {"name": "product", "label": {"en": "Product", "zh": "商品"}, "title": "name",
         "fields": [{"name": "name", "type": "text", "required": True, "unique": True},
                    {"name": "price", "type": "decimal", "scale": 2}],
         "permissions": {"clerk": {"read": True, "create": True, "update": True}}},
    ],
}


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def shop_definition():
    return copy.deepcopy(SHOP)


@pytest.fixture
def users(app):
    from engine.designer.access import DESIGNER_RIGHT
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "root", PASSWORD, is_admin=True)
        identity.create_user(connection, "dana", PASSWORD, roles=[DESIGNER_RIGHT])
        identity.create_user(connection, "carl", PASSWORD)
        return {name: identity.actor_for_user(connection, identity.find_user(connection, name))
                for name in ("root", "dana", "carl")}


@pytest.fixture
def db(app):
    return get_db(app)


def sign_in(client, username: str):
    client.post("/login", data={"username": username, "password": PASSWORD})
    return client


@pytest.fixture
def designer_client(app, users):
    app.config["WTF_CSRF_ENABLED"] = False
    return sign_in(app.test_client(), "dana")
