"""Import files are not trusted (DESIGN §7.1): what a file claims about itself is
never believed, and rows, columns, cells and unpacked size are bounded while
reading — 400 naming the problem, 413 `payload_too_large` beyond the row,
value or size limits; nothing is written either way."""
from __future__ import annotations

import io
import itertools
import zipfile

import pytest

from tests.transfer import hostile as h
from tests.transfer.conftest import SAMPLES, to_csv, upload


def _count(api) -> int:
    return len(api.get(SAMPLES + "?limit=500").get_json()["items"])


def _refused(api, content: bytes, status: int, *fragments: str, filename="hostile.xlsx"):
    response = upload(api, SAMPLES, content, filename=filename)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == ("payload_too_large" if status == 413 else "bad_request")
    for fragment in fragments:
        assert fragment in error["message"], error["message"]
    assert error["details"][0]["field"] == "file"
    assert _count(api) == 0
    return error["message"]


def test_a_far_cell_under_a_declared_huge_dimension_is_refused_by_name(ft):
    content = h.workbook(h.sheet(h.header_and_title() + [h.row(1_048_576, h.text("XFD1048576", "x"))],
                                 dimension="A1:XFD1048576"))
    assert len(content) < 5_000
    _refused(ft, content, 400, "XFD1048576", "column 16,384", "at most 500 columns")


def test_a_claimed_size_is_not_believed(ft):
    """20,000 x 1,000 claimed (dimension, spans, empty rows): one record read."""
    rows = h.header_and_title() + [h.row(n, spans="1:1000") for n in range(3, 20_001, 997)]
    content = h.workbook(h.sheet(rows, dimension="A1:ALL20000"))
    response = upload(ft, SAMPLES, content, filename="claims.xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 1
    assert [i["title"] for i in ft.get(SAMPLES).get_json()["items"]] == ["Hammer"]


def test_a_far_row_is_read_with_its_number(ft):
    rows = [h.row(1, h.text("A1", "title"), h.text("B1", "count")),
            h.row(1_048_576, h.text("A1048576", "Far"), h.text("B1048576", "many"))]
    response = upload(ft, SAMPLES, h.workbook(h.sheet(rows, dimension="A1:B1048576")), filename="far.xlsx")
    assert response.status_code == 422
    assert [(e["row"], e["column"]) for e in response.get_json()["errors"]] == [(1_048_576, "count")]


def test_a_ten_megabyte_cell_is_refused_by_name(ft):
    ten_mb = ["x" * 1024 * 1024] * 10
    inline = h.workbook(h.sheet([h.row(1, h.text("A1", "title")),
                                 h.row(2, '<c r="A2" t="inlineStr"><is><t>', *ten_mb, "</t></is></c>")]))
    _refused(ft, inline, 400, "Cell A2", "more than 32,767 characters")
    shared = h.workbook(h.sheet([h.row(1, h.text("A1", "title")), h.row(2, h.shared_ref("B2", 0))]),
                        h.shared_strings(["".join(ten_mb)]))
    _refused(ft, shared, 400, "Cell B2", "more than 32,767 characters")


def test_a_shared_strings_bomb_is_refused(ft, ft_app):
    """Three million shared texts in a 100 KB file: a cell asking for the last is 413,
    and a table the sheet does not use is never read."""
    def bomb():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{h.MAIN}">'
        yield "<si><t>title</t></si><si><t>Hammer</t></si>"
        yield from itertools.repeat("<si><t>x</t></si>" * 100_000, 30)
        yield "</sst>"
    used = h.workbook(h.sheet([h.row(1, h.shared_ref("A1", 0)), h.row(2, h.shared_ref("A2", 2_999_999))]),
                      bomb())
    assert len(used) < 200_000
    _refused(ft, used, 413, "A2", "shared text")
    unused = h.workbook(h.sheet([h.row(1, h.shared_ref("A1", 0)), h.row(2, h.shared_ref("A2", 1))]), bomb())
    response = upload(ft, SAMPLES, unused, filename="unused.xlsx")
    assert response.status_code == 200 and response.get_json()["created"] == 1


def test_unpacked_size_and_xml_elements_are_bounded(ft, ft_app):
    ft_app.config["IMPORT_MAX_UNPACKED_BYTES"] = 1024 * 1024
    padding = h.workbook(h.sheet(h.header_and_title() + ["<!--" + " " * 2_000_000 + "-->"]))
    _refused(ft, padding, 413, "more than 1 MB")
    ft_app.config["IMPORT_MAX_CELLS"] = 1000
    junk = h.workbook(h.sheet(h.header_and_title() + ["<x/>" * 5000]))
    _refused(ft, junk, 413, "more than 4,000 XML elements")


def test_entity_expansion_and_many_parts_are_refused(ft):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
              f'<worksheet xmlns="{h.MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t>'
              "</is></c></row></sheetData></worksheet>")
    _refused(ft, h.workbook([laughs]), 400, "document type")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", h.WORKBOOK)
        for n in range(10_001):
            archive.writestr(f"x/{n}", "")
    _refused(ft, buffer.getvalue(), 400, "10,002 parts")


