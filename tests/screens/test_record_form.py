"""The record form: widgets, create, edit, errors at their cells, conflict,
live preview and link lookup."""
from __future__ import annotations

import re

from engine.runtime.records.service import get_record_service
from tests.screens.conftest import order_data, record_id_from


def test_new_form_has_a_widget_per_field_type(admin_client):
    page = admin_client.get("/apps/orders/sales_order/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*type="date"[^>]*name="date"', page)
    assert re.search(r'<select[^>]*name="customer"[^>]*data-link="customer"', page)
    assert re.search(r'name="lines-0-qty"[^>]*step="0.001"', page)
    assert 'name="lines-2-product"' in page            # spare rows without JavaScript
    assert 'data-row-template' in page and "__index__" in page
    assert 'data-output="total"' in page and 'name="total"' not in page   # computed: output only
    assert 'data-preview-url="/apps/orders/sales_order/preview"' in page
    assert '<label class="form-label" for="f-customer">Customer' in page


def test_create_order_with_three_lines(orders_app, admin_client, master, actors):
    response = admin_client.post("/apps/orders/sales_order/new",
                                 data=order_data(master, [(0, "2"), (1, "4"), (2, "1")], spare=2))
    assert response.status_code == 302
    record = get_record_service(orders_app).get("orders", "sales_order", record_id_from(response),
                                                actor=actors["admin"])
    assert [line["qty"] for line in record["lines"]] == [2, 4, 1]
    assert [line["price"] for line in record["lines"]] == [10, 2.5, 99.99]     # fill_from
    assert record["total"] == 129.99
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "129.99" in page and "Product 2" in page and "ACME" in page


def test_validation_error_lands_on_the_subform_cell(admin_client, master):
    data = order_data(master, [(0, "2"), (1, "")], spare=1)
    data["lines-2-product"] = ""        # the spare row stays blank: not sent
    response = admin_client.post("/apps/orders/sales_order/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-lines-1-qty-error"' in page
    error_box = re.search(r'id="f-lines-1-qty-error"[^>]*>([^<]+)<', page)
    assert error_box and "required" in error_box.group(1)
    assert re.search(r'class="form-control is-invalid text-end"[^>]*name="lines-1-qty"', page)
    assert 'name="lines-0-qty" value="2.000"' in page     # what the user typed is kept


def test_type_errors_name_their_field(admin_client, master):
    data = order_data(master, [(0, "abc")])
    response = admin_client.post("/apps/orders/sales_order/new", data=data)
    assert response.status_code == 422
    assert re.search(r'id="f-lines-0-qty-error"[^>]*>[^<]*expected a number', response.get_data(as_text=True))


def test_missing_required_link_shows_at_the_field(admin_client, master):
    data = order_data(master, [(0, "1")])
    data["customer"] = ""
    response = admin_client.post("/apps/orders/sales_order/new", data=data)
    assert response.status_code == 422
    assert re.search(r'id="f-customer-error"[^>]*>[^<]*required', response.get_data(as_text=True))


def test_edit_changes_lines_and_keeps_row_ids(orders_app, admin_client, master, actors):
    created = admin_client.post("/apps/orders/sales_order/new", data=order_data(master, [(0, "2"), (1, "4")]))
    record_id = record_id_from(created)
    service = get_record_service(orders_app)
    record = service.get("orders", "sales_order", record_id, actor=actors["admin"])
    page = admin_client.get(f"/apps/orders/sales_order/{record_id}?edit=1").get_data(as_text=True)
    assert f'name="lines-0-id" value="{record["lines"][0]["id"]}"' in page
    assert 'name="_version" value="1"' in page
    data = {"_version": "1", "customer": master["customers"][1]["id"], "warehouse": master["warehouses"][0]["id"],
            "date": "2024-05-02", "lines-0-id": record["lines"][0]["id"],
            "lines-0-product": master["products"][0]["id"], "lines-0-qty": "5", "lines-0-price": "10.00"}
    response = admin_client.post(f"/apps/orders/sales_order/{record_id}", data=data)
    assert response.status_code == 302
    updated = service.get("orders", "sales_order", record_id, actor=actors["admin"])
    assert len(updated["lines"]) == 1 and updated["lines"][0]["id"] == record["lines"][0]["id"]
    assert updated["total"] == 50 and updated["version"] == 2


def test_stale_version_shows_the_conflict_page(orders_app, admin_client, master, actors):
    created = admin_client.post("/apps/orders/sales_order/new", data=order_data(master, [(0, "2")]))
    record_id = record_id_from(created)
    service = get_record_service(orders_app)
    record = service.get("orders", "sales_order", record_id, actor=actors["admin"])
    service.update("orders", "sales_order", record_id, {"customer": master["customers"][1]["id"]},
                   actor=actors["mia"])
    data = {"_version": "1", "customer": master["customers"][0]["id"], "warehouse": master["warehouses"][0]["id"],
            "date": "2024-05-01", "lines-0-id": record["lines"][0]["id"],
            "lines-0-product": master["products"][0]["id"], "lines-0-qty": "7"}
    response = admin_client.post(f"/apps/orders/sales_order/{record_id}", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'data-testid="conflict"' in page and "Globex" in page and "mia" in page
    assert 'name="_version" value="2"' in page and 'name="lines-0-qty" value="7.000"' in page
    assert service.get("orders", "sales_order", record_id, actor=actors["admin"])["lines"][0]["qty"] == 2


def test_preview_computes_without_saving(orders_app, admin_client, master, actors):
    data = order_data(master, [(0, "2"), (None, ""), (1, "4")])
    answer = admin_client.post("/apps/orders/sales_order/preview", data=data).get_json()
    assert answer["fields"]["total"]["text"] == "30.00"
    assert answer["rows"]["lines"]["0"]["amount"]["text"] == "20.00"
    assert answer["rows"]["lines"]["2"]["price"]["value"] == "2.50"      # page row 2, not list row 1
    assert "number" not in answer["fields"]                             # no autonumber drawn
    page = get_record_service(orders_app).list("orders", "sales_order", actor=actors["admin"])
    assert page.items == []
    bad = admin_client.post("/apps/orders/sales_order/preview", data=order_data(master, [(0, "x")])).get_json()
    assert "lines[0].qty" in bad["errors"]


def test_preview_of_an_edit_uses_the_stored_record(admin_client, master):
    record_id = record_id_from(admin_client.post("/apps/orders/sales_order/new",
                                                 data=order_data(master, [(0, "2")])))
    page = admin_client.get(f"/apps/orders/sales_order/{record_id}?edit=1").get_data(as_text=True)
    line_id = re.search(r'name="lines-0-id" value="(\d+)"', page).group(1)
    data = {"_id": str(record_id), "_version": "1", "customer": master["customers"][0]["id"],
            "warehouse": master["warehouses"][0]["id"], "date": "2024-05-01", "lines-0-id": line_id,
            "lines-0-product": master["products"][0]["id"], "lines-0-qty": "3", "lines-0-price": "10"}
    answer = admin_client.post("/apps/orders/sales_order/preview", data=data).get_json()
    assert answer["fields"]["total"]["text"] == "30.00"
    assert answer["fields"]["number"]["value"].startswith("SO")


def test_lookup_searches_link_titles(admin_client):
    items = admin_client.get("/apps/orders/sales_order/lookup?field=lines.product&q=uct 2").get_json()["items"]
    assert [i["title"] for i in items] == ["Product 2"]
    items = admin_client.get("/apps/orders/sales_order/lookup?field=customer&q=").get_json()["items"]
    assert {i["title"] for i in items} == {"ACME", "Globex"}
    assert admin_client.get("/apps/orders/sales_order/lookup?field=total").status_code == 404


def test_lookup_quotes_the_search_text(admin_client):
    response = admin_client.get("/apps/orders/sales_order/lookup?field=customer&q=' or 1 == 1 or '")
    assert response.status_code == 200 and response.get_json()["items"] == []


def test_large_link_tables_get_a_server_search(orders_app, admin_client, actors):
    service = get_record_service(orders_app)
    for index in range(55):
        service.create("orders", "customer", {"name": f"Customer {index:02d}"}, actor=actors["admin"])
    page = admin_client.get("/apps/orders/sales_order/new").get_data(as_text=True)
    assert 'data-lookup="/apps/orders/sales_order/lookup?field=customer"' in page
    assert 'data-lookup="/apps/orders/sales_order/lookup?field=warehouse"' not in page


def test_hidden_field_is_nowhere_on_the_page_for_that_role(client_for, master):
    client = client_for("sam")
    product_id = master["products"][0]["id"]
    for path in (f"/apps/orders/product/{product_id}", "/apps/orders/product/"):
        page = client.get(path).get_data(as_text=True)
        assert "cost_price" not in page and "Cost price" not in page and "5.00" not in page
    admin_page = client_for("admin").get(f"/apps/orders/product/{product_id}").get_data(as_text=True)
    assert "Cost price" in admin_page


def test_read_only_role_gets_no_edit_or_new(client_for, master):
    client = client_for("wendy")
    page = client.get(f"/apps/orders/customer/{master['customers'][0]['id']}").get_data(as_text=True)
    assert 'data-testid="edit"' not in page and "Delete" not in page
    assert 'data-testid="new-record"' not in client.get("/apps/orders/customer/").get_data(as_text=True)
    assert client.get(f"/apps/orders/customer/{master['customers'][0]['id']}?edit=1").status_code == 403


def test_rule_adjusted_and_computed_fields_are_read_only(admin_client, orders_app, master, actors):
    stock = get_record_service(orders_app).list("orders", "stock", actor=actors["admin"]).items
    assert stock == []
    page = admin_client.get("/apps/orders/stock/new").get_data(as_text=True)
    assert 'name="on_hand"' not in page and 'data-output="on_hand"' in page


def test_form_posts_carry_the_csrf_token(orders_app, master):
    from tests.screens.conftest import csrf_token, sign_in
    if "csrf" not in orders_app.extensions:
        import pytest
        pytest.skip("CSRFProtect is not installed (engine.runtime.web.auth)")
    orders_app.config["WTF_CSRF_ENABLED"] = True
    client = sign_in(orders_app.test_client(), orders_app, "mia")
    page = client.get("/apps/orders/sales_order/new").get_data(as_text=True)
    token = csrf_token(page)
    assert token and page.count(f'value="{token}"') >= 2        # record form and language switch
    refused = client.post("/apps/orders/sales_order/new", data=order_data(master, [(0, "1")]))
    assert refused.status_code == 400 and not refused.is_json
    created = client.post("/apps/orders/sales_order/new", data={**order_data(master, [(0, "1")]),
                                                                 "csrf_token": token})
    assert created.status_code == 302
    preview = client.post("/apps/orders/sales_order/preview",
                          data={**order_data(master, [(0, "3")]), "csrf_token": token})
    assert preview.get_json()["fields"]["total"]["text"] == "30.00"


# ------------------------------------------------- a duplicate unique value
def field_error(page: str, name: str) -> str | None:
    match = re.search(rf'id="f-{name}-error"[^>]*>([^<]+)<', page)
    return match.group(1).strip() if match else None


def test_a_duplicate_on_create_is_shown_at_its_field_with_the_typed_form_kept(admin_client, master):
    response = admin_client.post("/apps/orders/product/new",
                                 data={"sku": "P0", "name": "Typed name", "unit_price": "12.5"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "P0" in field_error(page, "sku") and "already used" in field_error(page, "sku")
    assert re.search(r'class="form-control is-invalid"[^>]*name="sku"', page)
    assert 'name="name" value="Typed name"' in page and 'name="sku" value="P0"' in page
    assert 'name="unit_price" value="12.5' in page
    assert 'data-testid="conflict"' not in page and "Someone else changed" not in page
    assert 'data-testid="record-form"' in page


def test_a_duplicate_on_edit_is_shown_at_its_field_not_as_an_edit_conflict(orders_app, admin_client,
                                                                            master, actors):
    product = master["products"][1]
    data = {"_version": "1", "sku": "P0", "name": "Renamed", "unit_price": "3", "cost_price": "1"}
    response = admin_client.post(f"/apps/orders/product/{product['id']}", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "P0" in field_error(page, "sku")
    assert 'data-testid="conflict"' not in page and "Someone else changed" not in page
    assert 'name="name" value="Renamed"' in page and 'name="_version" value="1"' in page
    stored = get_record_service(orders_app).get("orders", "product", product["id"], actor=actors["admin"])
    assert (stored["sku"], stored["name"]) == ("P1", "Product 1")


def test_a_duplicate_composite_key_marks_both_fields_in_the_users_language(admin_client, master):
    product, warehouse = master["products"][0]["id"], master["warehouses"][0]["id"]
    data = {"product": product, "warehouse": warehouse}
    assert admin_client.post("/apps/orders/stock/new", data=data).status_code == 302
    admin_client.post("/language", data={"language": "zh", "next": "/apps/orders/"})
    response = admin_client.post("/apps/orders/stock/new", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    for name in ("product", "warehouse"):
        assert field_error(page, name) == "已有另一条记录使用相同的组合：商品 + 仓库。"
    assert re.search(rf'<option value="{product}" selected', page)
    assert re.search(rf'<option value="{warehouse}" selected', page)
