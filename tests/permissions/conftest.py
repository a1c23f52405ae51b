"""Worlds for permission tests: an app installed, one user per role (plus one
with no role), and seed data whose hidden values are recognisable sentinels,
so a test can assert they never appear in any answer."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text, update

from engine.db import get_db
from engine.definitions.loader import load_definition
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.storage.install import install_app
from engine.storage.system import users
from tests.api.conftest import ApiClient, make_user

PERM_APP = Path(__file__).with_name("perm_app.json")
NOBODY = "nobody"                 # a user without any role in the app
SENTINELS = {                     # (form, field) -> a value that appears nowhere else
    ("product", "cost_price"): "4321.99",
    ("ticket", "note"): "NOTE-SENTINEL-7f3",
    ("ticket", "moves"): "777.125",
    ("bin", "qty"): "1554.25",      # bin B: two moves of 777.125
    ("ticket", "total"): "777.125",
}


class World:
    """One installed app, its raw definition, users per role and seeded records."""

    def __init__(self, app, client, name: str, source: Path):
        self.app, self.client, self.name = app, client, name
        install_app(get_db(app), source)
        self.definition = load_definition(source)
        self.forms = {f["name"]: f for f in self.definition["forms"]}
        self.admin = self.user("admin", admin=True)
        self.clients = {role["name"]: self.user(f"u_{role['name']}", roles=[role["name"]])
                        for role in self.definition.get("roles", [])}
        self.clients[NOBODY] = self.user("u_nobody")
        self.counter = 0

    def user(self, username, *, admin=False, roles=(), attributes=None) -> ApiClient:
        token = make_user(self.app, username, admin=admin, roles=[(self.name, r) for r in roles])
        with get_db(self.app).transaction() as connection:
            user = identity.find_user(connection, username)
            connection.execute(update(users).where(users.c.id == user["id"])
                               .values(attributes=attributes or {"region": "north"}))
        client = ApiClient(self.client, token)
        client.user_id, client.username = user["id"], username
        return client

    def url(self, form, record_id=None, suffix="") -> str:
        base = f"/apps/{self.name}/forms/{form}/records"
        return base + (f"/{record_id}" if record_id else "") + suffix

    def create(self, form, values, client=None) -> dict:
        response = (client or self.admin).post(self.url(form), json=values)
        assert response.status_code == 201, (form, response.get_json())
        return response.get_json()

    def unique(self, prefix="v") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def all(self, form) -> list[dict]:
        """Every record of `form` as the administrator reads it (full records)."""
        items = self.admin.get(self.url(form), query_string={"limit": 500}).get_json()["items"]
        return [self.admin.get(self.url(form, item["id"])).get_json() for item in items]


# ------------------------------------------------------------------ seeds
def seed_orders(world: World) -> None:
    customers = [world.create("customer", {"name": n}) for n in ("ACME", "Globex")]
    products = [world.create("product", {"sku": f"P{i}", "name": f"Product {i}", "unit_price": 10 + i,
                                         "cost_price": 4321.99}) for i in range(2)]
    warehouses = [world.create("warehouse", {"code": f"W{i}", "name": f"Warehouse {i}"}) for i in range(2)]
    stock = world.create("stock", {"product": products[0]["id"], "warehouse": warehouses[0]["id"]})
    with get_db(world.app).transaction() as connection:   # an opening balance (no receipts in this app)
        connection.execute(text("UPDATE orders__stock SET on_hand = 100 WHERE id = :id"), {"id": stock["id"]})
    order = {"customer": customers[0]["id"], "warehouse": warehouses[0]["id"],
             "lines": [{"product": products[0]["id"], "qty": 2}]}
    shipped = world.create("sales_order", order)
    for step in ("confirm", "ship"):
        response = world.admin.post(world.url("sales_order", shipped["id"], f"/transitions/{step}"), json={})
        assert response.status_code == 200, response.get_json()
    for role in ("sales", "manager"):
        world.create("sales_order", order, world.clients[role])
    world.create("sales_order", dict(order, customer=customers[1]["id"]))


def seed_perm(world: World) -> None:
    keeper = world.clients["keeper"].user_id
    sites = [world.create("site", {"name": "Site A", "keeper": keeper}), world.create("site", {"name": "Site B"})]
    secret = world.create("secret", {"code": "S-1"})
    bins = [world.create("bin", {"label": f"Bin {s['name'][-1]}", "site": s["id"]}) for s in sites]
    for region, priority, site, bin_ in (("north", 1, sites[0], bins[0]), ("south", 2, sites[1], bins[1]),
                                         ("north", 3, sites[1], bins[1])):
        ticket = world.create("ticket", {
            "subject": f"{region} {priority}", "region": region, "priority": priority,
            "note": "first note", "secret": secret["id"], "site": site["id"], "bin": bin_["id"]})
        patch = {"note": "NOTE-SENTINEL-7f3", "moves": [{"bin": bin_["id"], "qty": 777.125}]}
        response = world.admin.patch(world.url("ticket", ticket["id"]), json=patch)
        assert response.status_code == 200, response.get_json()
    world.create("ticket", {"subject": "by clerk", "region": "north"}, world.clients["clerk"])


SEEDS = {"orders": seed_orders, "perm": seed_perm}


@pytest.fixture(params=["orders", "perm"])
def world(request, app, client):
    name = request.param
    source = bundled_app_path("orders") if name == "orders" else PERM_APP
    built = World(app, client, name, source)
    SEEDS[name](built)
    return built


@pytest.fixture
def perm_world(app, client):
    built = World(app, client, "perm", PERM_APP)
    seed_perm(built)
    return built


@pytest.fixture
def orders_world(app, client):
    built = World(app, client, "orders", bundled_app_path("orders"))
    seed_orders(built)
    return built


@pytest.fixture
def orders_app(app):
    install_app(get_db(app), bundled_app_path("orders"))
    return app
