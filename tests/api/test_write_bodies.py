"""Write bodies (DESIGN §7.1): what a client may send back, what it may not set,
unknown keys, and a duplicate unique value told apart from a stale version.

Through HTTP on a real database (SQLite and PostgreSQL), as an administrator
and as a restricted role (the orders example's sales user).
"""
from __future__ import annotations

import threading

import pytest

from engine.runtime.records import integrity
from engine.runtime.records.service import get_record_service
from tests.api.conftest import ApiClient, make_user

ORDERS = "/apps/orders/forms/sales_order/records"
PRODUCTS = "/apps/orders/forms/product/records"
CUSTOMERS = "/apps/orders/forms/customer/records"
STOCK = "/apps/orders/forms/stock/records"
SYSTEM_KEYS = ("id", "created_at", "created_by", "updated_at", "updated_by")
CHANGED = {"id": 424242, "created_at": "2001-01-01T00:00:00.000Z", "created_by": 424242,
           "updated_at": "2001-01-01T00:00:00.000Z", "updated_by": 424242,
           "_titles": {"customer": "Someone else"}, "available_transitions": []}


@pytest.fixture
def sales(client, orders_app, admin_token):
    return ApiClient(client, make_user(orders_app, "sam", roles=[("orders", "sales")]))


def order_body(master_data, **values):
    return {"customer": master_data["customers"][0]["id"], "warehouse": master_data["warehouses"][0]["id"],
            "lines": [{"product": master_data["products"][0]["id"], "qty": 2}], **values}


def new_order(api, master_data):
    response = api.post(ORDERS, json=order_body(master_data))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def details(response) -> dict:
    return {d["field"]: d for d in response.get_json()["error"]["details"]}


# ------------------------------------------------------------ sent back unchanged
@pytest.mark.parametrize("who", ["api", "sales"])
def test_a_record_as_read_and_a_list_item_as_listed_go_back_unchanged(request, master_data, who):
    desk = request.getfixturevalue(who)
    order = new_order(desk, master_data)
    read = desk.get(f"{ORDERS}/{order['id']}").get_json()
    assert {"id", "version", "created_at", "created_by", "updated_at", "updated_by",
            "available_transitions"} <= set(read)
    again = desk.patch(f"{ORDERS}/{order['id']}", json=read)
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == read                    # every key ignored: nothing written
    item = desk.get(ORDERS).get_json()["items"][0]
    assert item["_titles"] == {"customer": "ACME", "warehouse": "Warehouse W1"}
    listed = desk.patch(f"{ORDERS}/{order['id']}", json=item)
    assert listed.status_code == 200, listed.get_json()
    assert listed.get_json()["version"] == 1


@pytest.mark.parametrize("key", list(CHANGED))
def test_changing_a_system_or_answer_key_on_update_is_403_naming_it(api, master_data, key):
    order = new_order(api, master_data)
    read = api.get(f"{ORDERS}/{order['id']}").get_json()
    response = api.patch(f"{ORDERS}/{order['id']}", json={**read, key: CHANGED[key]})
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "forbidden"
    assert list(details(response)) == [key]
    assert api.get(f"{ORDERS}/{order['id']}").get_json() == read


def test_a_stale_version_in_the_body_stays_409_conflict_also_on_a_transition(api, master_data):
    order = new_order(api, master_data)
    assert api.patch(f"{ORDERS}/{order['id']}", json={"version": 1, "date": "2024-05-01"}).status_code == 200
    stale = api.patch(f"{ORDERS}/{order['id']}", json={"version": 1, "date": "2024-05-02"})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    moved = api.post(f"{ORDERS}/{order['id']}/transitions/confirm", json={"version": 1})
    assert moved.status_code == 409 and moved.get_json()["error"]["code"] == "conflict"
    assert api.get(f"{ORDERS}/{order['id']}").get_json()["status"] == "draft"
    current = api.post(f"{ORDERS}/{order['id']}/transitions/confirm", json={"version": 2})
    assert current.status_code == 200, current.get_json()


@pytest.mark.parametrize("key", ["version", *CHANGED])
def test_setting_a_system_or_answer_key_on_create_is_403_and_null_is_ignored(api, master_data, key):
    value = 7 if key == "version" else CHANGED[key]
    refused = api.post(ORDERS, json=order_body(master_data, **{key: value}))
    assert refused.status_code == 403, refused.get_json()
    assert list(details(refused)) == [key]
    assert api.get(ORDERS).get_json()["items"] == []
    accepted = api.post(ORDERS, json=order_body(master_data, **{key: None}))
    assert accepted.status_code == 201, accepted.get_json()


def test_inside_subform_rows_id_is_the_row_and_other_system_keys_are_refused(api, master_data):
    order = new_order(api, master_data)
    row = order["lines"][0]
    kept = api.patch(f"{ORDERS}/{order['id']}", json={"lines": [{**row, "qty": 5, "created_at": None}]})
    assert kept.status_code == 200, kept.get_json()
    assert [(r["id"], r["qty"]) for r in kept.get_json()["lines"]] == [(row["id"], 5)]
    row = kept.get_json()["lines"][0]
    refused = api.patch(f"{ORDERS}/{order['id']}", json={"lines": [{**row, "created_by": 3}]})
    assert refused.status_code == 403 and list(details(refused)) == ["lines[0].created_by"]
    unknown = api.patch(f"{ORDERS}/{order['id']}", json={"lines": [{**row, "colour": "red"}]})
    assert unknown.status_code == 400 and list(details(unknown)) == ["lines[0].colour"]


