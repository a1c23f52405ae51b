"""How large a value an expression may build: text, lists and whole numbers.

A filter, formula or condition is text a user typed. Every operator and
function that builds text or a list (`+`, `*`, `%` formatting, concat(),
text() ...) asks here first how large its result WOULD be and refuses before
building it, so `'%0999999999d' % 1` or `'x' * 10 ** 9` costs microseconds and
no memory. The evaluator (expression_runtime.py) and the filter translator's
folding of fixed parts (filters.py) share these checks through the operators.

One setting bounds text and lists: `EXPRESSION_MAX_LENGTH` (characters of text,
items of a list), `configure()`d from the app config when the app is created.
Values read from records are not refused for being long; what an expression
builds from them is.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

DEFAULT_MAX_LENGTH = 10_000        # characters of text / items of a list an expression builds
MAX_INTEGER_DIGITS = 1_200         # whole numbers: 10 ** 1200 is the largest power `**` allows
MAX_INTEGER_BITS = (10 ** MAX_INTEGER_DIGITS).bit_length()

# Read at each check, so configure() (and tests) change it for the whole process.
max_length = DEFAULT_MAX_LENGTH


@dataclass(frozen=True)
class Limit:
    """Which bound was hit: kind is text | list | number | source | parts | depth |
    exponent | time; `bound` is its value (characters, items, digits, levels, ms).
    Screens translate a refusal from these two, not from the English message."""
    kind: str
    bound: int

    def describe(self) -> str:
        bound = f"{self.bound:,}"
        return {
            "text": f"text longer than {bound} characters",
            "list": f"list longer than {bound} items",
            "number": f"number longer than {bound} digits",
        }.get(self.kind, f"over the {self.kind} limit ({bound})")


class LimitExceeded(ValueError):
    """Raised by the builders below; the evaluator turns it into an EvaluationError
    (and the filter translator into a FilterError) that keeps `limit`."""

    def __init__(self, limit: Limit, message: str | None = None):
        super().__init__(message or limit.describe())
        self.limit = limit


def configure(length: int) -> None:
    """Set the text/list bound for this process (from EXPRESSION_MAX_LENGTH)."""
    global max_length
    if isinstance(length, bool) or not isinstance(length, int) or length < 100:
        raise ValueError(f"EXPRESSION_MAX_LENGTH must be a whole number of at least 100, not {length!r}")
    max_length = length


# ---------------------------------------------------------------- measuring

def text_too_long() -> LimitExceeded:
    return LimitExceeded(Limit("text", max_length))


def check_text(length: int) -> None:
    if length > max_length:
        raise text_too_long()


def check_items(count: int) -> None:
    if count > max_length:
        raise LimitExceeded(Limit("list", max_length))


def items(value: Any, budget: int) -> int:
    """Items of a list, counting the items of the lists inside it too; stops
    counting once past `budget` (a repeated list may hold the same list many times)."""
    total, stack = 0, [value]
    while stack and total <= budget:
        current = stack.pop()
        total += len(current)
        if total <= budget:
            stack.extend(item for item in current if isinstance(item, (list, tuple)))
    return total


def characters(value: Any, budget: int) -> int:
    """A lower bound of the length of `str(value)`: characters of text plus one per
    item of lists (nested too); stops once past `budget`."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple)):
        return 1
    total, stack = 0, [value]
    while stack and total <= budget:
        current = stack.pop()
        total += len(current)
        for item in current:
            if isinstance(item, str):
                total += len(item)
            elif isinstance(item, (list, tuple)):
                stack.append(item)
            if total > budget:
                break
    return total


def check_integer(value: int) -> int:
    if value.bit_length() > MAX_INTEGER_BITS:
        raise LimitExceeded(Limit("number", MAX_INTEGER_DIGITS))
    return value


def check_decimal_integer(value: Decimal) -> None:
    """Before a Decimal becomes a whole number ('%d'): 1E+999999 is compact as a
    Decimal and a million digits as an int."""
    if value.is_finite() and value and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise LimitExceeded(Limit("number", MAX_INTEGER_DIGITS))


def check_decimal_text(value: Decimal) -> None:
    """Before a Decimal is written out in plain digits (text()): its length."""
    if value.is_finite():
        exponent = value.as_tuple().exponent
        check_text(max(value.adjusted(), 0) + max(-exponent, 0) + 3)


# ---------------------------------------------------------------- building

_SEQUENCES = (str, list, tuple)


def add(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is Decimal:                  # the common case first: Decimals are bounded by their context
        return a + b
    if kind is str and type(b) is str:
        check_text(len(a) + len(b))
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        check_items(items(a, max_length) + items(b, max_length))
    result = a + b
    return check_integer(result) if type(result) is int else result


def multiply(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is Decimal and type(b) is not str and not isinstance(b, (list, tuple)):
        return a * b
    if kind is int and type(b) is int:
        if a.bit_length() + b.bit_length() - 1 > MAX_INTEGER_BITS:
            raise LimitExceeded(Limit("number", MAX_INTEGER_DIGITS))
        return check_integer(a * b)
    for sequence, count in ((a, b), (b, a)):
        if isinstance(sequence, _SEQUENCES) and isinstance(count, int) and count > 0:
            size = len(sequence) if isinstance(sequence, str) else items(sequence, max_length)
            if size * count > max_length:
                raise (text_too_long() if isinstance(sequence, str)
                       else LimitExceeded(Limit("list", max_length)))
    result = a * b
    return check_integer(result) if type(result) is int else result


def join_text(parts: Iterable[str], separator: str) -> str:
    """`separator.join(parts)`, refused as soon as the running length passes the
    bound (parts are produced lazily, so a long list is never rendered whole)."""
    joined, total = [], -len(separator)
    for part in parts:
        total += len(separator) + len(part)
        check_text(total)
        joined.append(part)
    return separator.join(joined)


def init_app(app) -> None:
    """Apply the app's EXPRESSION_MAX_LENGTH to this process."""
    configure(app.config.get("EXPRESSION_MAX_LENGTH", DEFAULT_MAX_LENGTH))
