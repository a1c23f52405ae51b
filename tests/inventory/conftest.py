"""The bundled inventory app (进销存) installed, with a small cast of master data."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.runtime.actor import SYSTEM
from engine.runtime.records.service import get_record_service
from engine.storage.install import install_app


class Shop:
    """Documents written through the record service, the way the seed tells them."""

    def __init__(self, app):
        self.app = app
        self.service = get_record_service(app)

    def create(self, form, actor=SYSTEM, **values):
        return self.service.create("inventory", form, values, actor=actor)

    def update(self, form, record, actor=SYSTEM, **values):
        return self.service.update("inventory", form, record["id"], values, actor=actor)

    def move(self, form, record, name, actor=SYSTEM, comment=None, confirm=False, **values):
        return self.service.transition("inventory", form, record["id"], name, values, actor=actor,
                                       comment=comment, confirm=confirm)

    def get(self, form, record):
        return self.service.get("inventory", form, record["id"], actor=SYSTEM)

    def all(self, form, filter=None):
        return self.service.list("inventory", form, actor=SYSTEM, filter=filter, limit=500).items

    def stock(self, product, warehouse, field="on_hand"):
        rows = self.all("stock", f"product == {product['id']} and warehouse == {warehouse['id']}")
        return Decimal(str(rows[0][field])) if rows else Decimal(0)

    def document(self, form, warehouse, lines, **values):
        return self.create(form, warehouse=warehouse["id"],
                           lines=[{"product": p["id"], "qty": q} for p, q in lines], **values)

    def receive(self, warehouse, lines, supplier=None, **values):
        receipt = self.document("purchase_receipt", warehouse, lines,
                                supplier=(supplier or self.supplier)["id"], **values)
        return self.move("purchase_receipt", receipt, "receive")


@pytest.fixture
def shop(app):
    install_app(get_db(app), bundled_app_path("inventory"))
    shop = Shop(app)
    shop.supplier = shop.create("supplier", name="华东五金", lead_time_days=5)
    shop.customer = shop.create("customer", name="ACME")
    shop.main, shop.branch = (shop.create("warehouse", code=c, name=n)
                              for c, n in (("SH", "上海仓"), ("BJ", "北京仓")))
    shop.bolt = shop.create("product", sku="B-1", name="螺栓", unit_price=2, cost_price=1,
                            min_stock=20, max_stock=200, supplier=shop.supplier["id"])
    shop.nut = shop.create("product", sku="N-1", name="螺母", unit_price=1, cost_price=0.5,
                           min_stock=0, max_stock=0)
    return shop


# ------------------------------------------------------------------ REST API
FORMS = "/apps/inventory/forms"
ROLES = ("manager", "sales", "purchasing", "warehouse")


class Desk:
    """One person at their desk: the REST API with their own token."""

    def __init__(self, client, token: str):
        from tests.api.conftest import ApiClient
        self.api = ApiClient(client, token)

    @staticmethod
    def url(form, record=None, suffix=""):
        record_id = record["id"] if isinstance(record, dict) else record
        return f"{FORMS}/{form}/records" + (f"/{record_id}" if record_id is not None else "") + suffix

    def add(self, form, **values):
        return self.api.post(self.url(form), json=values)

    def new(self, form, **values):
        response = self.add(form, **values)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def read(self, form, record, suffix=""):
        return self.api.get(self.url(form, record, suffix))

    def change(self, form, record, **values):
        return self.api.patch(self.url(form, record), json=values)

    def remove(self, form, record):
        return self.api.delete(self.url(form, record))

    def take(self, form, record, name, comment=None, confirm=None):
        body = {"comment": comment} if comment else {}
        if confirm is not None:
            body["confirm"] = confirm
        return self.api.post(self.url(form, record, f"/transitions/{name}"), json=body)

    def move(self, form, record, name, comment=None, confirm=None):
        response = self.take(form, record, name, comment, confirm)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def find(self, form, filter=None):
        response = self.api.get(self.url(form), query_string={"filter": filter, "limit": 200} if filter
                                else {"limit": 200})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    def listing(self, form):
        return self.api.get(self.url(form))


class Office:
    """The inventory app behind its REST API, one desk per role, and the
    master data of the seed's examples."""

    def __init__(self, app, client):
        self.app = app
        self.desks = {}
        for name, admin, roles, language in (
                ("admin", True, [], None), ("manager", False, ["manager"], "zh"),
                ("sales", False, ["sales"], "zh"), ("sales2", False, ["sales"], None),
                ("purchasing", False, ["purchasing"], None), ("warehouse", False, ["warehouse"], "zh")):
            self.desks[name] = Desk(client, _user(app, name, admin, roles, language))
        self.__dict__.update(self.desks)
        admin = self.admin
        self.supplier = admin.new("supplier", name="华东五金", lead_time_days=5)
        self.customer = admin.new("customer", name="ACME")
        self.main = admin.new("warehouse", code="SH", name="上海仓")
        self.branch = admin.new("warehouse", code="BJ", name="北京仓")
        self.bolt = admin.new("product", sku="B-1", name="螺栓", unit_price=2, cost_price=1,
                              min_stock=20, max_stock=200, supplier=self.supplier["id"])
        self.nut = admin.new("product", sku="N-1", name="螺母", unit_price=1, cost_price=0.5)

    def stock(self, product, warehouse, field="on_hand"):
        rows = self.admin.find("stock", f"product == {product['id']} and warehouse == {warehouse['id']}")
        return rows[0][field] if rows else 0

    def levels(self, product, warehouse):
        """(on_hand, reserved, available, incoming)"""
        return tuple(self.stock(product, warehouse, f)
                     for f in ("on_hand", "reserved", "available", "incoming"))

    def lines(self, *pairs):
        return [{"product": product["id"], "qty": qty} for product, qty in pairs]

    def receive(self, warehouse, *pairs):
        """The warehouse books goods in (a receipt without a purchase order)."""
        receipt = self.warehouse.new("purchase_receipt", supplier=self.supplier["id"],
                                     warehouse=warehouse["id"], lines=self.lines(*pairs))
        return self.warehouse.move("purchase_receipt", receipt, "receive")

    def sales_order(self, *pairs, desk=None, warehouse=None):
        return (desk or self.sales).new("sales_order", customer=self.customer["id"],
                                        warehouse=(warehouse or self.main)["id"], lines=self.lines(*pairs))


def _user(app, name, admin, roles, language):
    from engine.runtime import identity
    with get_db(app).transaction() as connection:
        identity.create_user(connection, name, "password-" + name, is_admin=admin,
                             roles=[("inventory", role) for role in roles], language=language)
        return identity.create_token(connection, name)


@pytest.fixture
def office(app, client):
    install_app(get_db(app), bundled_app_path("inventory"))
    return Office(app, client)
