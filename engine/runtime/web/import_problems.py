"""Why an import file was refused, in the page's language.

The reader (`transfer/reader.py`, `transfer/xlsx.py`) raises errors with a
problem code and its numbers next to the English message the API answers;
the import screen says the same here, translated. Unknown codes fall back to
the English message.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

PROBLEMS = {
    "file_size": _l("The file is larger than the import limit of %(limit_mb)s MB."),
    "empty": _l("The file is empty."),
    "encrypted": _l("The file is password-protected or an old .xls workbook: save it as .xlsx without a "
                    "password, or as CSV."),
    "xlsx_not_workbook": _l("The file is not a valid XLSX workbook."),
    "xlsx_no_sheet": _l("The XLSX workbook has no worksheet."),
    "xlsx_malformed": _l("The XLSX file is damaged (%(detail)s)."),
    "xlsx_parts": _l("The XLSX file holds %(parts)s parts; a workbook has a few dozen."),
    "not_utf8": _l("The CSV file is not UTF-8 (line %(line)s): in Excel, save it as “CSV UTF-8”."),
    "bad_utf16": _l("The file starts as UTF-16 text but is not: save it as “CSV UTF-8”."),
    "nul": _l("The CSV file contains NUL bytes (line %(line)s); is it a binary file?"),
    "csv_malformed": _l("The CSV file is malformed on line %(line)s."),
    "too_many_columns": _l("Cell %(cell)s is in column %(column)s; an import reads at most %(limit)s columns."),
    "line_too_many_columns": _l("Line %(line)s has more than %(limit)s columns; an import reads at most that many."),
    "row_too_many_columns": _l("Row %(row)s has more than %(limit)s columns; an import reads at most that many."),
    "cell_too_long": _l("Cell %(cell)s holds more than %(limit)s characters; an import reads at most that many "
                        "in a cell."),
    "line_cell_too_long": _l("A cell on line %(line)s holds more than %(limit)s characters; an import reads at "
                             "most that many in a cell."),
    "too_many_rows": _l("The file has more than %(limit)s rows; an import takes at most that many: split the file."),
    "too_many_cells": _l("The file holds more than %(limit)s values; an import takes at most that many: "
                         "split the file."),
    "shared_strings": _l("Cell %(cell)s refers to shared text number %(index)s; an import reads at most %(limit)s "
                         "of them."),
    "unpacked": _l("The workbook unpacks to more than %(limit_mb)s MB; an import reads at most that much."),
    "elements": _l("The workbook is too complex to import: %(part)s holds more than %(limit)s XML elements."),
}


def explain(code: str | None, params: Mapping[str, Any] | None, fallback: str | None) -> str | None:
    """The problem in the page's language, else `fallback` (the English message)."""
    template = PROBLEMS.get(code or "")
    if template is None:
        return fallback
    shown = {key: f"{value:,}" if isinstance(value, int) else value for key, value in (params or {}).items()}
    try:
        return str(template) % shown
    except (KeyError, TypeError, ValueError):
        return fallback
