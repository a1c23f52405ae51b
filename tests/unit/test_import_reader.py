"""The import reader on its own: what it yields, and that what a file claims
about its size costs nothing (memory measured with tracemalloc)."""
from __future__ import annotations

import io
import tracemalloc
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from engine.runtime.errors import BadRequest, PayloadTooLarge
from engine.runtime.transfer.limits import ImportLimits
from engine.runtime.transfer.reader import read_rows
from tests.transfer import hostile as h


def _xlsx(rows, date1904: bool = False) -> bytes:
    workbook = Workbook()
    workbook.epoch = datetime(1904, 1, 1) if date1904 else workbook.epoch
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_values_as_openpyxl_reads_them():
    rows = [["title", "count", "price", "day", "moment", "active", "note"],
            ["甲", 3, 1.25, date(2026, 2, 28), datetime(2026, 2, 28, 13, 45), True, "'=1+2"],
            [None, None, None, None, None, None, None],
            ["乙", -4, None, None, None, False, "a_x000D_b"]]
    read = list(read_rows(_xlsx(rows), "x.xlsx"))
    assert [number for number, _ in read] == [1, 2, 4]                     # the empty row is left out
    assert read[1][1] == ["甲", 3, 1.25, datetime(2026, 2, 28), datetime(2026, 2, 28, 13, 45), True, "=1+2"]
    assert read[2][1] == ["乙", -4, None, None, None, False, "a\rb"]       # Excel's escape of CR


def test_dates_of_a_1904_workbook():
    read = list(read_rows(_xlsx([["day"], [date(2026, 2, 28)]], date1904=True), "x.xlsx"))
    assert read[1][1] == [datetime(2026, 2, 28)]


def test_rows_hold_only_their_cells_and_keep_their_numbers():
    rows = [h.row(1, h.text("A1", "a"), h.text("C1", "c")),
            h.row(7, h.number("B7", "2.5"), '<c r="Z7" s="3"/>'),              # a styled empty cell
            h.row(9, '<c r="A9" t="b"><v>1</v></c>', '<c r="B9" t="str"><f>A1</f><v>a</v></c>'),
            h.row(10, '<c r="A10" t="e"><v>#N/A</v></c>', '<c r="B10"><f>1/0</f></c>')]
    read = list(read_rows(h.workbook(h.sheet(rows, dimension="A1:XFD1048576")), "x.xlsx"))
    assert read == [(1, ["a", None, "c"]), (7, [None, 2.5]), (9, [True, "a"]), (10, ["#N/A"])]


def test_rich_text_and_phonetic_runs():
    inline = ('<c r="A2" t="inlineStr"><is><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and'
              ' plain</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh></is></c>')
    shared = '<si><r><t>東京</t></r><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></si>'
    content = h.workbook(h.sheet([h.row(1, h.text("A1", "title")), h.row(2, inline, h.shared_ref("B2", 0))]),
                         [f'<sst xmlns="{h.MAIN}">', shared, "</sst>"])
    assert list(read_rows(content, "x.xlsx"))[1] == (2, ["Bold and plain", "東京"])


def test_limits_come_from_the_caller():
    limits = ImportLimits(max_rows=2, max_columns=3, max_cell_chars=5)
    csv = b"a,b,c\n1,2,3\n4,5,6\n"
    assert len(list(read_rows(csv, "x.csv", limits))) == 3
    with pytest.raises(PayloadTooLarge, match="more than 2 rows"):
        list(read_rows(csv + b"7,8,9\n", "x.csv", limits))
    with pytest.raises(BadRequest, match="Line 2 has more than 3 columns"):
        list(read_rows(b"a,b,c\n1,2,3,4\n", "x.csv", limits))
    with pytest.raises(BadRequest, match="Row 2 has more than 3 columns"):     # one record, two lines
        list(read_rows(b'a,b,c\n1,2,"x\ny",3\n', "x.csv", limits))
    with pytest.raises(BadRequest, match="Cell B2 holds more than 5 characters"):
        list(read_rows(b"a,b\n1,123456\n", "x.csv", limits))
    with pytest.raises(BadRequest, match="Cell D1 is in column 4"):
        list(read_rows(h.workbook(h.sheet([h.row(1, h.text("D1", "x"))])), "x.xlsx", limits))


def test_memory_stays_flat_whatever_the_file_claims():
    """openpyxl pads every row to the declared dimension: this file would cost
    20,000 rows x 16,384 cells. Read here, memory follows the real cells."""
    rows = [h.row(n, h.text(f"A{n}", f"row {n}"), h.number(f"B{n}", n), spans="1:16384")
            for n in range(1, 20_001)]
    content = h.workbook(h.sheet(rows, dimension="A1:XFD1048576"))
    tracemalloc.start()
    try:
        seen = sum(1 for _ in read_rows(content, "claims.xlsx"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == 20_000
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_memory_stays_flat_on_hostile_files():
    ten_mb = ["y" * 1024 * 1024] * 10
    files = [
        h.workbook(h.sheet([h.row(1, h.text("A1", "t")), h.row(2, '<c r="A2" t="inlineStr"><is><t>', *ten_mb,
                                                                "</t></is></c>")])),
        h.workbook(h.sheet([h.row(1, h.text("A1", "t")), h.row(1_048_576, h.text("XFD1048576", "x"))],
                           dimension="A1:XFD1048576")),
        b"title\n" + b"," * 5_000_000 + b"\n",
    ]
    for content in files:
        tracemalloc.start()
        try:
            with pytest.raises(BadRequest):
                list(read_rows(content, "hostile.xlsx" if content.startswith(b"PK") else "hostile.csv"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 32 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
