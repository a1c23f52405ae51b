"""Fixtures for the storage, install and CLI tests: a database handle and sample apps."""
from __future__ import annotations

import copy

import pytest

from engine.db import get_db

SHOP = {
    "app": "shop",
    "version": "1.0.0",
    "label": {"en": "Shop", "zh": "商店"},
    "forms": [
        {"name": "customer", "title": "name", "fields": [
            {"name": "name", "type": "text", "required": True, "unique": True},
            {"name": "email", "type": "email"},
            {"name": "vip", "type": "boolean"},
        ]},
        {"name": "product", "title": "sku", "fields": [
            {"name": "sku", "type": "text", "required": True, "unique": True, "max_length": 40},
            {"name": "name", "type": "text", "required": True},
            {"name": "price", "type": "decimal", "scale": 2},
            {"name": "category", "type": "select", "options": ["food", "tools"], "index": True},
        ]},
        {"name": "sales_order", "title": "number", "fields": [
            {"name": "number", "type": "autonumber", "pattern": "SO-{seq:4}"},
            {"name": "customer", "type": "link", "form": "customer", "required": True},
            {"name": "owner", "type": "user"},
            {"name": "note", "type": "textarea"},
            {"name": "lines", "type": "subform", "fields": [
                {"name": "product", "type": "link", "form": "product", "required": True},
                {"name": "qty", "type": "decimal", "scale": 3, "required": True},
                {"name": "price", "type": "decimal", "scale": 2},
                {"name": "amount", "type": "decimal", "scale": 2, "formula": "qty * price"},
            ]},
            {"name": "total", "type": "decimal", "scale": 2, "formula": "sum(lines.amount)"},
        ], "workflow": {"initial": "draft", "states": ["draft", "done"],
                        "transitions": [{"name": "finish", "from": ["draft"], "to": "done"}]}},
        {"name": "stock", "unique": [["product", "location"]], "fields": [
            {"name": "product", "type": "link", "form": "product", "required": True},
            {"name": "location", "type": "text", "required": True, "max_length": 50},
            {"name": "on_hand", "type": "decimal", "scale": 3, "default": 0},
        ]},
    ],
}


@pytest.fixture
def database(app):
    return get_db(app)


@pytest.fixture
def shop():
    """A fresh, mutable copy of the sample app definition."""
    return copy.deepcopy(SHOP)
