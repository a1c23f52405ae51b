"""Report builders that scheduled jobs run by name (`{"report": NAME}`).

A builder reads what it needs with SQLAlchemy and stores its result as ONE
record (with its lines) through the write session it is given, so the report
is an ordinary record: permissions, history and the printable record page
come for free. `requires` names the forms the app must define (checked by
`liandong validate`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import and_, func, select

SLOW_MOVER_DAYS = 90


@dataclass(frozen=True)
class ReportBuilder:
    name: str
    requires: tuple[str, ...]
    build: Callable[[Any, datetime], dict[str, Any]]     # (WriteSession, now) -> stored record


def stock_count_report(session, now: datetime) -> dict[str, Any]:
    """库存盘点报告: per warehouse and product, the system quantity now, the last
    approved count (quantity, date, variance found) and how long stock has not moved."""
    from engine.runtime.ledger import effect_ledger
    connection, tables, app = session.connection, session.app.tables, session.app.name
    stock = tables.form("stock")
    count = tables.form("stock_count")
    count_lines = tables.subform("stock_count", "lines")
    today = now.date()

    latest_counts: dict[tuple[int, int], dict[str, Any]] = {}
    rows = connection.execute(
        select(count_lines.c.product, count.c.warehouse, count.c.date, count_lines.c.counted_qty,
               count_lines.c.difference)
        .join(count, count.c.id == count_lines.c.parent_id)
        .where(count.c.status == "approved")
        .order_by(count.c.date, count.c.id, count_lines.c.position)).mappings()
    for row in rows:                           # later counts overwrite earlier ones
        latest_counts[(row["product"], row["warehouse"])] = dict(row)

    last_moves = dict(connection.execute(
        select(effect_ledger.c.target_id, func.max(effect_ledger.c.at))
        .where(and_(effect_ledger.c.app == app, effect_ledger.c.target_form == "stock",
                    effect_ledger.c.field == "on_hand"))
        .group_by(effect_ledger.c.target_id)).all())

    lines = []
    for item in connection.execute(select(stock.c.id, stock.c.product, stock.c.warehouse,
                                          stock.c.on_hand, stock.c.created_at)
                                   .order_by(stock.c.warehouse, stock.c.product)).mappings():
        on_hand = Decimal(str(item["on_hand"] or 0))
        counted = latest_counts.get((item["product"], item["warehouse"]))
        moved = last_moves.get(item["id"])
        days = max(0, (today - moved.date()).days) if moved is not None else None
        lines.append({
            "product": item["product"], "warehouse": item["warehouse"], "system_qty": str(on_hand),
            "last_counted_qty": _text(counted and counted["counted_qty"]),
            "last_counted_date": _date(counted and counted["date"]),
            "variance": _text(counted and counted["difference"]),
            "last_movement": moved.date().isoformat() if moved is not None else None,
            "days_since_movement": days,
            "slow_mover": on_hand > 0 and (days is None or days >= SLOW_MOVER_DAYS),
        })
    values = {"as_of": today.isoformat(), "slow_after_days": SLOW_MOVER_DAYS, "lines": lines}
    return session.create("stock_count_report", values)


def _text(value) -> str | None:
    return None if value is None else str(Decimal(str(value)))


def _date(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]


REPORTS: dict[str, ReportBuilder] = {
    "stock_count": ReportBuilder("stock_count", ("stock", "stock_count", "stock_count_report"),
                                 stock_count_report),
}
