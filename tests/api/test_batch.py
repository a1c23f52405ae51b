"""POST /api/v1/apps/{app}/batch (DESIGN §7.6): up to 500 operations through the
record service in one transaction, all or nothing."""
from __future__ import annotations

import json

from sqlalchemy import select

from engine.db import get_db
from engine.runtime.audit import change_log
from tests.api.conftest import ApiClient, make_user

BATCH = "/apps/orders/batch"
CUSTOMERS = "/apps/orders/forms/customer/records"


def log_rows(app, **where):
    conditions = [getattr(change_log.c, k) == v for k, v in where.items()]
    with get_db(app).read() as connection:
        return connection.execute(select(change_log.c.tx_id, change_log.c.action, change_log.c.record_id)
                                  .where(*conditions).order_by(change_log.c.id)).all()


def customers(api):
    return api.get(CUSTOMERS + "?limit=500").get_json()["items"]


def create(name, **extra):
    return {"method": "POST", "form": "customer", "body": {"name": name, **extra}}


def test_a_batch_of_500_creates_answers_every_record_in_order(api, orders_app):
    response = api.post(BATCH, json={"operations": [create(f"C{i:03}") for i in range(500)]})
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [201] * 500
    assert [r["body"]["name"] for r in results] == [f"C{i:03}" for i in range(500)]
    assert len(customers(api)) == 500
    rows = log_rows(orders_app, form="customer")
    assert len(rows) == 500 and len({tx for tx, _, _ in rows}) == 1      # one transaction


def test_operations_of_every_kind_and_refs_to_earlier_records(api, orders_app, master_data):
    product, warehouse = master_data["products"][0], master_data["warehouses"][0]
    old = master_data["customers"][0]
    response = api.post(BATCH, json={"operations": [
        {"method": "POST", "form": "customer", "ref": "c", "body": {"name": "New"}},
        {"method": "PATCH", "form": "customer", "id": {"ref": "c"}, "body": {"contact": "Li", "version": 1}},
        {"method": "POST", "form": "sales_order", "ref": "o", "body": {
            "customer": {"ref": "c"}, "warehouse": warehouse["id"],
            "lines": [{"product": product["id"], "qty": 2}]}},
        {"method": "POST", "form": "sales_order", "id": {"ref": "o"}, "transition": "confirm",
         "body": {"comment": "ok"}},
        {"method": "DELETE", "form": "customer", "id": old["id"]},
    ]})
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [201, 200, 201, 200, 204]
    new_id = results[0]["body"]["id"]
    assert results[1]["body"] == {**results[1]["body"], "id": new_id, "contact": "Li", "version": 2}
    assert results[2]["body"]["customer"] == new_id
    assert results[2]["body"]["total"] == 20
    assert results[3]["body"]["status"] == "confirmed"
    assert results[4]["body"] is None
    assert api.get(f"{CUSTOMERS}/{old['id']}").status_code == 404
    history = api.get(f"/apps/orders/forms/sales_order/records/{results[2]['body']['id']}/history").get_json()
    assert [e["action"] for e in history["items"]] == ["transition", "create"]


def test_501_operations_are_400_and_write_nothing(api, orders_app):
    response = api.post(BATCH, json={"operations": [create(f"C{i}") for i in range(501)]})
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "operations"
    assert customers(api) == []


def test_an_unknown_form_in_operation_7_names_it_and_writes_nothing(api, orders_app):
    operations = [create(f"C{i}") for i in range(10)]
    operations[7] = {"method": "POST", "form": "nonsense", "body": {"name": "x"}}
    response = api.post(BATCH, json={"operations": operations})
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["index"] == 7 and error["code"] == "not_found"
    assert customers(api) == [] and log_rows(orders_app) == []


def test_the_first_failing_operation_answers_with_its_status(api, orders_app, master_data):
    customer = master_data["customers"][0]
    operations = [create("A"), {"method": "PATCH", "form": "customer", "id": customer["id"],
                                "body": {"name": "B", "version": 7}}, create("")]
    response = api.post(BATCH, json={"operations": operations})
    assert response.status_code == 409
    assert response.get_json()["error"]["index"] == 1
    invalid = api.post(BATCH, json={"operations": [create("A"), create("B", email="not-an-email")]})
    assert invalid.status_code == 422
    error = invalid.get_json()["error"]
    assert error["index"] == 1 and error["details"][0]["field"] == "email"
    assert [c["name"] for c in customers(api)] == ["Globex", "ACME"]


