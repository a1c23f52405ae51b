"""Reading an uploaded table: CSV (UTF-8, BOM allowed) or XLSX (first sheet)."""
from __future__ import annotations

import csv
import io
import zipfile
from typing import Any, Iterator

from engine.runtime.errors import BadRequest, ErrorDetail

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # encrypted OOXML or legacy .xls
ZIP_MAGIC = b"PK\x03\x04"
MAX_COLUMNS = 500


def _bad(message: str) -> BadRequest:
    return BadRequest(message, [ErrorDetail("file", message)])


def read_rows(data: bytes, filename: str) -> Iterator[list[Any]]:
    """Rows of cells, header first. Raises BadRequest for unreadable files."""
    if not data.strip():
        raise _bad("The file is empty")
    if data.startswith(OLE2_MAGIC):
        raise _bad("The file is password-protected or an old .xls workbook: "
                   "save it as .xlsx without a password, or as CSV")
    if data.startswith(ZIP_MAGIC):
        return _xlsx_rows(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _bad("The file is not a valid XLSX workbook")
    return _csv_rows(data)


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _bad(f"The CSV file is not UTF-8 (byte {error.start}); save it as CSV UTF-8") from None
    if "\x00" in text:
        raise _bad("The CSV file contains NUL bytes; is it a binary file?")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise _bad(f"The CSV file is malformed: {error}") from None
    return iter(rows)


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, OSError, EOFError) as error:
        raise _bad(f"The XLSX file is malformed: {type(error).__name__}") from None
    except Exception as error:      # openpyxl raises many kinds on broken XML
        raise _bad(f"The XLSX file could not be read: {type(error).__name__}") from None
    while rows and all(c is None for c in rows[-1]):
        rows.pop()
    return iter(rows)
