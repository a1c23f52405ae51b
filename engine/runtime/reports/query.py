"""A report definition + an actor → ONE `SELECT … GROUP BY` statement.

The statement does all the work in the database: the source rows (joined to
their parent for subform sources), the report's filter, the caller's extra
filter and the actor's row scope in WHERE; date buckets and link fields in
GROUP BY; the aggregates; ORDER BY and LIMIT. Python only converts the
(few) result rows.

Field rights: a group or measure that reads a field hidden from the actor
refuses the whole report (403 naming each field), rather than silently
dropping a column, which would change what the other columns mean. The
caller's extra filter cannot name hidden fields (400, "unknown name", as in
list filters); the report's own filter is the definition author's and may.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, NamedTuple

from sqlalchemy import BigInteger, cast, func, select, type_coerce
from sqlalchemy.types import NullType
from sqlalchemy.sql.elements import ColumnElement

from engine.definitions.model import Report, ReportGroup, ReportMeasure
from engine.runtime.errors import ErrorDetail, Forbidden
from engine.runtime.expressions import ExpressionError
from engine.runtime.filters import filter_refusal, filter_to_sql
from engine.runtime.reports import labels, measures
from engine.runtime.reports.buckets import bucket_sql
from engine.runtime.reports.result import ReportColumn
from engine.runtime.reports.source import Name, ReportSource

AVG_EXTRA_SCALE = 2


@dataclass(frozen=True)
class ReportPlan:
    statement: Any
    columns: list[ReportColumn]
    source: ReportSource
    converters: list[Callable[[Any], Any] | None]     # per column, for the few result rows

    def convert(self, rows) -> list[list]:
        converting = [(i, convert) for i, convert in enumerate(self.converters) if convert]
        result = []
        for row in rows:
            row = list(row)
            for index, convert in converting:
                row[index] = convert(row[index])
            result.append(row)
        return result


def decimal_converter(scale: int, *, exact: bool = False) -> Callable[[Any], Decimal | None]:
    """Raw aggregate (SQLite float or int, PostgreSQL Decimal) → Decimal with `scale`
    places, rounding half up like stored decimals (storage/types.py). Done here, not by
    a TypeDecorator: it is the only per-value work left in Python, so it is kept lean.

    `exact`: the true value has at most `scale` places (sums, minima and maxima of
    values that have), so a SQLite float only carries binary noise beyond them and
    formatting it to `scale` places gives the exact value (2x faster than quantize)."""
    step = Decimal(1).scaleb(-scale)
    pattern = f"%.{scale}f"

    def convert(value: Any) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):
            if exact:
                return Decimal(pattern % value)
            value = Decimal(repr(value))
        elif not isinstance(value, Decimal):
            value = Decimal(value)
        return value.quantize(step, rounding=ROUND_HALF_UP)
    return convert


def plan_report(loaded, report: Report, actor, dialect: str, *, extra_filter: str | None = None,
                limit: int | None = None, export: bool = False) -> ReportPlan:
    source = ReportSource(loaded, report, actor)
    source.require_read(export=export)
    hidden: list[tuple[str, str]] = []          # (column, field) read but hidden from the actor
    groups = [_group(source, group, dialect, hidden) for group in report.group_by]
    measured = [_measure(source, measure, hidden) for measure in report.measures]
    aggregates = [(m.column, m.sql) for m in measured]
    if hidden:
        names = ", ".join(sorted({field for _, field in hidden}))
        raise Forbidden(f"The report {report.name} uses fields hidden from you: {names}",
                        [ErrorDetail(column, f"'{field}' is hidden from you") for column, field in hidden])
    selected = {column.name: sql.label(column.name) for column, sql in groups + aggregates}
    statement = select(*selected.values())
    for condition in _conditions(source, report, extra_filter):
        statement = statement.where(condition)
    statement = statement.select_from(source.from_clause())
    if groups:
        statement = statement.group_by(*(sql for _, sql in groups))
    statement = statement.order_by(*_ordering(report, selected))
    effective = min((n for n in (report.limit, limit) if n), default=None)
    if effective:
        statement = statement.limit(effective)
    columns = [column for column, _ in groups + aggregates]
    converters = [None] * len(groups) + [m.convert for m in measured]
    return ReportPlan(statement, columns, source, converters)


def _group(source: ReportSource, group: ReportGroup, dialect: str,
           hidden: list[tuple[str, str]]) -> tuple[ReportColumn, ColumnElement]:
    chain = tuple(group.field.split("."))
    name = source.resolve(chain)
    _note_hidden(name, group.name, hidden)
    sql = source.column(chain, joined=True)
    kind = name.type
    if group.bucket:
        sql, kind = bucket_sql(sql, group.bucket, dialect), "date"
    label = labels.group_label(source, group, name)
    return ReportColumn(group.name, label, "group", kind, group.bucket), sql


class Measured(NamedTuple):
    column: ReportColumn
    sql: ColumnElement                           # what is selected
    convert: Callable[[Any], Any] | None         # of the selected value, in Python


def _measure(source: ReportSource, measure: ReportMeasure, hidden: list[tuple[str, str]]) -> Measured:
    label = labels.measure_label(source, measure)
    if measure.expression is None:
        return Measured(ReportColumn(measure.name, label, "measure", "integer"), func.count(), None)
    names = [source.resolve(chain) for chain in measures.names(measure.expression)]
    for name in names:
        _note_hidden(name, measure.name, hidden)
    term = measures.infer(measure.expression, lambda chain: _typed(source, chain))
    value = measures.to_sql(measure.expression, source.column)
    if measure.agg == "count":
        counted = func.count(value)
        return Measured(ReportColumn(measure.name, label, "measure", "integer"), counted, None)
    aggregate = getattr(func, measure.agg)(value)
    if measure.agg == "avg" or term.type == "decimal":
        return _decimal_measure(ReportColumn(measure.name, label, "measure", "decimal"),
                                aggregate, measure.agg, term)
    if term.type == "integer":
        # PostgreSQL sums bigints as numeric: back to a whole number.
        whole = cast(aggregate, BigInteger)
        return Measured(ReportColumn(measure.name, label, "measure", "integer"), whole, None)
    # min / max of a text, date or select field: the field's own type.
    typed = type_coerce(aggregate, value.type)
    return Measured(ReportColumn(measure.name, label, "measure", term.type), typed, None)


def _decimal_measure(column: ReportColumn, aggregate, agg: str, term) -> Measured:
    """The raw aggregate (no result processor), made an exact Decimal by `decimal_converter`."""
    scale = term.scale if agg != "avg" else min(max(term.scale, 2) + AVG_EXTRA_SCALE, measures.MAX_SCALE)
    exact = agg != "avg" and not term.inexact
    return Measured(column, type_coerce(aggregate, NullType()), decimal_converter(scale, exact=exact))


def _typed(source: ReportSource, chain: tuple[str, ...]) -> tuple[str, int] | None:
    try:
        name = source.resolve(chain)
    except KeyError:
        return None
    return name.type, name.scale


def _note_hidden(name: Name, column: str, hidden: list[tuple[str, str]]) -> None:
    if name.level == "hidden":
        hidden.append((column, ".".join(name.chain)))


def _conditions(source: ReportSource, report: Report, extra: str | None) -> list:
    conditions = []
    if report.filter:
        conditions.append(_filter(source, report.filter, allow_hidden=True, place="report filter"))
    if extra is not None and extra.strip():
        conditions.append(_filter(source, extra, allow_hidden=False, place="filter"))
    scope = source.row_scope()
    if scope is not None:
        conditions.append(scope)
    return conditions


def _filter(source: ReportSource, text: str, *, allow_hidden: bool, place: str):
    user = source.actor.namespace()

    def resolve(chain: tuple[str, ...]):
        if chain[0] == "user" and len(chain) == 2:
            return user.get(chain[1])
        name = source.resolve(chain)           # KeyError: unknown name
        if name.level == "hidden" and not allow_hidden:
            raise KeyError(".".join(chain))
        if name.type in ("multiselect", "attachment"):
            raise KeyError(".".join(chain))
        return source.column(chain)

    try:
        return filter_to_sql(text, resolve)
    except ExpressionError as error:
        raise filter_refusal(error, place) from None


def _ordering(report: Report, selected: dict[str, Any]) -> list:
    keys = parse_sort(report.sort) if report.sort else []
    # Ties broken by the groups, so the order is total and the same on every backend.
    keys += [(g.name, False) for g in report.group_by if g.name not in {k for k, _ in keys}]
    order = []
    for name, descending in keys:
        column = selected[name]
        # The same order on both backends: empty values first going up, last going down.
        order.append(column.desc().nulls_last() if descending else column.asc().nulls_first())
    return order


def parse_sort(sort: str) -> list[tuple[str, bool]]:
    keys = []
    for part in sort.split(","):
        part = part.strip()
        if part:
            keys.append((part.lstrip("-+"), part.startswith("-")))
    return keys

