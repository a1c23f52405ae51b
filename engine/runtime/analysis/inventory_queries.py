"""The SQL behind the inventory analysis: every query is one GROUP BY (or a
plain read of master data), with the caller's row scopes in its WHERE clause.
Python only sees per-product (or per-supplier, per-day) aggregates.

Sales are the lines of *shipped* sales orders, dated by the order's `date`.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, select

from engine.runtime.ledger import effect_ledger
from engine.runtime.permissions.access import access_for
from engine.runtime.permissions.scope import ScopeCompiler

SOLD_STATES = ("shipped",)


def number(value: Any) -> Decimal:
    """A SQL aggregate as a Decimal (SQLite sums REAL values)."""
    if value is None:
        return Decimal(0)
    return Decimal(str(value))


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class Scoped:
    """Tables of one app plus the caller's read scope per form."""

    def __init__(self, connection, loaded, actor):
        self.connection = connection
        self.loaded = loaded
        self.tables = loaded.tables
        self.actor = actor
        self.compiler = ScopeCompiler(loaded, actor)

    def scope(self, form: str, table=None):
        """The read condition of `form` for the caller (on `table`, an alias), or True."""
        access = access_for(self.actor, self.loaded.model, self.loaded.form(form))
        condition = self.compiler.condition(access, "read", table)
        return condition if condition is not None else literal(True)

    def all(self, statement) -> list[Any]:
        return list(self.connection.execute(statement))


def products(q: Scoped) -> list[dict[str, Any]]:
    p = q.tables.form("product")
    rows = q.connection.execute(
        select(p.c.id, p.c.sku, p.c.name, p.c.unit_price, p.c.cost_price, p.c.max_stock, p.c.supplier)
        .where(q.scope("product")).order_by(p.c.id)).mappings()
    return [dict(row) for row in rows]


def stock_by_product(q: Scoped) -> dict[int, dict[str, Decimal]]:
    s = q.tables.form("stock")
    rows = q.all(select(s.c.product, func.sum(s.c.on_hand), func.sum(s.c.available))
                 .where(q.scope("stock")).group_by(s.c.product))
    return {product: {"on_hand": number(on_hand), "available": number(available)}
            for product, on_hand, available in rows}


def _sold_lines(q: Scoped):
    order = q.tables.form("sales_order")
    lines = q.tables.subform("sales_order", "lines")
    joined = lines.join(order, order.c.id == lines.c.parent_id)
    return order, lines, joined, and_(order.c.status.in_(SOLD_STATES), q.scope("sales_order", order))


def sales_by_product(q: Scoped, start: date, end: date) -> dict[int, dict[str, Decimal]]:
    """Units and revenue per product from shipped orders dated in [start, end]."""
    order, lines, joined, sold = _sold_lines(q)
    rows = q.all(select(lines.c.product, func.sum(lines.c.qty), func.sum(lines.c.amount))
                 .select_from(joined)
                 .where(sold, order.c.date >= start, order.c.date <= end)
                 .group_by(lines.c.product))
    return {product: {"units": number(units), "revenue": number(revenue)}
            for product, units, revenue in rows}


def last_sale_by_product(q: Scoped, end: date) -> dict[int, date]:
    order, lines, joined, sold = _sold_lines(q)
    rows = q.all(select(lines.c.product, func.max(order.c.date)).select_from(joined)
                 .where(sold, order.c.date <= end).group_by(lines.c.product))
    return {product: as_date(day) for product, day in rows}


def on_hand_movements_by_day(q: Scoped, after: date) -> dict[int, dict[date, Decimal]]:
    """Net on_hand movements per product and document date, for documents dated
    after `after`: what to take back from today's stock to see an earlier day.

    The effect ledger says which document moved which stock row; the day is the
    source document's `date` (when the goods moved), falling back to the time
    the movement was booked for sources without one."""
    stock = q.tables.form("stock")
    result: dict[int, dict[date, Decimal]] = {}
    for source in _on_hand_sources(q.loaded):
        parent = q.loaded.form(source.split(".")[0])
        ledger = effect_ledger.c
        base = (effect_ledger.join(stock, stock.c.id == ledger.target_id))
        date_field = parent.field("date")
        if date_field is not None and date_field.type == "date":
            table = q.tables.form(parent.name)
            base = base.join(table, table.c.id == ledger.source_record_id)
            day = table.c.date
        else:
            day = func.date(ledger.at)
        rows = q.all(select(stock.c.product, day, func.sum(ledger.delta)).select_from(base)
                     .where(ledger.app == q.loaded.name, ledger.target_form == "stock",
                            ledger.field == "on_hand", ledger.source_form == source,
                            q.scope("stock"), day > after)
                     .group_by(stock.c.product, day))
        for product, moved_on, delta in rows:
            days = result.setdefault(product, {})
            key = as_date(moved_on)
            days[key] = days.get(key, Decimal(0)) + number(delta)
    return result


