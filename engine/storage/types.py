"""Column types: one SQL type per field type, identical meaning on every backend."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Integer, Numeric, String,
                        Text, TypeDecorator)
from sqlalchemy.types import TypeEngine

DECIMAL_PRECISION = 18
SELECT_LENGTH = 100
TEXT_LENGTH = 255
AUTONUMBER_LENGTH = 64
STATE_LENGTH = 50

# 64-bit ids on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Timestamps are stored as naive UTC (DateTime without time zone) everywhere."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def quantize(value: Any, scale: int) -> Decimal:
    """`value` as a Decimal with exactly `scale` places, rounding half up."""
    if isinstance(value, float):
        value = repr(value)        # the shortest string that round-trips, not the binary value
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
        if not number.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal number: {value!r}") from exc


class DecimalType(TypeDecorator):
    """NUMERIC(18, scale) that always yields Decimals quantized to the scale.

    PostgreSQL stores these exactly. SQLite has no decimal storage: values are
    REAL there, converted here (not by SQLAlchemy, which warns on every row), and
    quantizing on the way out restores the exact value for anything below ~10^12.
    Binding through this type also applies to `col + :delta`, so atomic
    `UPDATE t SET x = x + :delta` works on both backends.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 2):
        super().__init__(precision=DECIMAL_PRECISION, scale=scale)
        self.scale = scale

    def load_dialect_impl(self, dialect) -> TypeEngine:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(
                Numeric(DECIMAL_PRECISION, self.scale, asdecimal=False))
        return dialect.type_descriptor(Numeric(DECIMAL_PRECISION, self.scale))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        number = quantize(value, self.scale)
        return float(number) if dialect.name == "sqlite" else number

    def process_literal_param(self, value, dialect):
        return None if value is None else str(quantize(value, self.scale))

    def process_result_value(self, value, dialect):
        return None if value is None else quantize(value, self.scale)

    @property
    def python_type(self):
        return Decimal

    def __repr__(self) -> str:
        return f"DecimalType(scale={self.scale})"


def column_type(field) -> TypeEngine:
    """The SQL type storing a (non-subform, non-link, non-user) field."""
    kind = field.type
    if kind == "text":
        return String(field.max_length or TEXT_LENGTH)
    if kind == "decimal":
        return DecimalType(field.scale if field.scale is not None else 2)
    if kind in ("link", "user"):
        return ID_TYPE
    try:
        return _SIMPLE_TYPES[kind]()
    except KeyError:
        raise ValueError(f"field {field.name!r}: no column type for field type {kind!r}") from None


_SIMPLE_TYPES = {
    "textarea": Text,
    "integer": BigInteger,
    "boolean": Boolean,
    "date": Date,
    "datetime": DateTime,
    "select": lambda: String(SELECT_LENGTH),
    "multiselect": JSON,
    "autonumber": lambda: String(AUTONUMBER_LENGTH),
    "email": lambda: String(TEXT_LENGTH),
    "phone": lambda: String(50),
    "attachment": JSON,
}