# ------------------------------------------------------------------ unknown keys
@pytest.mark.parametrize("who", ["api", "sales"])
def test_an_unknown_key_is_400_naming_it_for_every_role(request, master_data, who):
    desk = request.getfixturevalue(who)
    created = desk.post(ORDERS, json=order_body(master_data, colour="red", size=3))
    assert created.status_code == 400, created.get_json()
    assert created.get_json()["error"]["code"] == "bad_request"
    assert set(details(created)) == {"colour", "size"}
    order = new_order(desk, master_data)
    changed = desk.patch(f"{ORDERS}/{order['id']}", json={"colour": "red", "lines": [{"qty": 1, "tint": 2}]})
    assert changed.status_code == 400 and set(details(changed)) == {"colour", "lines[0].tint"}


# ------------------------------------------------------------------- duplicates
def assert_duplicate(response, expected: dict):
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "duplicate"
    assert {d["field"]: d["value"] for d in error["details"]} == expected
    assert all(d["message"] for d in error["details"])


@pytest.mark.parametrize("who", ["api", "sales"])
def test_a_duplicate_on_create_and_on_update_is_409_duplicate_naming_field_and_value(
        request, master_data, who):
    desk = request.getfixturevalue(who)
    assert_duplicate(desk.post(CUSTOMERS, json={"name": "ACME"}), {"name": "ACME"})
    other = desk.post(CUSTOMERS, json={"name": "Initech"}).get_json()
    assert_duplicate(desk.patch(f"{CUSTOMERS}/{other['id']}", json={"version": 1, "name": "Globex"}),
                     {"name": "Globex"})
    assert desk.get(f"{CUSTOMERS}/{other['id']}").get_json()["name"] == "Initech"


def test_a_duplicate_composite_key_names_both_fields(api, master_data):
    product, warehouse = master_data["products"][0]["id"], master_data["warehouses"][0]["id"]
    assert api.post(STOCK, json={"product": product, "warehouse": warehouse}).status_code == 201
    assert_duplicate(api.post(STOCK, json={"product": product, "warehouse": warehouse}),
                     {"product": product, "warehouse": warehouse})
    other = api.post(STOCK, json={"product": product, "warehouse": master_data["warehouses"][1]["id"]})
    assert_duplicate(api.patch(f"{STOCK}/{other.get_json()['id']}", json={"warehouse": warehouse}),
                     {"product": product, "warehouse": warehouse})


def test_when_the_database_finds_the_duplicate_it_is_the_same_answer(api, master_data, monkeypatch):
    # As if another transaction had inserted the value between the check and the
    # write: the unique constraint fires, and the answer still names field and value.
    monkeypatch.setattr(integrity, "check_unique", lambda *args: None)
    assert_duplicate(api.post(PRODUCTS, json={"sku": "P1", "name": "Again"}), {"sku": "P1"})
    product, warehouse = master_data["products"][0]["id"], master_data["warehouses"][0]["id"]
    assert api.post(STOCK, json={"product": product, "warehouse": warehouse}).status_code == 201
    assert_duplicate(api.post(STOCK, json={"product": product, "warehouse": warehouse}),
                     {"product": product, "warehouse": warehouse})
    customer = master_data["customers"][1]
    assert_duplicate(api.patch(f"{CUSTOMERS}/{customer['id']}", json={"name": "ACME"}), {"name": "ACME"})


def test_two_concurrent_creates_of_one_value_one_wins_the_other_is_duplicate(orders_app, api, master_data):
    """A real race: the first create holds its transaction open while the second
    one posts the same SKU. PostgreSQL lets the second check pass and its insert
    wait on the unique index until the first commits; SQLite queues the second
    writer. Either way the loser is 409 `duplicate`, not a 500 or `conflict`."""
    from engine.runtime.actor import SYSTEM
    service = get_record_service(orders_app)
    answers = {}
    inserted = threading.Event()

    def second():
        inserted.wait(10)
        answers["second"] = api.post(PRODUCTS, json={"sku": "RACE", "name": "Second"})
    thread = threading.Thread(target=second)
    thread.start()
    with service.unit_of_work("orders", SYSTEM) as session:
        session.create("product", {"sku": "RACE", "name": "First"})
        inserted.set()
        thread.join(0.5)           # the second create is now waiting on this transaction
    thread.join(30)
    assert_duplicate(answers["second"], {"sku": "RACE"})
    names = [p["name"] for p in api.get(PRODUCTS, query_string={"filter": "sku == 'RACE'"}).get_json()["items"]]
    assert names == ["First"]


def test_a_duplicate_in_an_import_names_row_column_and_value(api, master_data):
    from tests.transfer.conftest import to_csv, upload
    content = to_csv([["Name (name)"], ["Initech"], ["ACME"], ["Initech"]])
    response = upload(api, CUSTOMERS, content)
    assert response.status_code == 422, response.get_json()
    errors = [(e["row"], e["column"], e["message"]) for e in response.get_json()["errors"]]
    assert [(row, column) for row, column, _ in errors] == [(3, "Name (name)"), (4, "Name (name)")]
    assert "ACME" in errors[0][2] and "Initech" in errors[1][2]
    stock = to_csv([["product", "warehouse"], *[[master_data["products"][0]["id"],
                                                 master_data["warehouses"][0]["id"]]] * 2])
    response = upload(api, STOCK, stock, mode="skip")
    assert response.status_code == 200 and response.get_json()["created"] == 1
    assert {(e["row"], e["column"]) for e in response.get_json()["errors"]} == {(3, "product"), (3, "warehouse")}
