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

    def move(self, form, record, name, actor=SYSTEM, comment=None, **values):
        return self.service.transition("inventory", form, record["id"], name, values, actor=actor,
                                       comment=comment)

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
