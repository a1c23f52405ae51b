"""The mini stock app (tests/rules/mini_app.json) installed, with helpers that
read like the seed's scenarios."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.db import get_db
from engine.runtime.actor import SYSTEM
from engine.runtime.records.service import get_record_service
from engine.storage.install import install_app

MINI_APP = Path(__file__).with_name("mini_app.json")


class Mini:
    """Write through the record service; read stock as Decimals."""

    def __init__(self, app):
        self.app = app
        self.service = get_record_service(app)
        self.actor = SYSTEM

    def create(self, form, **values):
        return self.service.create("mini", form, values, actor=self.actor)

    def update(self, form, record, **values):
        return self.service.update("mini", form, record["id"], values, actor=self.actor)

    def delete(self, form, record):
        self.service.delete("mini", form, record["id"], actor=self.actor)

    def get(self, form, record_id):
        return self.service.get("mini", form, record_id, actor=self.actor)

    def history(self, form, record):
        return self.service.history("mini", form, record["id"], actor=self.actor)

    def restore(self, form, record, entry_id):
        return self.service.restore("mini", form, record["id"], entry_id, actor=self.actor)

    def stock(self, product, warehouse, field="on_hand"):
        rows = self.service.list("mini", "stock", actor=self.actor,
                                 filter=f"product == {product['id']} and warehouse == {warehouse['id']}").items
        return Decimal(str(rows[0][field])) if rows else Decimal(0)

    def all(self, form):
        return self.service.list("mini", form, actor=self.actor, limit=500).items

    def order(self, form, warehouse, lines, **values):
        return self.create(form, warehouse=warehouse["id"],
                           lines=[{"product": p["id"], "qty": q} for p, q in lines], **values)


@pytest.fixture
def mini(app):
    install_app(get_db(app), MINI_APP)
    return Mini(app)


@pytest.fixture
def goods(mini):
    """Two products and two warehouses; 100 of each product received in W1."""
    products = [mini.create("product", sku=f"P{i}", name=f"Product {i}", min_stock=10, max_stock=200)
                for i in (1, 2)]
    warehouses = [mini.create("warehouse", code=code) for code in ("W1", "W2")]
    mini.order("purchase_receipt", warehouses[0], [(p, 100) for p in products], status="received")
    return products, warehouses
