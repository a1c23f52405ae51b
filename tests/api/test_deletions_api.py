"""GET …/records/deleted: the tombstones a sync client needs (docs/api.md,
"Keeping a copy in sync")."""
from __future__ import annotations

from tests.api.conftest import ApiClient, make_user

CUSTOMERS = "/apps/orders/forms/customer/records"


def test_deleted_records_are_listed_oldest_first_with_who_and_when(api, master_data):
    first, second = master_data["customers"]
    assert api.get(CUSTOMERS + "/deleted").get_json() == {"items": [], "next": None}
    assert api.delete(f"{CUSTOMERS}/{second['id']}").status_code == 204
    assert api.delete(f"{CUSTOMERS}/{first['id']}").status_code == 204
    items = api.get(CUSTOMERS + "/deleted").get_json()["items"]
    assert [item["id"] for item in items] == [second["id"], first["id"]]
    assert items[0]["deleted_by"]["username"] == "admin"
    assert items[0]["deleted_at"].endswith("Z")
    page = api.get(CUSTOMERS + "/deleted?limit=1").get_json()
    assert [i["id"] for i in page["items"]] == [second["id"]] and page["next"]
    rest = api.get(CUSTOMERS + f"/deleted?limit=1&after={page['next']}").get_json()
    assert [i["id"] for i in rest["items"]] == [first["id"]] and rest["next"] is None
    later = api.get(CUSTOMERS + "/deleted", query_string={"since": items[1]["deleted_at"]}).get_json()
    assert [i["id"] for i in later["items"]] == [first["id"]]
    # The entry is what restore takes: the record comes back with a later updated_at.
    restored = api.post(f"{CUSTOMERS}/{first['id']}/restore", json={"to": items[1]["entry"]})
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["updated_at"] >= items[1]["deleted_at"]


def test_bad_parameters_are_400(api, orders_app):
    for query in ("since=yesterday", "after=x", "limit=0"):
        response = api.get(CUSTOMERS + "/deleted?" + query)
        assert response.status_code == 400, query
        assert response.get_json()["error"]["details"][0]["field"] in ("since", "after", "limit")


def test_the_feed_needs_the_read_right(client, orders_app, master_data):
    nobody = ApiClient(client, make_user(orders_app, "nobody"))
    assert nobody.get(CUSTOMERS + "/deleted").status_code == 403
    assert nobody.get("/apps/orders/forms/nonsense/records/deleted").status_code in (403, 404)


def test_a_row_limited_reader_gets_403_and_no_path_in_the_document(client, orders_app, master_data):
    sales = ApiClient(client, make_user(orders_app, "sam", roles=[("orders", "sales")]))
    response = sales.get("/apps/orders/forms/sales_order/records/deleted")
    assert response.status_code == 403
    paths = sales.get("/openapi.json").get_json()["paths"]
    assert "/apps/orders/forms/sales_order/records/deleted" not in paths
    assert "/apps/orders/forms/customer/records/deleted" in paths
