"""The import screen: upload, a checked preview naming row and column of every
problem, then import (all or nothing, or skipping bad rows) with progress."""
from __future__ import annotations

import io
import re
import time

from engine.db import get_db
from engine.runtime.records.service import get_record_service

PRODUCTS = "/apps/orders/product/"
IMPORT = PRODUCTS + "import"
RUN_URL = re.compile(r"/apps/orders/product/import/([A-Za-z0-9_-]+)$")


def upload(client, text: str, filename="products.csv", **fields):
    data = {"file": (io.BytesIO(text.encode("utf-8")), filename), **fields}
    return client.post(IMPORT, data=data, content_type="multipart/form-data")


def finished(client, response) -> str:
    """The run's id once its worker thread is done (the page polls the same URL)."""
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    run_id = RUN_URL.search(response.headers["Location"]).group(1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"{IMPORT}/{run_id}/status").get_json()
        if status["status"] in ("done", "failed"):
            return run_id
        time.sleep(0.1)
    raise AssertionError("the import did not finish in 60 s")


def products(app, actor):
    return get_record_service(app).list("orders", "product", actor=actor, limit=100).items


def test_preview_maps_columns_then_import_creates_records(admin_client, orders_app, actors):
    csv_text = "SKU,名称,Unit price,created_at\nN1,Nut,1.5,\nN2,Bolt,2,\n"
    run_id = finished(admin_client, upload(admin_client, csv_text))
    page = admin_client.get(f"{IMPORT}/{run_id}").get_data(as_text=True)
    assert "2 records would be created and 0 updated; problems found: 0." in page
    mapping = page[page.index('data-testid="import-mapping"'):]
    assert re.search(r'data-status="mapped">\s*<td>名称</td>\s*<td>Name <code class="small">name</code>', mapping)
    assert 'data-status="info">\n      <td>created_at</td>' in mapping
    assert "<td>Bolt</td>" in page                                     # the sample rows
    assert len(products(orders_app, actors["admin"])) == 3             # a check writes nothing
    finished(admin_client, admin_client.post(f"{IMPORT}/{run_id}", data={"mode": "all"}))
    page = admin_client.get(f"{IMPORT}/{run_id}").get_data(as_text=True)
    assert "Imported: 2 records created, 0 updated." in page
    names = {p["sku"]: p for p in products(orders_app, actors["admin"])}
    assert names["N1"]["unit_price"] == 1.5 and names["N2"]["name"] == "Bolt"
    history = get_record_service(orders_app).history("orders", "product", names["N1"]["id"],
                                                      actor=actors["admin"])
    assert history[0]["cause"]["kind"] == "import" and history[0]["cause"]["detail"] == "products.csv"


def test_problems_named_by_row_and_column_and_skip_mode(admin_client, orders_app, actors):
    csv_text = "sku,name,unit_price\nA1,Good,1\nA2,,2\nA3,Cheap,-5\nA4,Fine,4\n"
    run_id = finished(admin_client, upload(admin_client, csv_text))
    page = admin_client.get(f"{IMPORT}/{run_id}").get_data(as_text=True)
    assert "Problems found: 2" in page
    errors = page[page.index('data-testid="import-errors"'):page.index('data-testid="import-mapping"')]
    assert re.search(r'<tr data-row="3"><td>3</td><td>name</td><td>[^<]*required', errors)
    assert re.search(r'<tr data-row="4"><td>4</td><td>unit_price</td><td>', errors)
    assert 'id="ld-mode-all" value="all"  disabled' in page          # all-or-nothing cannot succeed
    finished(admin_client, admin_client.post(f"{IMPORT}/{run_id}", data={"mode": "skip"}))
    page = admin_client.get(f"{IMPORT}/{run_id}").get_data(as_text=True)
    assert "Imported: 2 records created, 0 updated." in page and "2 rows were skipped or refused." in page
    skus = {p["sku"] for p in products(orders_app, actors["admin"])}
    assert {"A1", "A4"} <= skus and not {"A2", "A3"} & skus
    again = admin_client.post(f"{IMPORT}/{run_id}", data={"mode": "skip"})
    assert again.status_code == 400                                   # a run imports once


