"""The list screen: columns, titles, sorting, keyset pages, filters, search."""
from __future__ import annotations

import re

from engine.runtime.records.service import get_record_service
from tests.screens.conftest import order_data


def _orders(admin_client, master, count):
    for index in range(count):
        admin_client.post("/apps/orders/sales_order/new",
                          data=order_data(master, [(index % 3, str(index + 1))], customer=index % 2))


def test_columns_and_link_titles(admin_client, master):
    _orders(admin_client, master, 2)
    page = admin_client.get("/apps/orders/sales_order/").get_data(as_text=True)
    headers = re.findall(r'data-sort="(\w+)"', page)
    assert headers == ["number", "customer", "date", "total", "status"]
    assert ">ACME</a>" in page and ">Globex</a>" in page and "Draft" in page
    assert 'href="/apps/orders/customer/' in page


def test_sort_links_toggle(admin_client, master):
    _orders(admin_client, master, 3)
    page = admin_client.get("/apps/orders/sales_order/?sort=total").get_data(as_text=True)
    assert 'href="/apps/orders/sales_order/?sort=-total"' in page and 'aria-sort="ascending"' in page
    totals = re.findall(r'<td class="text-end">([0-9.]+)</td>', page)
    assert totals == sorted(totals, key=float)


def test_keyset_pages(orders_app, admin_client, actors):
    service = get_record_service(orders_app)
    for index in range(55):
        service.create("orders", "customer", {"name": f"C{index:03d}"}, actor=actors["admin"])
    first = admin_client.get("/apps/orders/customer/?sort=name").get_data(as_text=True)
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = admin_client.get(next_url).get_data(as_text=True)
    names_first = re.findall(r'data-testid="row-link">(C\d+|ACME|Globex)<', first)
    names_second = re.findall(r'data-testid="row-link">(C\d+|ACME|Globex)<', second)
    assert len(names_first) == 50 and len(names_second) == 7
    assert not set(names_first) & set(names_second)
    assert "First page" in second and 'rel="next"' not in second


def test_filter_builder_and_quick_search(admin_client, master):
    _orders(admin_client, master, 4)        # totals 10, 5, 299.97, 40
    page = admin_client.get("/apps/orders/sales_order/?ff=total&fo=>&fv=20").get_data(as_text=True)
    assert re.findall(r'<td class="text-end">([0-9.]+)</td>', page) == ["40.00", "299.97"]
    page = admin_client.get("/apps/orders/customer/?q=glob").get_data(as_text=True)
    assert "Globex" in page and "ACME" not in page
    page = admin_client.get("/apps/orders/sales_order/?filter=total < 6").get_data(as_text=True)
    assert re.findall(r'<td class="text-end">([0-9.]+)</td>', page) == ["5.00"]


def test_search_text_is_always_a_literal(admin_client, master):
    response = admin_client.get("/apps/orders/customer/?q=' or 1 == 1 or '")
    assert response.status_code == 200 and "No records match." in response.get_data(as_text=True)


def test_bad_filters_are_explained(admin_client, master):
    response = admin_client.get("/apps/orders/sales_order/?filter=total >")
    assert response.status_code == 400 and "The filter cannot be used" in response.get_data(as_text=True)
    response = admin_client.get("/apps/orders/sales_order/?ff=total&fo=>&fv=lots")
    assert response.status_code == 400 and "is not a number" in response.get_data(as_text=True)


def test_row_scope_and_hidden_fields_come_from_the_service(client_for, master):
    sam, mia = client_for("sam"), client_for("mia")
    sam.post("/apps/orders/sales_order/new", data=order_data(master, [(0, "1")]))
    mia.post("/apps/orders/sales_order/new", data=order_data(master, [(0, "2")], customer=1))
    page = sam.get("/apps/orders/sales_order/").get_data(as_text=True)
    assert ">ACME</a>" in page and "Globex" not in page
    refused = sam.get("/apps/orders/product/?filter=cost_price > 1")
    assert refused.status_code == 400      # filtering on a hidden field would leak it
    assert "Cost price" not in sam.get("/apps/orders/product/").get_data(as_text=True)