def test_row_cap_is_413_for_csv_and_xlsx(ft, ft_app):
    ft_app.config["IMPORT_MAX_ROWS"] = 5
    five = [["title"]] + [[f"t{n}"] for n in range(5)]
    assert upload(ft, SAMPLES, to_csv(five), dry_run=1).status_code == 200
    six = five + [["t5"]]
    _refused(ft, to_csv(six).encode(), 413, "more than 5 rows", filename="six.csv")
    rows = [h.row(n + 1, h.text(f"A{n + 1}", value[0])) for n, value in enumerate(six)]
    _refused(ft, h.workbook(h.sheet(rows)), 413, "more than 5 rows")
    blank_lines = to_csv(five) + "\n" * 50 + ",,,\n" * 50       # blank rows are not rows
    assert upload(ft, SAMPLES, blank_lines, dry_run=1).status_code == 200


def test_value_cap_is_413(ft, ft_app):
    ft_app.config["IMPORT_MAX_CELLS"] = 10
    content = to_csv([["title", "count"]] + [[f"t{n}", n] for n in range(6)])
    _refused(ft, content.encode(), 413, "more than 10 values", filename="many.csv")


@pytest.mark.parametrize("content,status,fragments", [
    (b"title\n" + b"," * 2_000_000 + b"\n", 400, ("Line 2", "more than 500 columns")),
    (b"title,notes\nx," + b"y" * 200_000 + b"\n", 400, ("line 2", "more than 32,767 characters")),
    (b"title,notes\nx," + b"y" * 40_000 + b"\n", 400, ("Cell B2", "more than 32,767 characters")),
    (b"title\nok\nbad\x00byte\n", 400, ("NUL bytes", "line 3")),
    ("title\n好\n坏\n".encode("gbk"), 400, ("not UTF-8", "line 2")),
])
def test_hostile_csv_files(ft, content, status, fragments):
    _refused(ft, content, status, *fragments, filename="hostile.csv")


def test_separators_inside_quotes_are_not_columns(ft):
    commas = "," * 600
    content = f'title,notes\nA,"{commas}"\nB,"multi\n{commas}\nline"\n'
    response = upload(ft, SAMPLES, content)
    assert response.status_code == 200, response.get_json()
    notes = {i["title"]: i["notes"] for i in ft.get(SAMPLES).get_json()["items"]}
    assert notes == {"A": commas, "B": f"multi\n{commas}\nline"}


def test_utf16_text_from_excel_is_read(ft):
    response = upload(ft, SAMPLES, "title\tcount\n甲\t3\n".encode("utf-16"), filename="unicode.txt")
    assert response.status_code == 200, response.get_json()
    assert ft.get(SAMPLES).get_json()["items"][0]["title"] == "甲"
