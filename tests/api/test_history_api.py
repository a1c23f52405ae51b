"""The change log and restore: every path leaves history; restore and undelete
go back through the record service."""
from __future__ import annotations

ORDERS = "/apps/orders/forms/sales_order/records"
CUSTOMERS = "/apps/orders/forms/customer/records"


def test_every_write_leaves_a_history_entry_newest_first(api, master_data):
    customer = api.post(CUSTOMERS, json={"name": "Hooli", "phone": "123 456"}).get_json()
    url = f"{CUSTOMERS}/{customer['id']}"
    api.patch(url, json={"phone": "999"})
    api.patch(url, json={"phone": "999"})          # no change: no entry
    entries = api.get(url + "/history").get_json()["items"]
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["changes"]["fields"] == {"phone": ["123 456", "999"]}
    assert entries[0]["actor"]["username"] == "admin"
    assert entries[0]["cause"]["kind"] == "api"
    assert api.delete(url).status_code == 204
    entries = api.get(url + "/history").get_json()["items"]
    assert entries[0]["action"] == "delete"


def test_history_records_subform_rows(api, master_data):
    p0, p1, _ = master_data["products"]
    order = api.post(ORDERS, json={"customer": master_data["customers"][0]["id"],
                                   "warehouse": master_data["warehouses"][0]["id"],
                                   "lines": [{"product": p0["id"], "qty": 1}]}).get_json()
    line = order["lines"][0]
    api.patch(f"{ORDERS}/{order['id']}", json={"lines": [{"id": line["id"], "qty": 4},
                                                         {"product": p1["id"], "qty": 1}]})
    change = api.get(f"{ORDERS}/{order['id']}/history").get_json()["items"][0]["changes"]
    assert change["rows"]["lines"]["changed"] == [{"id": line["id"], "fields": {
        "qty": [1.0, 4.0], "amount": [10.0, 40.0]}}]
    assert change["rows"]["lines"]["added"][0]["product"] == p1["id"]
    assert change["fields"]["total"] == [10.0, 42.5]


def test_restore_brings_back_an_earlier_state(api, master_data):
    customer = api.post(CUSTOMERS, json={"name": "Umbrella", "contact": "Alice"}).get_json()
    url = f"{CUSTOMERS}/{customer['id']}"
    api.patch(url, json={"contact": "Bob"})
    created = api.get(url + "/history").get_json()["items"][-1]
    response = api.post(url + "/restore", json={"to": created["id"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["contact"] == "Alice" and response.get_json()["version"] == 3
    latest = api.get(url + "/history").get_json()["items"][0]
    assert latest["action"] == "restore" and latest["cause"]["kind"] == "restore"


def test_undelete_restores_record_and_rows_with_same_id(api, master_data):
    p0 = master_data["products"][0]
    order = api.post(ORDERS, json={"customer": master_data["customers"][0]["id"],
                                   "warehouse": master_data["warehouses"][0]["id"],
                                   "lines": [{"product": p0["id"], "qty": 2}]}).get_json()
    url = f"{ORDERS}/{order['id']}"
    assert api.delete(url).status_code == 204
    deletion = api.get(url + "/history").get_json()["items"][0]
    response = api.post(url + "/restore", json={"to": deletion["id"]})
    assert response.status_code == 200, response.get_json()
    restored = response.get_json()
    assert restored["id"] == order["id"] and restored["number"] == order["number"]
    assert restored["total"] == 20.0 and len(restored["lines"]) == 1
    assert api.get(url).status_code == 200


def test_restore_rejects_foreign_or_bad_entries(api, master_data):
    one = api.post(CUSTOMERS, json={"name": "One"}).get_json()
    two = api.post(CUSTOMERS, json={"name": "Two"}).get_json()
    entry_of_two = api.get(f"{CUSTOMERS}/{two['id']}/history").get_json()["items"][0]
    assert api.post(f"{CUSTOMERS}/{one['id']}/restore", json={"to": entry_of_two["id"]}).status_code == 404
    assert api.post(f"{CUSTOMERS}/{one['id']}/restore", json={"to": "x"}).status_code == 400
    assert api.post(f"{CUSTOMERS}/{one['id']}/restore", json={"to": 1, "extra": 1}).status_code == 400
