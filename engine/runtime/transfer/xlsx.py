"""Reading the first sheet of an untrusted XLSX workbook, row by row.

Not openpyxl's reader: it pads every row to the sheet's declared `<dimension>`
and yields an empty row for every missing row number, so a 5 KB file claiming
`A1:XFD1048576` costs gigabytes before anything can be checked. Here the sheet
is parsed incrementally with expat straight out of the zip stream:

- declared sizes (`<dimension>`, `spans`, counts) are never read;
- a row is yielded when it ends, with its number and only up to its last cell
  with a value; rows without values are not yielded at all;
- a value in a column beyond the column limit is refused, naming the cell;
- text is collected up to the cell limit and refused beyond, naming the cell;
- every byte unpacked counts against one budget (zip bombs); a part with a
  document type declaration is refused (entity expansion);
- shared strings are parsed lazily, only as far as a cell asks.

Values are what openpyxl's `data_only` reader gives: numbers (int or float),
datetimes for date-formatted numbers, booleans, text.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from collections import deque
from datetime import datetime
from typing import Any, Iterator

from engine.runtime.transfer.formulas import xlsx_read
from engine.runtime.transfer.limits import ImportLimits, count, unreadable
from engine.runtime.transfer.xlsx_parts import (
    CELL_REF, MAX_PARTS, Budget, Part, SharedStrings, Workbook, cell_too_long, column_index,
    column_letters, malformed,
)

Row = tuple[int, list[Any]]


def xlsx_rows(data: bytes, limits: ImportLimits) -> Iterator[Row]:
    """(row number, cells) of the first sheet's rows that hold a value."""
    entries = _entry_count(data)
    if entries > MAX_PARTS:
        raise unreadable("xlsx_parts", f"The XLSX file holds {count(entries)} parts; a workbook has a few dozen",
                         parts=entries)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError) as error:
        raise malformed(f"not a zip archive ({type(error).__name__})") from None
    budget = Budget(limits)
    return SheetReader(Workbook(archive, budget), limits).rows()


def _entry_count(data: bytes) -> int:
    """The entries the zip's end record declares, read before zipfile builds an object for each."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return 0                     # zipfile says what is wrong
    return int.from_bytes(data[end + 10:end + 12], "little")


class SheetReader:
    def __init__(self, book: Workbook, limits: ImportLimits):
        self.limits = limits
        self.strings = SharedStrings(book, limits)
        self.dates = book.date_styles()
        self.epoch = book.epoch
        self.part = Part(book.archive, book.sheet, book.budget, self._start, self._end, self._text)
        self.ready: deque[Row] = deque()
        self.finished = False
        self.row_number = 0
        self.cells: list[Any] = []
        self.column = 0
        self.cell: dict[str, Any] | None = None      # the cell being read: ref, type, style
        self.text: list[str] | None = None            # text of the <v> or <is><t> being read
        self.size = 0
        self.inside = False                           # in a <v> or a <t> of the cell's text
        self.phonetic = 0

    def rows(self) -> Iterator[Row]:
        while True:
            while self.ready:
                yield self.ready.popleft()
            if self.finished or not self.part.feed():
                return

    # ------------------------------------------------------------ expat handlers
    def _start(self, tag: str, attrs: dict) -> None:
        if tag == "c":
            self._start_cell(attrs)
        elif self.cell is None:
            if tag == "row":
                self._start_row(attrs)
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "v" or (tag == "t" and self.cell["t"] == "inlineStr" and not self.phonetic):
            if self.text is None:
                self.text, self.size = [], 0
            self.inside = True

    def _end(self, tag: str) -> None:
        if tag == "c" and self.cell is not None:
            self._end_cell()
        elif tag in ("v", "t"):
            self.inside = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "row":
            if self.cells:
                self.ready.append((self.row_number, self.cells))
            self.cells = []
        elif tag == "sheetData":
            self.finished = True                      # what follows (merged cells, links…) is not read

    def _text(self, text: str) -> None:
        if not self.inside:
            return
        self.size += len(text)
        if self.size > self.limits.max_cell_chars:
            raise cell_too_long(self.cell["ref"], self.limits.max_cell_chars)
        self.text.append(text)

    def _start_row(self, attrs: dict) -> None:
        number = attrs.get("r")
        if number is None:
            self.row_number += 1
        elif number.isdigit() and 0 < int(number) <= 1_048_576:
            self.row_number = int(number)
        else:
            raise malformed(f"row number {number[:20]!r}")
        self.cells, self.column = [], 0

    def _start_cell(self, attrs: dict) -> None:
        ref = attrs.get("r")
        if ref is None:
            self.column += 1
        else:
            match = CELL_REF.match(ref)
            if match is None:
                raise malformed(f"cell reference {ref[:20]!r}")
            self.column = column_index(match.group(1))
        self.cell = {"ref": f"{column_letters(self.column)}{self.row_number}",
                     "t": attrs.get("t", "n"), "s": attrs.get("s")}
        self.text = None

    def _end_cell(self) -> None:
        cell, text = self.cell, self.text
        self.cell = self.text = None
        self.inside = False
        if text is None:
            return
        value = self._value(cell, "".join(text))
        if value is None or value == "":
            return
        if self.column > self.limits.max_columns:
            raise unreadable("too_many_columns",
                             f"Cell {cell['ref']} is in column {count(self.column)}; an import reads at most "
                             f"{count(self.limits.max_columns)} columns", cell=cell["ref"],
                             column=self.column, limit=self.limits.max_columns)
        if len(self.cells) < self.column:
            self.cells.extend([None] * (self.column - len(self.cells)))
        self.cells[self.column - 1] = value

    def _value(self, cell: dict[str, Any], text: str) -> Any:
        kind, where = cell["t"], cell["ref"]
        if kind == "s":
            if not text.strip().isdigit():
                raise malformed(f"cell {where} refers to shared text {text[:20]!r}")
            return xlsx_read(self.strings.get(int(text), where))
        if kind in ("inlineStr", "str"):
            return xlsx_read(text)
        if kind == "e":
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                return datetime.fromisoformat(text.strip())
            except ValueError:
                return text
        return self._number(cell, text.strip())

    def _number(self, cell: dict[str, Any], text: str) -> Any:
        if not text:
            return None
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            raise malformed(f"cell {cell['ref']} holds {text[:20]!r} as a number") from None
        style = cell["s"]
        if style and style.isdigit() and int(style) in self.dates:
            from openpyxl.utils.datetime import from_excel
            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError):
                return number
        return number
