"""The record endpoints of DESIGN §5, end to end through HTTP on a real database."""
from __future__ import annotations

from datetime import date

import pytest

ORDERS = "/apps/orders/forms/sales_order/records"
PRODUCTS = "/apps/orders/forms/product/records"


def new_order(api, master_data, lines, **values):
    body = {"customer": master_data["customers"][0]["id"],
            "warehouse": master_data["warehouses"][0]["id"],
            "lines": lines, **values}
    return api.post(ORDERS, json=body)


def test_create_fills_prices_computes_amounts_and_total(api, master_data):
    p0, p1, _ = master_data["products"]
    response = new_order(api, master_data, [{"product": p0["id"], "qty": 3},
                                            {"product": p1["id"], "qty": "2.5", "price": 4}])
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert [row["price"] for row in order["lines"]] == [10.0, 4.0]     # filled, then overridden
    assert [row["amount"] for row in order["lines"]] == [30.0, 10.0]
    assert order["total"] == 40.0
    assert order["version"] == 1 and order["status"] == "draft"
    assert order["number"].startswith(f"SO{date.today():%Y%m}-")
    assert order["date"] == date.today().isoformat()
    assert all(isinstance(row["id"], int) for row in order["lines"])
    assert response.headers["Location"].endswith(f"{ORDERS}/{order['id']}")
    assert api.get(f"{ORDERS}/{order['id']}").get_json() == order


def test_autonumbers_increase_per_form(api, master_data):
    line = [{"product": master_data["products"][0]["id"], "qty": 1}]
    numbers = [new_order(api, master_data, line).get_json()["number"] for _ in range(3)]
    assert [int(n[-4:]) for n in numbers] == [1, 2, 3]


def test_patch_diffs_subform_rows(api, master_data):
    p0, p1, p2 = master_data["products"]
    order = new_order(api, master_data, [{"product": p0["id"], "qty": 1},
                                         {"product": p1["id"], "qty": 2}]).get_json()
    first, second = order["lines"]
    response = api.patch(f"{ORDERS}/{order['id']}", json={
        "version": 1,
        "lines": [{"id": second["id"], "qty": 5}, {"product": p2["id"], "qty": 1}]})
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert [row["id"] for row in updated["lines"]][0] == second["id"]      # kept and reordered
    assert first["id"] not in [row["id"] for row in updated["lines"]]      # left out: deleted
    assert updated["lines"][0]["amount"] == 12.5 and updated["lines"][1]["price"] == 99.99
    assert updated["total"] == 112.49 and updated["version"] == 2


def test_stale_version_is_a_conflict_and_changes_nothing(api, master_data):
    order = new_order(api, master_data, [{"product": master_data["products"][0]["id"], "qty": 1}]).get_json()
    assert api.patch(f"{ORDERS}/{order['id']}", json={"version": 1, "lines": []}).status_code == 200
    stale = api.patch(f"{ORDERS}/{order['id']}", json={"version": 1, "customer": master_data["customers"][1]["id"]})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    header = api.patch(f"{ORDERS}/{order['id']}", json={"customer": master_data["customers"][1]["id"]},
                       headers={"If-Match": '"1"'})
    assert header.status_code == 409
    assert api.get(f"{ORDERS}/{order['id']}").get_json()["customer"] == master_data["customers"][0]["id"]


def test_validation_errors_are_collected_with_paths(api, master_data):
    response = new_order(api, master_data, [{"product": master_data["products"][0]["id"], "qty": 0},
                                            {"qty": "abc"}], customer=None)
    assert response.status_code == 422
    fields = {d["field"] for d in response.get_json()["error"]["details"]}
    assert "lines[1].qty" in fields


@pytest.mark.parametrize("body, status, field", [
    ({"nonsense": 1}, 400, "nonsense"),
    ({"lines": [{"product": 1, "qty": 1, "colour": "red"}]}, 400, "lines[0].colour"),
    ({"total": 5}, 403, "total"),
    ({"number": "SO-HACK"}, 403, "number"),
    ({"status": "shipped"}, 403, "status"),
    ({"customer": "abc"}, 422, "customer"),
    ({"customer": 999999}, 422, "customer"),
    ({"lines": "not a list"}, 422, "lines"),
    ({"lines": [{"id": 987654, "qty": 1}]}, 422, "lines[0].id"),
])
def test_bad_bodies_name_the_place_and_write_nothing(api, master_data, body, status, field):
    base = {"customer": master_data["customers"][0]["id"], "warehouse": master_data["warehouses"][0]["id"],
            "lines": [{"product": master_data["products"][0]["id"], "qty": 1}]}
    response = api.post(ORDERS, json={**base, **body})
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert field in [d["field"] for d in error["details"]]
    assert api.get(ORDERS).get_json()["items"] == []


def test_malformed_and_oversized_bodies(api, master_data):
    response = api.request("POST", ORDERS, data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]["message"]
    assert api.request("POST", ORDERS, data="[1, 2]", headers={"Content-Type": "application/json"}).status_code == 400
    huge = "x" * (1024 * 1024 + 10)
    response = api.request("POST", PRODUCTS, data='{"name": "' + huge + '"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_unknown_app_form_record_are_404(api, master_data):
    assert api.get("/apps/nope/forms/x/records").status_code == 404
    assert api.get("/apps/orders/forms/nope/records").status_code == 404
    response = api.get(f"{PRODUCTS}/424242")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert api.patch(f"{PRODUCTS}/424242", json={"name": "x"}).status_code == 404
    assert api.delete(f"{PRODUCTS}/424242").status_code == 404


def test_unique_violation_is_409_naming_field(api, master_data):
    response = api.post(PRODUCTS, json={"sku": "P0", "name": "Duplicate"})
    assert response.status_code == 409
    assert "sku" in [d["field"] for d in response.get_json()["error"]["details"]]
    assert "P0" in response.get_json()["error"]["message"]


def test_deleting_a_referenced_record_lists_referrers(api, master_data):
    product = master_data["products"][0]
    order = new_order(api, master_data, [{"product": product["id"], "qty": 1}]).get_json()
    response = api.delete(f"{PRODUCTS}/{product['id']}")
    assert response.status_code == 409
    assert f"sales_order {order['id']}" in response.get_json()["error"]["message"]
    assert api.get(f"{PRODUCTS}/{product['id']}").status_code == 200


def test_unauthenticated_calls_are_401(anonymous):
    response = anonymous.get(PRODUCTS)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    anonymous.token = "ld_not-a-real-token"
    assert anonymous.get(PRODUCTS).status_code == 401


def test_delete_then_404(api, master_data):
    customer = api.post("/apps/orders/forms/customer/records", json={"name": "Initech"}).get_json()
    assert api.delete(f"/apps/orders/forms/customer/records/{customer['id']}").status_code == 204
    assert api.get(f"/apps/orders/forms/customer/records/{customer['id']}").status_code == 404
