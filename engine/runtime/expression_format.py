"""`text % values` in expressions: Python's printf-style formatting, bounded.

Python's own `%` would build `'%0999999999d' % 1` (a gigabyte) before anyone
could look at it. Here the template is read one conversion at a time; the
width, the precision and the value of each are checked against what is left
of the text limit (expression_limits.py) BEFORE Python formats that one piece,
so nothing larger than the limit (plus a few hundred characters) is ever
built. Results and errors are Python's: each piece is formatted by Python.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.runtime import expression_limits as limits

_FLAGS = "#0- +"
_LENGTH_MODIFIERS = "hlL"
_INTEGER_TYPES = "diouxX"
_REAL_TYPES = "eEfFgG"
_TEXT_TYPES = "sra"
_TYPES = _INTEGER_TYPES + _REAL_TYPES + _TEXT_TYPES + "c"


def format_text(template: str, values: Any) -> str:
    """`template % values` with Python's rules, refused before it grows past the limit."""
    return _Formatter(template, values).run()


class _Formatter:
    def __init__(self, template: str, values: Any):
        self.template = template
        # Python's rule: a tuple gives the arguments; any other value is the one argument,
        # and one that supports indexing (a record, a list) may also serve `%(key)s`.
        self.mapping = (values if hasattr(type(values), "__getitem__")
                        and not isinstance(values, (tuple, str)) else None)
        self.arguments = list(values) if isinstance(values, tuple) else [values]
        self.used = 0
        self.pieces: list[str] = []
        self.length = 0

    def run(self) -> str:
        text, position = self.template, 0
        while True:
            found = text.find("%", position)
            self.add(text[position:] if found < 0 else text[position:found])
            if found < 0:
                break
            piece, position = self.conversion(text, found)
            self.add(piece)
        if self.used < len(self.arguments) and self.mapping is None:
            raise TypeError("not all arguments converted during string formatting")
        return "".join(self.pieces)

    def add(self, piece: str) -> None:
        self.length += len(piece)
        limits.check_text(self.length)
        self.pieces.append(piece)

    def next_argument(self) -> Any:
        if self.used >= len(self.arguments):
            raise TypeError("not enough arguments for format string")
        self.used += 1
        return self.arguments[self.used - 1]

    def number_argument(self) -> int:
        value = self.next_argument()
        if not isinstance(value, int):
            raise TypeError("* wants int")
        return value

    def conversion(self, text: str, start: int) -> tuple[str, int]:
        """The piece for the conversion at text[start] == '%', and the index after it.
        Read in Python's order, so the same template fails with the same error."""
        index, end = start + 1, len(text)
        if index < end and text[index] == "%":
            return "%", index + 1
        if index < end and text[index] == "(":
            index, key = _key(text, index)
            if self.mapping is None:
                raise TypeError("format requires a mapping")
            # As CPython does: the looked-up value becomes the one argument left.
            self.arguments, self.used = [self.mapping[key]], 0
        flags_start = index
        while index < end and text[index] in _FLAGS:
            index += 1
        flags = text[flags_start:index]
        index, width = self.size(text, index)
        precision = None
        if index < end and text[index] == ".":
            index, precision = self.size(text, index + 1)
            precision = max(precision, 0)
        if index < end and text[index] in _LENGTH_MODIFIERS:
            index += 1
        if index >= end:
            raise ValueError("incomplete format")
        kind = text[index]
        value = self.next_argument()
        if kind not in _TYPES:
            raise ValueError(f"unsupported format character {kind!r} (0x{ord(kind):x}) at index {index}")
        self.check(kind, width, precision, value)
        shown = "%" + flags + (str(int(width)) if width else "") + (
            "" if precision is None else f".{int(precision)}") + kind
        return shown % (value,), index + 1

    def size(self, text: str, index: int) -> tuple[int, int]:
        """A width or precision at text[index]: digits, '*' (the next argument) or none."""
        if index < len(text) and text[index] == "*":
            return index + 1, self.number_argument()
        start = index
        while index < len(text) and text[index] in "0123456789":
            index += 1
        # Thousands of digits are refused before int() reads them: over any limit anyway.
        if index - start > 18:
            raise limits.text_too_long()
        return index, int(text[start:index] or 0)

    def check(self, kind: str, width: int, precision: int | None, value: Any) -> None:
        """What this piece would cost, against what is left of the limit."""
        room = limits.max_length - self.length
        if abs(width) > room or (precision is not None and kind not in _TEXT_TYPES + "c" and precision > room):
            raise limits.text_too_long()
        if kind in _TEXT_TYPES:
            # str()/repr() of text or a list is at least this long: never render a bomb.
            limits.check_text(limits.characters(value, limits.max_length))
        elif kind in _INTEGER_TYPES + "c" and isinstance(value, Decimal):
            limits.check_decimal_integer(value)


def _key(text: str, index: int) -> tuple[int, str]:
    depth, start = 1, index + 1
    index += 1
    while index < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        index += 1
    if depth:
        raise ValueError("incomplete format key")
    return index, text[start:index - 1]