def test_malformed_operations_are_400_naming_their_place(api, orders_app):
    cases = [
        ({"method": "PUT", "form": "customer"}, "operations[1].method"),
        ({"method": "POST", "form": "customer", "color": 1}, "operations[1].color"),
        ({"method": "PATCH", "form": "customer", "body": {}}, "operations[1].id"),
        ({"method": "POST", "form": "customer", "id": 3, "body": {"name": "x"}}, "operations[1].id"),
        ({"method": "DELETE", "form": "customer", "id": {"ref": "nope"}}, "operations[1].id"),
        ({"method": "POST", "form": "customer", "body": [1]}, "operations[1].body"),
        ("POST", "operations[1]"),
    ]
    for operation, place in cases:
        response = api.post(BATCH, json={"operations": [create("A"), operation]})
        assert response.status_code == 400, (operation, response.get_json())
        error = response.get_json()["error"]
        assert error["index"] == 1 and error["details"][0]["field"] == place, (operation, error)
    for body in ({"operations": []}, {"operations": "x"}, {"ops": []}, {}):
        assert api.post(BATCH, json=body).status_code == 400, body
    assert customers(api) == []


def test_unknown_fields_in_a_body_are_refused_as_in_single_writes(api, orders_app):
    response = api.post(BATCH, json={"operations": [create("A", colour="red")]})
    assert response.status_code == 400
    assert response.get_json()["error"]["index"] == 0


def test_permissions_apply_to_each_operation(client, orders_app, admin_token):
    warehouse_user = ApiClient(client, make_user(orders_app, "wendy", roles=[("orders", "warehouse")]))
    response = warehouse_user.post(BATCH, json={"operations": [create("A")]})
    assert response.status_code == 403
    assert response.get_json()["error"]["index"] == 0


def test_a_body_over_batch_max_bytes_is_413(api, orders_app):
    orders_app.config["BATCH_MAX_BYTES"] = 2000
    response = api.post(BATCH, json={"operations": [create("x" * 100) for _ in range(30)]})
    assert response.status_code == 413
    assert customers(api) == []


def test_bodies_over_one_megabyte_are_fine_within_batch_max_bytes(api, orders_app):
    body = json.dumps({"operations": [create("A")]}) + " " * 1_200_000     # JSON allows the spaces
    response = api.post(BATCH, data=body, content_type="application/json")
    assert response.status_code == 200, response.get_json()
    single = api.post(CUSTOMERS, data=json.dumps({"name": "B"}) + " " * 1_200_000, content_type="application/json")
    assert single.status_code == 413


def test_a_repeated_batch_with_its_key_writes_once(api, orders_app):
    body = {"operations": [create("A"), create("B")]}
    first = api.post(BATCH, json=body, headers={"Idempotency-Key": "batch-1"})
    again = api.post(BATCH, json=body, headers={"Idempotency-Key": "batch-1"})
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data()
    assert len(customers(api)) == 2 and len(log_rows(orders_app)) == 2


def test_a_failed_check_names_the_operation_that_tripped_it(api, orders_app, master_data):
    product, warehouse = master_data["products"][0], master_data["warehouses"][0]
    order = {"method": "POST", "form": "sales_order", "ref": "o", "body": {
        "customer": master_data["customers"][0]["id"], "warehouse": warehouse["id"],
        "lines": [{"product": product["id"], "qty": 5}]}}
    response = api.post(BATCH, json={"operations": [
        order, create("Z"),
        {"method": "POST", "form": "sales_order", "id": {"ref": "o"}, "transition": "confirm"},
        {"method": "POST", "form": "sales_order", "id": {"ref": "o"}, "transition": "ship"},
        create("Y")]})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["index"] == 3 and error["code"] == "validation_failed"
    assert error["details"][0]["message"].startswith("Insufficient stock")
    assert error["details"][0]["rules"] == ["Shipped sales lines decrement stock"]
    assert log_rows(orders_app, form="sales_order") == [] and len(customers(api)) == 2
