"""The parts of an untrusted XLSX workbook besides its sheet (see `xlsx.py`):
the part list, the workbook and its relations, styles (which formats are
dates), the shared strings table; every byte unpacked counts against a budget.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from datetime import datetime
from typing import Callable
from xml.parsers import expat

from engine.runtime.transfer.limits import ImportLimits, count, too_large, unreadable

CHUNK = 64 * 1024
MAX_PARTS = 10_000            # a workbook has a few dozen; more is a zip made to hurt
MAX_STYLES = 100_000
CELL_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")
REL_TYPE = "/relationships/"
WINDOWS_EPOCH = datetime(1899, 12, 30)
MAC_EPOCH = datetime(1904, 1, 1)


def malformed(detail: str):
    return unreadable("xlsx_malformed", f"The XLSX file is malformed: {detail}", detail=detail)


class Budget:
    """What reading the workbook may cost: bytes unpacked in all (zip bombs,
    IMPORT_MAX_UNPACKED_BYTES) and XML elements in one part (each costs a
    parser callback; a cell takes up to four, so 4 x IMPORT_MAX_CELLS)."""

    def __init__(self, limits: ImportLimits):
        self.limit, self.used = limits.max_unpacked_bytes, 0
        self.elements = 4 * limits.max_cells

    def take(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            megabytes = max(1, self.limit // (1024 * 1024))
            raise too_large("unpacked", f"The workbook unpacks to more than {count(megabytes)} MB of data; "
                            "an import reads at most that much", limit_mb=megabytes)


class Part:
    """One XML part of the workbook, fed to expat a chunk at a time."""

    def __init__(self, archive: zipfile.ZipFile, name: str, budget: Budget,
                 start: Callable, end: Callable, text: Callable | None = None):
        self.name, self.budget, self.start, self.elements = name, budget, start, 0
        try:
            self.stream = archive.open(name)
        except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as error:
            raise malformed(f"{name} cannot be opened ({type(error).__name__})") from None
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = lambda name: end(_local(name))
        if text is not None:
            self.parser.CharacterDataHandler = text
        self.parser.StartDoctypeDeclHandler = self._refuse_dtd
        self.parser.EntityDeclHandler = self._refuse_dtd
        self.done = False

    def _start(self, name: str, attrs: dict) -> None:
        self.elements += 1
        if self.elements > self.budget.elements:
            raise too_large("elements", f"The XLSX part {self.name} holds more than "
                            f"{count(self.budget.elements)} XML elements; an import reads at most that many",
                            part=self.name, limit=self.budget.elements)
        self.start(_local(name), attrs)

    def _refuse_dtd(self, *_args) -> None:
        raise malformed(f"{self.name} declares a document type, which a workbook never does")

    def feed(self) -> bool:
        """Parse the next chunk; False once the part is read to its end."""
        if self.done:
            return False
        try:
            data = self.stream.read(CHUNK)
            self.budget.take(len(data))
            self.parser.Parse(data, not data)
        except expat.ExpatError as error:
            raise malformed(f"{self.name}: {expat.errors.messages[error.code]} "
                            f"(line {error.lineno})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise malformed(f"{self.name} is damaged ({type(error).__name__})") from None
        if not data:
            self.done = True
            self.stream.close()
        return not self.done

    def read_all(self) -> None:
        while self.feed():
            pass


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _attr(attrs: dict, local: str) -> str | None:
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return None


class Workbook:
    """Where the first sheet, the shared strings and the styles are; the date epoch."""

    def __init__(self, archive: zipfile.ZipFile, budget: Budget):
        self.archive, self.budget = archive, budget
        names = set(archive.namelist())
        root = self._relations("_rels/.rels", "").get("officeDocument") or ["xl/workbook.xml"]
        self.path = root[0]
        if self.path not in names:
            raise unreadable("xlsx_not_workbook", "The file is not a valid XLSX workbook (no workbook part)")
        sheets: list[str] = []
        self.epoch = WINDOWS_EPOCH

        def start(tag, attrs):
            if tag == "sheet":
                sheets.append(_attr(attrs, "id") or "")
            elif tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.epoch = MAC_EPOCH
        Part(archive, self.path, budget, start, lambda tag: None).read_all()
        folder = posixpath.dirname(self.path)
        relations = self._relations(posixpath.join(folder, "_rels", posixpath.basename(self.path) + ".rels"),
                                    folder, by_id=True)
        sheet = relations.get(sheets[0]) if sheets else None
        if not sheet or sheet[0] not in names:
            raise unreadable("xlsx_no_sheet", "The XLSX workbook has no worksheet")
        self.sheet = sheet[0]
        self.shared_strings = next(iter(relations.get("sharedStrings") or []), None)
        self.styles = next(iter(relations.get("styles") or []), None)

    def _relations(self, name: str, folder: str, by_id: bool = False) -> dict[str, list[str]]:
        """Relationship targets by type (the last part of its URI), or by id."""
        found: dict[str, list[str]] = {}
        if name not in self.archive.namelist():
            return found

        def start(tag, attrs):
            if tag != "Relationship" or not attrs.get("Target"):
                return
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            path = posixpath.normpath(path)
            key = attrs.get("Id", "") if by_id else attrs.get("Type", "").rsplit("/", 1)[-1]
            found.setdefault(key, []).append(path)
            if by_id:
                found.setdefault(attrs.get("Type", "").rsplit("/", 1)[-1], []).append(path)
        Part(self.archive, name, self.budget, start, lambda tag: None).read_all()
        return found

    def date_styles(self) -> frozenset[int]:
        """Indexes of the cell formats that show numbers as dates."""
        if not self.styles or self.styles not in self.archive.namelist():
            return frozenset()
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        cell_formats: list[int] = []
        inside = [False]

        def start(tag, attrs):
            if tag == "numFmt" and len(formats) < MAX_STYLES:
                try:
                    formats[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
                except ValueError:
                    pass
            elif tag == "cellXfs":
                inside[0] = True
            elif tag == "xf" and inside[0]:
                if len(cell_formats) >= MAX_STYLES:
                    raise malformed(f"more than {count(MAX_STYLES)} cell formats")
                cell_formats.append(int(attrs.get("numFmtId") or 0) if (attrs.get("numFmtId") or "0").isdigit() else 0)

        def end(tag):
            if tag == "cellXfs":
                inside[0] = False
        Part(self.archive, self.styles, self.budget, start, end).read_all()
        dates = {fid for fid, code in formats.items() if code and is_date_format(code)}
        return frozenset(index for index, fid in enumerate(cell_formats) if fid in dates)


class TooLong:
    """A shared string over the cell limit: refused when a cell uses it."""


TOO_LONG = TooLong()


class SharedStrings:
    """The shared strings table, parsed only as far as the cells ask."""

    def __init__(self, book: Workbook, limits: ImportLimits):
        self.items: list[str | TooLong] = []
        self.limit = limits.max_cell_chars
        self.most = limits.max_cells             # no more than the cells an import may hold
        self.part = None
        if book.shared_strings and book.shared_strings in book.archive.namelist():
            self.part = Part(book.archive, book.shared_strings, book.budget, self._start, self._end, self._text)
        self.parts: list[str] | None = None
        self.size = 0
        self.inside = False                           # in a <t> of the string being read
        self.phonetic = 0

    def get(self, index: int, where: str) -> str:
        if index >= self.most:
            raise too_large("shared_strings", f"Cell {where} refers to shared text #{count(index)}; an import "
                            f"reads at most {count(self.most)} of a workbook's shared texts",
                            cell=where, index=index, limit=self.most)
        while index >= len(self.items) and self.part is not None and self.part.feed():
            pass
        if index >= len(self.items):
            raise malformed(f"cell {where} refers to shared text #{index}, which the workbook does not have")
        item = self.items[index]
        if item is TOO_LONG:
            raise cell_too_long(where, self.limit)
        return item

    def _start(self, tag, attrs):
        if tag == "si":
            self.parts, self.size = [], 0
        elif tag == "t":
            self.inside = True
        elif tag == "rPh":
            self.phonetic += 1            # furigana runs are not part of the text

    def _end(self, tag):
        if tag == "si" and self.parts is not None:
            self.items.append(TOO_LONG if self.size > self.limit else "".join(self.parts))
            self.parts = None
        elif tag == "t":
            self.inside = False
        elif tag == "rPh":
            self.phonetic -= 1

    def _text(self, text: str):
        if self.parts is None or self.phonetic or not self.inside:
            return
        self.size += len(text)
        if self.size <= self.limit:
            self.parts.append(text)
        else:
            self.parts.clear()


def cell_too_long(where: str, limit: int):
    return unreadable("cell_too_long", f"Cell {where} holds more than {count(limit)} characters; "
                      "an import reads at most that many in a cell", cell=where, limit=limit)


def column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters

