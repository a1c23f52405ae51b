"""Date buckets as SQL: the ISO date ('YYYY-MM-DD') of the bucket's first day.

The same text on SQLite and PostgreSQL, so a report answers alike on both and
sorts by time as text: day → the date, week → its Monday (ISO week),
month → the 1st, quarter → the 1st of Jan/Apr/Jul/Oct, year → 1 January.
Datetimes are bucketed by their stored (UTC) date.

Format strings and units are SQL literals, not bound parameters: PostgreSQL
only accepts `GROUP BY to_char(x, 'YYYY-MM-DD')` when the grouped expression
is textually the selected one, and two bound parameters are not.
"""
from __future__ import annotations

from sqlalchemy import DateTime, Integer, String, cast, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

BUCKETS = ("day", "week", "month", "quarter", "year")


def _text(value: str) -> ColumnElement:
    return literal_column("'" + value + "'", String)


def bucket_sql(column: ColumnElement, bucket: str, dialect: str) -> ColumnElement:
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    if dialect == "postgresql":
        return _postgresql(column, bucket)
    return _sqlite(column, bucket)


def _postgresql(column: ColumnElement, bucket: str) -> ColumnElement:
    # date_trunc('week', ...) starts weeks on Monday (ISO 8601).
    truncated = func.date_trunc(_text(bucket), cast(column, DateTime))
    return func.to_char(truncated, _text("YYYY-MM-DD"), type_=String)


def _sqlite(column: ColumnElement, bucket: str) -> ColumnElement:
    # Dates are stored as 'YYYY-MM-DD' and datetimes as 'YYYY-MM-DD HH:MM:SS...' text.
    if bucket == "day":
        return func.date(column, type_=String)
    if bucket == "week":
        # 'weekday 0' moves forward to the next Sunday (or stays on one); six days
        # back is that ISO week's Monday.
        return func.date(column, _text("weekday 0"), _text("-6 days"), type_=String)
    if bucket == "month":
        return func.strftime(_text("%Y-%m-01"), column, type_=String)
    if bucket == "year":
        return func.strftime(_text("%Y-01-01"), column, type_=String)
    month = cast(func.strftime(_text("%m"), column), Integer)
    first_month = (month - literal_column("1", Integer)) // literal_column("3", Integer) \
        * literal_column("3", Integer) + literal_column("1", Integer)
    return func.printf(_text("%s-%02d-01"), func.strftime(_text("%Y"), column), first_month,
                       type_=String)