def test_all_or_nothing_refuses_when_a_row_fails_at_import_time(admin_client, orders_app, actors):
    run_id = finished(admin_client, upload(admin_client, "sku,name\nU1,One\nU2,Two\n"))
    get_record_service(orders_app).create("orders", "product", {"sku": "U2", "name": "Taken"},
                                          actor=actors["admin"])       # appears after the check
    finished(admin_client, admin_client.post(f"{IMPORT}/{run_id}", data={"mode": "all"}))
    page = admin_client.get(f"{IMPORT}/{run_id}").get_data(as_text=True)
    assert "Nothing was imported." in page and '<tr data-row="3"><td>3</td><td>sku</td>' in page
    assert "U1" not in {p["sku"] for p in products(orders_app, actors["admin"])}


def test_header_problems_offer_no_import(admin_client):
    run_id = finished(admin_client, upload(admin_client, "sku,colour,name,name\nX,red,a,b\n"))
    page = admin_client.get(f"{IMPORT}/{run_id}").get_data(as_text=True)
    assert 'data-status="unknown">\n      <td>colour</td>' in page and 'data-status="duplicate"' in page
    assert 'data-testid="import-commit"' not in page and "Upload a corrected file" in page
    assert admin_client.post(f"{IMPORT}/{run_id}", data={"mode": "skip"}).status_code == 400


def test_unreadable_file_is_explained_on_the_upload_page(admin_client, orders_app):
    response = upload(admin_client, "", filename="empty.csv")
    assert response.status_code == 400
    assert "The file is empty" in response.get_data(as_text=True)
    orders_app.config["IMPORT_MAX_BYTES"] = 100
    response = upload(admin_client, "sku,name\n" + "P,x\n" * 100)
    assert response.status_code == 413 and "larger than the import limit" in response.get_data(as_text=True)


def test_runs_belong_to_their_owner_and_rights_come_from_the_policy(admin_client, client_for):
    run_id = finished(admin_client, upload(admin_client, "sku,name\nO1,One\n"))
    manager = client_for("mia")
    assert manager.get(f"{IMPORT}/{run_id}").status_code == 404
    assert manager.get(f"{IMPORT}/{run_id}/status").status_code == 404
    assert 'data-testid="import-records"' in manager.get(PRODUCTS).get_data(as_text=True)
    sales = client_for("sam")
    assert 'data-testid="import-records"' not in sales.get(PRODUCTS).get_data(as_text=True)
    assert sales.get(IMPORT).status_code == 403
    assert upload(sales, "sku,name\nS1,Sneaky\n").status_code == 403


def test_status_reports_rows_and_phase(admin_client):
    rows = "".join(f"B{i},Bulk {i},1\n" for i in range(450))
    run_id = finished(admin_client, upload(admin_client, "sku,name,unit_price\n" + rows))
    status = admin_client.get(f"{IMPORT}/{run_id}/status").get_json()
    assert status["status"] == "done" and status["dry_run"] and status["percent"] == 100
    assert status["done"] == status["total"] == 450 and status["report"]["created"] == 450


def test_limits_are_explained_in_the_users_language(admin_client, orders_app):
    """A limit the first rows break is said on the upload page; one further down
    ends the background check with the same words, in Chinese for a Chinese user."""
    zh = {"Accept-Language": "zh-CN"}
    orders_app.config["IMPORT_MAX_ROWS"] = 20
    rows = "".join(f"L{i},Line {i}\n" for i in range(21))
    response = admin_client.post(IMPORT, data={"file": (io.BytesIO(("sku,name\n" + rows).encode()), "big.csv")},
                                 content_type="multipart/form-data", headers=zh)
    run_id = finished(admin_client, response)
    status = admin_client.get(f"{IMPORT}/{run_id}/status").get_json()
    assert status["status"] == "failed" and "more than 20 rows" in status["message"]
    page = admin_client.get(f"{IMPORT}/{run_id}", headers=zh).get_data(as_text=True)
    assert "文件超过 20 行" in page and 'data-testid="import-commit"' not in page
    english = admin_client.get(f"{IMPORT}/{run_id}").get_data(as_text=True)
    assert "The file has more than 20 rows" in english
    wide = "sku,name\n" + "," * 600 + "\n"
    response = admin_client.post(IMPORT, data={"file": (io.BytesIO(wide.encode()), "wide.csv")},
                                 content_type="multipart/form-data", headers=zh)
    assert response.status_code == 400
    assert "第 2 行超过 500 列" in response.get_data(as_text=True)
    assert "最多 20 行" in admin_client.get(IMPORT, headers=zh).get_data(as_text=True)