def _on_hand_sources(loaded) -> list[str]:
    """Source forms of the rules that move stock.on_hand, in definition order."""
    sources: list[str] = []
    for rule in loaded.model.rules:
        if rule.is_contribution and rule.target == "stock" and "on_hand" in rule.adjust \
                and rule.source not in sources:
            sources.append(rule.source)
    return sources


def over_max_stock(q: Scoped) -> list[dict[str, Any]]:
    """Stock rows whose on_hand is above their product's max_stock (when set)."""
    s, p, w = q.tables.form("stock"), q.tables.form("product"), q.tables.form("warehouse")
    rows = q.connection.execute(
        select(s.c.id, s.c.product, p.c.sku, p.c.name, s.c.warehouse, w.c.name.label("warehouse_name"),
               s.c.on_hand, p.c.max_stock, p.c.cost_price)
        .select_from(s.join(p, p.c.id == s.c.product).join(w, w.c.id == s.c.warehouse))
        .where(q.scope("stock"), q.scope("product", p), p.c.max_stock > 0, s.c.on_hand > p.c.max_stock)
        .order_by(s.c.product, s.c.warehouse)).mappings()
    return [dict(row) for row in rows]


def supplier_counters(q: Scoped) -> list[dict[str, Any]]:
    """What the rules keep on each supplier (receipts, on time, received, returned)."""
    s = q.tables.form("supplier")
    rows = q.connection.execute(
        select(s.c.id, s.c.name, s.c.receipts_count, s.c.on_time_receipts, s.c.received_qty,
               s.c.returned_qty).where(q.scope("supplier")).order_by(s.c.id)).mappings()
    return [dict(row) for row in rows]


def supplier_documents(q: Scoped) -> dict[int, dict[str, Decimal]]:
    """The same counters recomputed from the documents (received receipts,
    returned purchase returns): the plain computation the rules must match."""
    receipt = q.tables.form("purchase_receipt")
    receipt_lines = q.tables.subform("purchase_receipt", "lines")
    result: dict[int, dict[str, Decimal]] = {}
    received = and_(receipt.c.status == "received", q.scope("purchase_receipt", receipt))
    for supplier, count, on_time in q.all(
            select(receipt.c.supplier, func.count(), func.sum(case((receipt.c.on_time, 1), else_=0)))
            .where(received).group_by(receipt.c.supplier)):
        result.setdefault(supplier, {}).update(receipts=number(count), on_time=number(on_time))
    for supplier, qty in q.all(
            select(receipt.c.supplier, func.sum(receipt_lines.c.qty))
            .select_from(receipt_lines.join(receipt, receipt.c.id == receipt_lines.c.parent_id))
            .where(received).group_by(receipt.c.supplier)):
        result.setdefault(supplier, {})["received_qty"] = number(qty)
    ret = q.tables.form("purchase_return")
    ret_lines = q.tables.subform("purchase_return", "lines")
    for supplier, qty in q.all(
            select(ret.c.supplier, func.sum(ret_lines.c.qty))
            .select_from(ret_lines.join(ret, ret.c.id == ret_lines.c.parent_id))
            .where(ret.c.status == "returned", q.scope("purchase_return", ret))
            .group_by(ret.c.supplier)):
        result.setdefault(supplier, {})["returned_qty"] = number(qty)
    return result


def latest_evaluations(q: Scoped) -> dict[int, dict[str, Any]]:
    """The newest supplier_evaluation per supplier (highest id)."""
    e = q.tables.form("supplier_evaluation")
    newest = (select(func.max(e.c.id)).where(q.scope("supplier_evaluation"))
              .group_by(e.c.supplier)).scalar_subquery()
    rows = q.connection.execute(select(e.c.supplier, e.c.period, e.c.on_time_rate, e.c.return_rate, e.c.id)
                                .where(e.c.id.in_(newest))).mappings()
    return {row["supplier"]: dict(row) for row in rows}
