"""A report as CSV or XLSX: localized headers, link titles, the transfer module's cell rules."""
from __future__ import annotations

import csv
import io
import tempfile
from typing import Any, Iterator

from engine.definitions.model import FieldModel, localized
from engine.runtime.reports.result import ReportResult
from engine.runtime.transfer import formulas
from engine.runtime.transfer.columns import cell_out

FORMATS = ("csv", "xlsx")


def headers(result: ReportResult, language: str | None) -> list[str]:
    return [localized(column.label, language) for column in result.columns]


def cells(result: ReportResult, *, xlsx: bool) -> Iterator[list[Any]]:
    kinds = [FieldModel(name=c.name, type=c.type, label={}) for c in result.columns]
    titles = [result.titles.get(c.name, {}) for c in result.columns]
    for row in result.rows:
        yield [cell_out(kind, value, titles[i].get(value) if value is not None else None, xlsx=xlsx)
               for i, (kind, value) in enumerate(zip(kinds, row))]


def csv_text(result: ReportResult, language: str | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formulas.csv_text(h) for h in headers(result, language)])
    for row in cells(result, xlsx=False):
        writer.writerow(["" if v is None else v for v in row])
    return "\ufeff" + buffer.getvalue()        # BOM: Excel opens UTF-8 correctly


def xlsx_file(result: ReportResult, language: str | None, sheet_name: str):
    """A write-only workbook in a temporary file (deleted when closed), rewound."""
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name[:31] or "report")
    sheet.append(formulas.xlsx_row(sheet, headers(result, language)))
    for row in cells(result, xlsx=True):
        sheet.append(formulas.xlsx_row(sheet, row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle
