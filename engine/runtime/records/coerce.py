"""Turn submitted values (JSON or form strings) into typed Python values.

One function per field type; each returns the typed value or raises
`CoercionError` with a message that fits after the field's path.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable

from engine.definitions.model import FieldModel

# 15 significant digits: every stored decimal is then exactly a JSON number (a double).
DECIMAL_PRECISION = 15
TRUE_WORDS = frozenset({"true", "1", "yes", "on", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "n", "f"})
MAX_TEXT = 100_000
# Integers beyond 2^53 do not survive JSON clients (JavaScript numbers).
MAX_INTEGER = 2**53 - 1
INTEGER_RANGE = f"integer out of range (at most {MAX_INTEGER} either way)"
RECORD_ID_TEXT = re.compile(r"[0-9]{1,16}")


class CoercionError(ValueError):
    pass


def coerce_value(field: FieldModel, value: Any) -> Any:
    """The typed value for `field`, or None for an empty value."""
    if value is None or (isinstance(value, str) and value.strip() == "" and field.type != "textarea"):
        return None
    coercer = _COERCERS.get(field.type)
    if coercer is None:
        raise CoercionError(f"fields of type {field.type} cannot be set directly")
    return coercer(field, value)


def quantize(value: Decimal, scale: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)


def _text(field: FieldModel, value: Any) -> str:
    if not isinstance(value, str):
        raise CoercionError("expected text")
    if len(value) > MAX_TEXT:
        raise CoercionError(f"text is longer than {MAX_TEXT} characters")
    _storable(value)
    return value.strip() if field.type != "textarea" else value


def _storable(value: Any) -> None:
    """Text every database stores as given: no NUL, only encodable characters
    (a JSON body can carry a lone surrogate such as "\\ud800"), also inside lists and objects."""
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    elif isinstance(value, list):
        for item in value:
            _storable(item)
    elif isinstance(value, str):
        if "\x00" in value:
            raise CoercionError("text must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CoercionError("text must not contain unpaired surrogate characters") from None


def _integer(_field: FieldModel, value: Any) -> int:
    number = _whole_number(value)
    if abs(number) > MAX_INTEGER:
        raise CoercionError(INTEGER_RANGE)
    return number


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise CoercionError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, AttributeError, ValueError):
        raise CoercionError(f"expected an integer, got {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CoercionError(f"expected an integer, got {value!r}")
    if number.copy_abs() > MAX_INTEGER:    # before int(): "1e999999999" would take forever
        raise CoercionError(INTEGER_RANGE)
    return int(number)


def _decimal(field: FieldModel, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CoercionError("expected a number, got a boolean")
    if isinstance(value, float) and not math.isfinite(value):
        raise CoercionError("expected a finite number")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, AttributeError, ValueError):
        raise CoercionError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise CoercionError("expected a finite number")
    scale = field.scale if field.scale is not None else 2
    limit = Decimal(10) ** (DECIMAL_PRECISION - scale)
    if abs(number) > limit - 1:
        raise CoercionError(f"number is too large (at most {DECIMAL_PRECISION - scale} digits before the point)")
    return quantize(number, scale)


def _boolean(_field: FieldModel, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise CoercionError(f"expected true or false, got {value!r}")


def _date(_field: FieldModel, value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10]) if len(value.strip()) >= 10 and "T" in value \
                else date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CoercionError(f"expected a date as YYYY-MM-DD, got {value!r}")


def _datetime(_field: FieldModel, value: Any) -> datetime:
    parsed = value
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise CoercionError(f"expected a date and time as ISO 8601, got {value!r}") from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        parsed = datetime(value.year, value.month, value.day)
    if not isinstance(parsed, datetime):
        raise CoercionError(f"expected a date and time as ISO 8601, got {value!r}")
    # Stored as naive UTC: convert aware values, keep naive ones as given.
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:
            raise CoercionError(f"date and time out of range: {value!r}") from None
    return parsed.replace(microsecond=(parsed.microsecond // 1000) * 1000)


def _multiselect(field: FieldModel, value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise CoercionError("expected a list of option values")
    _storable(items)
    seen: list[str] = []
    for item in (i.strip() for i in items):
        if item and item not in seen:
            seen.append(item)
    return seen


def json_integer(value: Any) -> Any:
    """JSON Schema's integers include 2.0: an integral float becomes an int (a
    bool stays a bool); anything else is returned unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _reference(_field: FieldModel, value: Any) -> int:
    if isinstance(value, dict) and "id" in value:
        value = value["id"]
    if isinstance(value, bool):
        raise CoercionError("expected a record id")
    if isinstance(value, str) and RECORD_ID_TEXT.fullmatch(value.strip()):
        value = int(value.strip())
    value = json_integer(value)
    if isinstance(value, int):
        if not 0 < value <= MAX_INTEGER:
            raise CoercionError("expected a positive record id")
        return int(value)           # a LinkedRecord from an expression becomes a plain id
    raise CoercionError(f"expected a record id, got {value!r}")


def _attachment(_field: FieldModel, value: Any) -> Any:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CoercionError("expected an attachment object or a list of them")
    for item in value:
        if not isinstance(item.get("name"), str):
            raise CoercionError("each attachment needs a 'name'")
    _storable(value)
    return value


_COERCERS: dict[str, Callable[[FieldModel, Any], Any]] = {
    "text": _text, "textarea": _text, "email": _text, "phone": _text, "select": _text,
    "autonumber": _text, "integer": _integer, "decimal": _decimal, "boolean": _boolean,
    "date": _date, "datetime": _datetime, "multiselect": _multiselect, "link": _reference,
    "user": _reference, "attachment": _attachment,
}
