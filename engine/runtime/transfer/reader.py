"""Reading an uploaded table: CSV (UTF-8, BOM allowed; UTF-16 with a BOM) or
XLSX (first sheet), row by row, within the import limits (`limits.py`).

Rows come as (row number as the user sees it, cells), header first; rows
without any value are left out. A cell's leading `'` that an export added
before a formula character is removed here (`formulas.unquote`).
"""
from __future__ import annotations

import csv
import re
from typing import Any, Iterator

from engine.runtime.transfer.columns import rows_blank
from engine.runtime.transfer.formulas import unquote
from engine.runtime.transfer.limits import ImportLimits, count, too_large, unreadable
from engine.runtime.transfer.xlsx import xlsx_rows
from engine.runtime.transfer.xlsx_parts import cell_too_long, column_letters

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # encrypted OOXML or legacy .xls
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
Row = tuple[int, list[Any]]


def read_rows(data: bytes, filename: str, limits: ImportLimits | None = None) -> Iterator[Row]:
    """(row number, cells) of the rows with a value, header first. Raises
    BadRequest (400) for unreadable files and ones beyond the column or cell
    limits, PayloadTooLarge (413) beyond the row or unpacked-size limits —
    when the reading gets there, so iterate inside the caller's error handling."""
    limits = limits or ImportLimits.current()
    if not data.strip():
        raise unreadable("empty", "The file is empty")
    if data.startswith(OLE2_MAGIC):
        raise unreadable("encrypted", "The file is password-protected or an old .xls workbook: "
                         "save it as .xlsx without a password, or as CSV")
    if data.startswith(ZIP_MAGIC):
        return _bounded(xlsx_rows(data, limits), limits)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise unreadable("xlsx_not_workbook", "The file is not a valid XLSX workbook")
    return _bounded(_csv_rows(data, limits), limits)


def _bounded(rows: Iterator[Row], limits: ImportLimits) -> Iterator[Row]:
    """Rows with a value, the export's `'` removed; at most `max_rows` after the
    header and `max_cells` values in all."""
    data_rows, values = -1, 0
    for number, cells in rows:
        if rows_blank(cells):
            continue
        data_rows += 1
        values += sum(1 for cell in cells if cell is not None and cell != "")
        if data_rows > limits.max_rows:
            raise too_large("too_many_rows", f"The file has more than {count(limits.max_rows)} rows; "
                            f"an import takes at most that many (row {count(number)} is one too many): "
                            "split the file", limit=limits.max_rows)
        if values > limits.max_cells:
            raise too_large("too_many_cells", f"The file holds more than {count(limits.max_cells)} values "
                            f"(reached on row {count(number)}); an import takes at most that many: "
                            "split the file", limit=limits.max_cells)
        yield number, [unquote(cell) for cell in cells]


# ------------------------------------------------------------------------ CSV
def _csv_rows(data: bytes, limits: ImportLimits) -> Iterator[Row]:
    text = _decode(data)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise unreadable("nul", f"The CSV file contains NUL bytes (line {count(line)}); is it a binary file?",
                         line=line)
    dialect = _dialect(text[:4096])
    if csv.field_size_limit() <= limits.max_cell_chars:      # only ever raised: shared by threads
        csv.field_size_limit(limits.max_cell_chars + 1)
    reader = csv.reader(_lines(text, dialect, limits), dialect)
    number = 0
    try:
        for cells in reader:
            number += 1
            _check_row(number, cells, limits)
            yield number, cells
    except csv.Error as error:
        line = reader.line_num
        if "field limit" in str(error):
            raise unreadable("line_cell_too_long", f"A cell on line {count(line)} holds more than "
                             f"{count(limits.max_cell_chars)} characters; an import reads at most that many "
                             "in a cell", line=line, limit=limits.max_cell_chars) from None
        raise unreadable("csv_malformed", f"The CSV file is malformed on line {count(line)}: {error}",
                         line=line) from None


def _dialect(sample: str) -> type[csv.Dialect]:
    """Excel's CSV with the sniffed separator (and spaces after it). The quote
    character is always `"`: the sniffer takes `'` for one when cells start
    with the `'` an export puts before formula characters."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel
    return type("Sniffed", (csv.excel,), {"delimiter": sniffed.delimiter,
                                          "skipinitialspace": sniffed.skipinitialspace})


def _decode(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):            # Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise unreadable("bad_utf16", f"The file starts as UTF-16 text but byte {error.start} is not: "
                             "save it as CSV UTF-8") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise unreadable("not_utf8", f"The CSV file is not UTF-8 (line {count(line)}, byte {error.start}): "
                         "save it as CSV UTF-8", line=line) from None


def _lines(text: str, dialect, limits: ImportLimits) -> Iterator[str]:
    """Physical lines for the csv module; a line with more separators outside
    quotes than the column limit is refused before csv splits it into a list
    (a 20 MB line of commas would be millions of cells)."""
    delimiter, quote = dialect.delimiter, dialect.quotechar
    quoted = re.compile(f"{re.escape(quote)}[^{re.escape(quote)}]*(?:{re.escape(quote)}|$)")
    in_quotes = False
    for number, match in enumerate(LINE.finditer(text), 1):
        line = match.group()
        if line.count(delimiter) >= limits.max_columns:
            outside = line
            if in_quotes:
                end = line.find(quote)
                outside = line[end + 1:] if end >= 0 else ""
            if quoted.sub("", outside).count(delimiter) >= limits.max_columns:
                raise _too_many_columns("line", number, limits)
        if line.count(quote) % 2:
            in_quotes = not in_quotes
        yield line


def _check_row(number: int, cells: list[str], limits: ImportLimits) -> None:
    if len(cells) > limits.max_columns:
        raise _too_many_columns("row", number, limits)
    for index, cell in enumerate(cells):
        if len(cell) > limits.max_cell_chars:
            raise cell_too_long(f"{column_letters(index + 1)}{number}", limits.max_cell_chars)


def _too_many_columns(where: str, number: int, limits: ImportLimits):
    """`where`: "line" (a physical line) or "row" (a CSV record, which may span lines)."""
    return unreadable(f"{where}_too_many_columns", f"{where.capitalize()} {count(number)} has more than "
                      f"{count(limits.max_columns)} columns; an import reads at most that many",
                      limit=limits.max_columns, **{where: number})
