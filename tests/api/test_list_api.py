"""Listing: filter, multi-field sort, keyset pagination, link titles."""
from __future__ import annotations

PRODUCTS = "/apps/orders/forms/product/records"
ORDERS = "/apps/orders/forms/sales_order/records"


def seed_products(api, count):
    for i in range(count):
        response = api.post(PRODUCTS, json={"sku": f"S{i:03d}", "name": f"Item {i % 5}",
                                             "unit_price": (i * 7) % 13, "min_stock": i % 3})
        assert response.status_code == 201


def walk(api, query):
    items, after, pages = [], None, 0
    while True:
        params = dict(query, **({"after": after} if after else {}))
        page = api.get(PRODUCTS, query_string=params).get_json()
        items += page["items"]
        pages += 1
        after = page["next"]
        if after is None:
            return items, pages


def test_keyset_pages_cover_every_row_once_in_order(api):
    seed_products(api, 23)
    items, pages = walk(api, {"sort": "unit_price,-name", "limit": 5})
    assert pages == 5 and len(items) == 23
    assert len({i["id"] for i in items}) == 23
    keys = [(i["unit_price"], [-ord(c) for c in i["name"]], i["id"]) for i in items]
    assert keys == sorted(keys)


def test_filter_uses_the_expression_language(api):
    seed_products(api, 15)
    page = api.get(PRODUCTS, query_string={"filter": "unit_price > 5 and min_stock in (1, 2)",
                                           "limit": 100}).get_json()
    assert page["items"] and all(i["unit_price"] > 5 and i["min_stock"] in (1, 2) for i in page["items"])


def test_bad_list_parameters_are_400_naming_them(api):
    seed_products(api, 2)
    cases = [({"filter": "unit_price >"}, "filter"), ({"filter": "len(name) > 2"}, "filter"),
             ({"sort": "colour"}, "sort"), ({"after": "garbage!!"}, "after"),
             ({"limit": 501}, "limit"), ({"limit": 0}, "limit"),
             ({"filter": "nosuchfield == 1"}, "filter")]
    for query, field in cases:
        response = api.get(PRODUCTS, query_string=query)
        assert response.status_code == 400, query
        assert field in [d["field"] for d in response.get_json()["error"]["details"]], query


def test_list_items_carry_link_titles(api, master_data):
    line = [{"product": master_data["products"][0]["id"], "qty": 1}]
    api.post(ORDERS, json={"customer": master_data["customers"][1]["id"],
                           "warehouse": master_data["warehouses"][0]["id"], "lines": line})
    item = api.get(ORDERS).get_json()["items"][0]
    assert item["_titles"] == {"customer": "Globex", "warehouse": "Warehouse W1"}
    assert "lines" not in item
