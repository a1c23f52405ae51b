"""Export → import round trips, CSV and XLSX; filter, sort, permissions."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.api.conftest import ApiClient, make_user
from tests.transfer.conftest import SAMPLES, parse_csv, to_csv, upload

FIELDS = ("title", "notes", "count", "price", "active", "day", "moment", "colour", "tags",
          "category", "email", "phone", "file", "owner")


def _sample(ft, category, **overrides):
    body = {"title": "Hammer", "notes": "Line one\nLine two, \"quoted\"", "count": 7, "price": "12.3456",
            "active": False, "day": "2026-02-28", "moment": "2026-02-28T13:45:10.250+08:00",
            "colour": "blue", "tags": ["sale", "new"], "category": category["id"],
            "email": "a@example.com", "phone": "+86 10 1234 5678",
            "file": [{"name": "手册.pdf", "size": 1024, "content_type": "application/pdf"}],
            "items": [{"description": "head", "qty": 2, "price": 1.5}, {"description": "handle"}]}
    body.update(overrides)
    response = ft.post(SAMPLES, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _records(ft):
    items = ft.get(SAMPLES + "?limit=500&sort=id").get_json()["items"]
    return [ft.get(f"{SAMPLES}/{item['id']}").get_json() for item in items]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_preserves_every_field_type(ft, fmt):
    category = ft.post("/apps/field_types/forms/category/records", json={"name": "Tools"}).get_json()
    _sample(ft, category)
    _sample(ft, category, title="Saw", active=True, tags=[], file=None, price="0.0001", count=0,
            items=[{"description": "blade", "qty": 3, "price": 2}])
    before = _records(ft)
    exported = ft.get(f"{SAMPLES}/export?format={fmt}&subform=items&sort=id")
    assert exported.status_code == 200
    content = exported.get_data()
    # CSV: delete everything and import the file back with ids dropped (creates);
    # XLSX: import it as it is (updates by id).
    if fmt == "csv":
        for record in before:
            assert ft.delete(f"{SAMPLES}/{record['id']}").status_code == 204
        rows = parse_csv(exported)
        assert rows[0][0] == "id" and "Title (title)" in rows[0] and "Items › qty (items.qty)" in rows[0]
        assert len(rows) == 1 + 3          # two lines + one line
        rows = [r[1:] for r in rows]       # drop the id column
        content = to_csv(rows).encode()
    response = upload(ft, SAMPLES, content, filename=f"samples.{fmt}", key="code")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["created" if fmt == "csv" else "updated"] == 2 and body["errors"] == []
    after = _records(ft)
    for old, new in zip(before, after):
        for key in FIELDS:
            assert new[key] == old[key], key
        assert [(i["description"], i["qty"], i["price"], i["amount"]) for i in new["items"]] == \
               [(i["description"], i["qty"], i["price"], i["amount"]) for i in old["items"]]
        assert new["total"] == old["total"]


def test_update_by_id_and_history_cause(ft):
    category = ft.post("/apps/field_types/forms/category/records", json={"name": "Tools"}).get_json()
    record = _sample(ft, category)
    content = to_csv([["id", "Title (title)", "数量", "Category"], [record["id"], "Renamed", "9", "Tools"]])
    response = upload(ft, SAMPLES, content)
    assert response.status_code == 200 and response.get_json()["updated"] == 1, response.get_json()
    stored = ft.get(f"{SAMPLES}/{record['id']}").get_json()
    assert stored["title"] == "Renamed" and stored["count"] == 9 and stored["items"] == record["items"]
    history = ft.get(f"{SAMPLES}/{record['id']}/history").get_json()["items"]
    assert history[0]["cause"] == {"kind": "import", "detail": "data.csv"}


def test_export_applies_filter_sort_and_language(ft):
    category = ft.post("/apps/field_types/forms/category/records", json={"name": "Tools"}).get_json()
    for title, count in (("A", 5), ("B", 1), ("C", 3), ("D", 10)):
        _sample(ft, category, title=title, count=count)
    response = ft.get(f"{SAMPLES}/export?format=csv&filter=count%20%3C%206&sort=-count",
                      headers={"Accept-Language": "zh-CN"})
    rows = parse_csv(response)
    assert "标题 (title)" in rows[0] and "类别 (category)" in rows[0]
    title = rows[0].index("标题 (title)")
    assert [r[title] for r in rows[1:]] == ["A", "C", "B"]
    assert rows[1][rows[0].index("类别 (category)")] == "Tools"
    xlsx = ft.get(f"{SAMPLES}/export?format=xlsx&filter=count%20%3E%204&sort=count")
    sheet = load_workbook(io.BytesIO(xlsx.get_data()), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    index = values[0].index("Title (title)")
    assert [v[index] for v in values[1:]] == ["A", "D"]
    assert ft.get(f"{SAMPLES}/export?format=pdf").status_code == 400
    assert ft.get(f"{SAMPLES}/export?filter=nonsense%20%3D%3D").status_code == 400


def test_export_permissions(ft, ft_app, client):
    category = ft.post("/apps/field_types/forms/category/records", json={"name": "Tools"}).get_json()
    _sample(ft, category)
    # The category form grants editors no export right.
    editor = ApiClient(client, make_user(ft_app, "ed", roles=[("field_types", "editor")]))
    assert editor.get("/apps/field_types/forms/category/records/export").status_code == 403
    assert upload(editor, "/apps/field_types/forms/category/records", "name\nX\n").status_code == 403
    response = editor.get(f"{SAMPLES}/export")
    assert response.status_code == 200
    assert any("(title)" in h for h in parse_csv(response)[0])


def test_hidden_fields_never_exported(ft_app, client, monkeypatch):
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    admin = ApiClient(client, make_user(ft_app, "admin", admin=True))
    category = admin.post("/apps/field_types/forms/category/records", json={"name": "Tools"}).get_json()
    _sample(admin, category, email="secret@example.com")
    editor = ApiClient(client, make_user(ft_app, "ed", roles=[("field_types", "editor")]))
    with get_db(ft_app).read() as connection:
        form = get_registry(ft_app).get(connection, "field_types").model.form("sample")
    permission = form.permissions["editor"]
    monkeypatch.setitem(permission.__dict__, "fields", {"email": "hidden"})
    rows = parse_csv(editor.get(f"{SAMPLES}/export"))
    assert not any("email" in h.lower() for h in rows[0])
    assert "secret@example.com" not in ",".join(rows[1])


def test_list_screen_shows_export_link(ft_app, ft):
    assert "api.export_records" in ft_app.view_functions


def test_an_unchanged_export_imports_back_as_unchanged(ft):
    from tests.transfer.conftest import upload
    for title in ("one", "two"):
        assert ft.post(SAMPLES, json={"title": title, "count": 3}).status_code == 201
    exported = ft.get(SAMPLES + "/export?format=csv").get_data()
    body = upload(ft, SAMPLES, exported, filename="samples.csv").get_json()
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (0, 0, 2, [])
    assert {i["version"] for i in ft.get(SAMPLES).get_json()["items"]} == {1}
