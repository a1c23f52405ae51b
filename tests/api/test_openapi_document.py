"""The OpenAPI document describes every answer and body fully (DESIGN §7.6):
no array without items, no object without its shape, one Error schema whose
code enum holds every code, Idempotency-Key on every write, unique operation ids."""
from __future__ import annotations

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.storage.install import install_app


def walk(node, path="#"):
    """Every schema-like dict in the document with its JSON pointer."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}/{index}")


def types(schema) -> set:
    kind = schema.get("type")           # (a `properties` map may hold a field named "type")
    if isinstance(kind, list):
        return set(kind)
    return {kind} if isinstance(kind, str) else set()


def test_every_array_has_items_and_every_object_its_shape(api, orders_app):
    install_app(get_db(orders_app), bundled_app_path("inventory"))
    document = api.get("/openapi.json").get_json()
    assert len(document["paths"]) > 150
    untyped = []
    for path, schema in walk(document):
        if "array" in types(schema) and "items" not in schema and "prefixItems" not in schema:
            untyped.append(f"{path}: array without items")
        if "object" in types(schema) and "properties" not in schema and "additionalProperties" not in schema:
            untyped.append(f"{path}: object without properties")
    assert not untyped, "\n".join(untyped)


def test_one_error_schema_with_every_code(api):
    document = api.get("/openapi.json").get_json()
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    codes = set(error["properties"]["code"]["enum"])
    assert {"bad_request", "unauthorized", "forbidden", "csrf_failed", "not_found", "conflict", "duplicate",
            "payload_too_large", "validation_failed", "confirmation_required", "idempotency_key_reused",
            "idempotency_key_in_progress", "internal_error"} <= codes
    assert "index" in error["properties"] and "index" not in error["required"]
    for item in document["paths"].values():
        for operation in item.values():
            for status in ("400", "401", "403", "404", "409", "422"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] in (
                    {"$ref": "#/components/schemas/Error"},
                    {"oneOf": [{"$ref": "#/components/schemas/ImportReport"},
                               {"$ref": "#/components/schemas/Error"}]})


def test_writes_take_an_idempotency_key_and_operation_ids_are_unique(api):
    document = api.get("/openapi.json").get_json()
    ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            ids.append(operation["operationId"])
            names = [p["name"] for p in operation["parameters"]]
            assert ("Idempotency-Key" in names) == (method in ("post", "patch", "delete")), (method, path)
    assert len(ids) == len(set(ids))
    paths = document["paths"]
    assert "post" in paths["/apps/orders/batch"]
    assert "/apps/orders/forms/customer/records/deleted" in paths
    assert "/apps/orders/forms/customer/records/import" in paths
    assert "/notifications/read-all" in paths
    history = paths["/apps/orders/forms/customer/records/{record_id}/history"]["get"]
    assert history["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HistoryPage"}


def test_a_create_body_leaves_fields_the_engine_fills_optional(api):
    schemas = api.get("/openapi.json").get_json()["components"]["schemas"]
    order = schemas["orders.sales_order.create"]
    assert "date" not in order["required"]                  # default_expr today()
    assert set(order["required"]) == {"customer", "warehouse"}
    assert order["properties"]["lines"]["items"]["required"] == ["product", "qty"]   # price is filled from product
