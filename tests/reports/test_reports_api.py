"""The REST contract (DESIGN §5): GET /api/v1/apps/{app}/reports/{name} answers
{"columns": [names], "column_info": [...], "rows": [[...]]}; the list shows
what the caller may run; errors use the API error body; CSV/XLSX export."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.api.conftest import ApiClient
from tests.reports.test_reports import monthly_revenue

REPORTS = "/apps/inventory/reports"


def desk(client, book, name):
    return ApiClient(client, book.tokens[name])


def as_json(rows):
    return [[r[0], r[1], float(r[2]), float(r[3]), r[4]] for r in rows]


def test_report_answers_columns_and_rows(client, book):
    response = desk(client, book, "boss").get(f"{REPORTS}/monthly_revenue_by_product")
    assert response.status_code == 200
    body = response.get_json()
    assert body["columns"] == ["month", "product", "qty", "revenue", "lines"]
    assert body["column_info"][0] == {"name": "month", "label": {"zh": "月份", "en": "Month"},
                                      "kind": "group", "type": "date", "bucket": "month"}
    assert [c["kind"] for c in body["column_info"]] == ["group", "group", "measure", "measure", "measure"]
    assert body["rows"] == as_json(monthly_revenue(book))
    assert "titles" not in body


def test_filter_limit_and_titles(client, book):
    bolt = book.shop.bolt["id"]
    response = desk(client, book, "boss").get(
        f"{REPORTS}/monthly_revenue_by_product",
        query_string={"filter": f"product == {bolt}", "limit": "1", "titles": "1"})
    body = response.get_json()
    assert body["rows"] == as_json([r for r in monthly_revenue(book) if r[1] == bolt][:1])
    assert body["titles"] == {"product": {str(bolt): "螺栓"}}


def test_row_scope_applies_through_the_api(client, book):
    body = desk(client, book, "alice").get(f"{REPORTS}/monthly_revenue_by_product").get_json()
    assert body["rows"] == as_json(monthly_revenue(book, "alice"))


def test_bad_filter_is_400_with_the_error_body(client, book):
    response = desk(client, book, "boss").get(f"{REPORTS}/monthly_revenue_by_product",
                                              query_string={"filter": "qty >> 2"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and "filter" in error["message"]
    assert error["details"][0]["field"] == "filter"
    response = desk(client, book, "boss").get(f"{REPORTS}/monthly_revenue_by_product",
                                              query_string={"limit": "0"})
    assert response.status_code == 400 and response.get_json()["error"]["details"][0]["field"] == "limit"


def test_forbidden_and_not_found(client, book):
    hidden = desk(client, book, "alice").get(f"{REPORTS}/monthly_margin_by_product")
    assert hidden.status_code == 403
    assert "product.cost_price" in hidden.get_json()["error"]["message"]
    assert desk(client, book, "alice").get(f"{REPORTS}/stock_by_warehouse").status_code == 403
    assert desk(client, book, "boss").get(f"{REPORTS}/nope").status_code == 404
    assert ApiClient(client, None).get(f"{REPORTS}/stock_by_warehouse").status_code == 401


def test_the_list_shows_what_the_caller_may_run(client, book):
    def names(who):
        response = desk(client, book, who).get(REPORTS)
        assert response.status_code == 200
        return [item["name"] for item in response.get_json()["items"]]
    everything = names("boss")
    assert {"monthly_revenue_by_product", "monthly_margin_by_product", "stock_by_warehouse",
            "daily_sales_by_product"} <= set(everything)
    alice = names("alice")
    assert "monthly_revenue_by_product" in alice
    assert "monthly_margin_by_product" not in alice and "stock_by_warehouse" not in alice


def test_export_csv_and_xlsx(client, book):
    boss = desk(client, book, "boss")
    response = boss.get(f"{REPORTS}/monthly_revenue_by_product/export", query_string={"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Month", "Product", "Quantity", "Revenue", "Order lines"]
    expected = monthly_revenue(book)
    titles = {book.shop.bolt["id"]: "螺栓", book.shop.nut["id"]: "螺母"}
    assert [[m, p, Decimal(q), Decimal(v), int(n)] for m, p, q, v, n in rows[1:]] == \
        [[r[0], titles[r[1]], *r[2:]] for r in expected]
    assert rows[1][3] == f"{expected[0][3]:.2f}"           # decimals keep their places
    response = boss.get(f"{REPORTS}/monthly_revenue_by_product/export", query_string={"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == len(expected) + 1 and values[1][1] == titles[expected[0][1]]
    refused = desk(client, book, "keeper").get(f"{REPORTS}/monthly_revenue_by_product/export")
    assert refused.status_code == 403                 # warehouse may read but not export orders
    assert boss.get(f"{REPORTS}/stock_by_warehouse/export",
                    query_string={"format": "pdf"}).status_code == 400


def test_openapi_lists_the_reports_the_caller_may_run(client, book):
    def paths(who):
        return desk(client, book, who).get("/openapi.json").get_json()["paths"]
    boss, alice = paths("boss"), paths("alice")
    assert f"{REPORTS}/monthly_margin_by_product" in boss
    assert f"{REPORTS}/monthly_revenue_by_product/export" in boss
    operation = alice[f"{REPORTS}/monthly_revenue_by_product"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"filter", "limit", "titles"}
    assert f"{REPORTS}/monthly_margin_by_product" not in alice
