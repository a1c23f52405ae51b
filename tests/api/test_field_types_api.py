"""Every field type round-trips through the API with its JSON representation."""
from __future__ import annotations

from datetime import date

import pytest

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.storage.install import install_app

SAMPLES = "/apps/field_types/forms/sample/records"


@pytest.fixture
def field_api(api, orders_app):
    install_app(get_db(orders_app), bundled_app_path("examples/field_types"))
    return api


def test_every_field_type_round_trips(field_api):
    category = field_api.post("/apps/field_types/forms/category/records", json={"name": "Tools"}).get_json()
    body = {
        "title": "Hammer", "notes": "Line one\nLine two", "count": 7, "price": "12.3456",
        "active": False, "day": "2026-02-28", "moment": "2026-02-28T13:45:10.250+08:00",
        "colour": "blue", "tags": ["sale", "new"], "category": category["id"],
        "email": "a@example.com", "phone": "+86 10 1234 5678",
        "file": [{"name": "manual.pdf", "size": 1024, "content_type": "application/pdf"}],
        "items": [{"description": "head", "qty": 2, "price": 1.5}, {"description": "handle"}],
    }
    response = field_api.post(SAMPLES, json=body)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    expected = dict(body, price=12.3456, moment="2026-02-28T05:45:10.250Z")
    for key in ("title", "notes", "count", "price", "active", "day", "moment", "colour", "tags",
                "category", "email", "phone", "file"):
        assert record[key] == expected[key], key
    assert record["items"][0]["amount"] == 3.0
    assert record["items"][1]["qty"] == 1 and record["items"][1]["price"] == 12.35   # defaults
    assert record["total"] == 15.35
    assert record["owner"] is not None                      # default_expr user.id
    assert record["code"].startswith(f"S{date.today():%y%m%d}-")
    assert field_api.get(f"{SAMPLES}/{record['id']}").get_json() == record


def test_defaults_apply_when_fields_are_left_out(field_api):
    record = field_api.post(SAMPLES, json={"title": "Plain"}).get_json()
    assert (record["count"], record["active"], record["colour"]) == (1, True, "red")
    assert record["day"] == date.today().isoformat()
    assert record["tags"] is None and record["items"] == [] and record["total"] == 0


@pytest.mark.parametrize("field, value", [
    ("count", 1001), ("count", -1), ("count", 1.5), ("count", True), ("price", "abc"),
    ("price", -1), ("active", "maybe"), ("day", "2026-02-30"), ("moment", "yesterday"),
    ("colour", "purple"), ("tags", ["new", "old"]), ("tags", "x,y"), ("category", 0),
    ("email", "not-an-email"), ("phone", "call me"), ("title", "<b>"), ("title", "x" * 81),
    ("file", "string"), ("notes", "x" * 4001),
])
def test_invalid_values_are_422_at_the_field(field_api, field, value):
    response = field_api.post(SAMPLES, json={"title": "Valid", field: value})
    assert response.status_code == 422, (field, value, response.get_json())
    assert any((d["field"] or "").startswith(field) for d in response.get_json()["error"]["details"])


def test_required_fields_are_reported_together(field_api):
    response = field_api.post(SAMPLES, json={"items": [{"qty": 2}]})
    assert response.status_code == 422
    fields = {d["field"] for d in response.get_json()["error"]["details"]}
    assert {"title", "items[0].description"} <= fields
