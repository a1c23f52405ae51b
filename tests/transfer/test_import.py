"""Import: bad input, modes, dry run, rules firing, subform rows by a key column."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from tests.transfer.conftest import SAMPLES, parse_csv, to_csv, upload

CATEGORIES = "/apps/field_types/forms/category/records"


def _count(api, path):
    return len(api.get(path + "?limit=500").get_json()["items"])


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_every_error_named_with_row_and_column_nothing_written(ft):
    ft.post(CATEGORIES, json={"name": "Tools"})
    content = to_csv([
        ["Title", "Count (count)", "day", "Category", "颜色"],
        ["ok", "1", "2026-01-01", "Tools", "绿"],
        ["bad count", "many", "2026-01-01", "Tools", "red"],
        ["bad day", "2", "31/01/2026", "", "red"],
        ["bad link", "2", "", "Nope", "red"],
        ["", "2", "", "", "red"],                     # title is required
        ["too many", "5000", "", "", "purple"],
    ])
    response = upload(ft, SAMPLES, content)
    assert response.status_code == 422
    body = response.get_json()
    assert body["created"] == 0 and body["updated"] == 0
    places = {(e["row"], e["column"]) for e in body["errors"]}
    assert {(3, "Count (count)"), (4, "day"), (5, "Category"), (6, "Title"), (7, "Count (count)"),
            (7, "颜色")} <= places, body["errors"]
    assert all(e["message"] for e in body["errors"])
    assert _count(ft, SAMPLES) == 0


def test_mode_skip_writes_good_rows(ft):
    content = to_csv([["title", "count"], ["one", "1"], ["two", "x"], ["three", "3"]])
    response = upload(ft, SAMPLES, content, mode="skip")
    assert response.status_code == 200
    body = response.get_json()
    assert body["created"] == 2 and [(e["row"], e["column"]) for e in body["errors"]] == [(3, "count")]
    assert sorted(i["title"] for i in ft.get(SAMPLES).get_json()["items"]) == ["one", "three"]


def test_dry_run_writes_nothing(ft):
    content = to_csv([["title"], ["one"], ["two"]])
    response = upload(ft, SAMPLES, content, dry_run=1)
    assert response.status_code == 200
    assert response.get_json()["created"] == 2 and response.get_json()["dry_run"] is True
    assert _count(ft, SAMPLES) == 0
    assert upload(ft, SAMPLES, to_csv([["title", "count"], ["x", "y"]]), dry_run=1).status_code == 422


def test_duplicate_unique_keys(ft):
    ft.post(CATEGORIES, json={"name": "Tools"})
    content = to_csv([["name"], ["New"], ["Tools"], ["New"]])
    response = upload(ft, CATEGORIES, content)
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.get_json()["errors"]] == [(3, "name"), (4, "name")]
    assert _count(ft, CATEGORIES) == 1


def test_headers_wrong_missing_duplicate(ft):
    response = upload(ft, SAMPLES, to_csv([["Colour", "Nonsense", "colour"], ["red", "x", "red"]]))
    assert response.status_code == 422
    errors = {(e["row"], e["column"]): e["message"] for e in response.get_json()["errors"]}
    assert "unknown column" in errors[(1, "Nonsense")]
    assert "duplicate" in errors[(1, "colour")]
    assert "missing" in errors[(1, "title")]
    skip = upload(ft, SAMPLES, to_csv([["Nonsense"], ["x"]]), mode="skip")
    assert skip.status_code == 422 and _count(ft, SAMPLES) == 0


@pytest.mark.parametrize("content,filename,message", [
    (b"", "a.csv", "empty"),
    (b"   \n", "a.csv", "empty"),
    ("title\n".encode(), "a.csv", "no data rows"),
    (b"PK\x03\x04garbage-not-a-zip", "a.xlsx", "malformed"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "secret.xlsx", "password-protected"),
    ("title\nr\xe9sum\xe9\n".encode("latin-1"), "a.csv", "UTF-8"),
])
def test_unreadable_files(ft, content, filename, message):
    response = upload(ft, SAMPLES, content, filename=filename)
    assert response.status_code == 400, response.get_json()
    assert message in response.get_json()["error"]["message"]


def test_zip_that_is_not_a_workbook(ft):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    response = upload(ft, SAMPLES, buffer.getvalue(), filename="a.xlsx")
    assert response.status_code == 400 and "XLSX" in response.get_json()["error"]["message"]


def test_file_over_the_size_limit(ft, ft_app):
    ft_app.config["IMPORT_MAX_BYTES"] = 2000
    response = upload(ft, SAMPLES, "title\n" + "x\n" * 2000)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert _count(ft, SAMPLES) == 0


def test_xlsx_with_bom_csv_and_labels(ft):
    ft.post(CATEGORIES, json={"name": "Tools"})
    response = upload(ft, SAMPLES, _xlsx([["标题", "数量", "价格", "启用", "类别"],
                                          ["甲", 3, 1.25, True, "Tools"]]), filename="x.xlsx")
    assert response.status_code == 200, response.get_json()
    response = upload(ft, SAMPLES, "\ufeffTITLE ,  price\nB,2.5\n")
    assert response.status_code == 200, response.get_json()
    items = {i["title"]: i for i in ft.get(SAMPLES).get_json()["items"]}
    assert items["甲"]["count"] == 3 and items["甲"]["price"] == 1.25 and items["甲"]["active"] is True
    assert items["B"]["price"] == 2.5


def test_rules_fire_on_import_with_subform_rows(mini_api):
    def create(form, values):
        response = mini_api.post(f"/apps/mini/forms/{form}/records", json=values)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    create("product", {"sku": "A", "name": "Apple"})
    create("product", {"sku": "B", "name": "Banana"})
    create("warehouse", {"code": "W1", "allow_negative": True})
    content = to_csv([["ref", "warehouse", "status", "lines.product", "lines.qty"],
                      ["", "W1", "shipped", "Apple", "2"],
                      ["", "", "", "Banana", "3"],
                      ["", "W1", "shipped", "Apple", "5"]])
    # No `ref` column in the form: unknown header.
    assert upload(mini_api, "/apps/mini/forms/sales_order/records", content).status_code == 422
    content = to_csv([["warehouse", "status", "Lines.Product", "lines.qty"],
                      ["W1", "shipped", "Apple", "2"],
                      ["", "", "Banana", "3"],
                      ["W1", "shipped", "Apple", "5"]])
    response = upload(mini_api, "/apps/mini/forms/sales_order/records", content)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 2
    orders = mini_api.get("/apps/mini/forms/sales_order/records?sort=id").get_json()["items"]
    first = mini_api.get(f"/apps/mini/forms/sales_order/records/{orders[0]['id']}").get_json()
    assert [line["qty"] for line in first["lines"]] == [2, 3]
    stock = {s["_titles"]["product"]: s["on_hand"]
             for s in mini_api.get("/apps/mini/forms/stock/records").get_json()["items"]}
    assert stock == {"Apple": -7, "Banana": -3}
    history = mini_api.get(f"/apps/mini/forms/sales_order/records/{first['id']}/history").get_json()
    assert history["items"][0]["cause"]["kind"] == "import"
    export = mini_api.get("/apps/mini/forms/sales_order/records/export?subform=lines&sort=id")
    rows = parse_csv(export)
    assert len(rows) == 1 + 3


def test_failed_rule_check_rolls_back_everything(mini_api):
    mini_api.post("/apps/mini/forms/product/records", json={"sku": "A", "name": "Apple"})
    mini_api.post("/apps/mini/forms/warehouse/records", json={"code": "W1"})
    content = to_csv([["warehouse", "status", "lines.product", "lines.qty"],
                      ["W1", "draft", "Apple", "1"],
                      ["W1", "shipped", "Apple", "5"]])       # stock would go negative
    response = upload(mini_api, "/apps/mini/forms/sales_order/records", content)
    assert response.status_code == 422
    assert [e["row"] for e in response.get_json()["errors"]] == [3]
    assert mini_api.get("/apps/mini/forms/sales_order/records").get_json()["items"] == []


def test_progress_is_reported_per_phase_up_to_every_row(ft, ft_app):
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    from engine.runtime.transfer.import_ import import_file

    calls = []
    content = to_csv([["title", "count"]] + [[f"r{i}", str(i)] for i in range(450)]).encode()
    with ft_app.app_context():
        report, wrote = import_file(get_record_service(ft_app), "field_types", "sample", SYSTEM, content,
                                    "rows.csv", progress=lambda *call: calls.append(call))
    assert wrote and report.created == 450
    assert [c for c in calls if c[0] == "importing"] == [("importing", 0, 450), ("importing", 200, 450),
                                                          ("importing", 400, 450)]
    assert calls[-1] == ("saving", 450, 450)


def test_dry_run_answers_how_each_header_was_read(ft):
    content = to_csv([["Title", "version", "flavour", "Count (count)"], ["one", "", "", "1"]])
    body = upload(ft, SAMPLES, content, dry_run=1).get_json()
    assert body["columns"] == [
        {"column": "Title", "field": "title", "status": "mapped"},
        {"column": "version", "field": "version", "status": "info"},
        {"column": "flavour", "field": None, "status": "unknown"},
        {"column": "Count (count)", "field": "count", "status": "mapped"}]


def test_user_cells_by_username_or_id(ft, ft_app):
    from engine.db import get_db
    from engine.runtime import identity

    with get_db(ft_app).transaction() as connection:
        kim_id = identity.create_user(connection, "kim", "password-123")
    content = to_csv([["title", "owner"], ["by name", "kim"], ["by id", str(kim_id)], ["nobody", "ghost"]])
    body = upload(ft, SAMPLES, content, mode="skip").get_json()
    assert body["created"] == 2
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "owner")]
    assert "ghost" in body["errors"][0]["message"]
    owners = {i["title"]: i["owner"] for i in ft.get(SAMPLES).get_json()["items"]}
    assert owners == {"by name": kim_id, "by id": kim_id}
