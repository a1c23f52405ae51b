"""The simulation's own book of stock and open documents.

The demo decides what to sell, ship, order and count from this Python-side
estimate, kept in step with what the linkage rules do to the `stock` records,
so it never asks for more than the warehouse holds: no write of the demo is
ever refused with 库存不足. (The demo test compares the two at the end.)
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

Key = tuple[int, int]            # (product id, warehouse id)


@dataclass
class Position:
    on_hand: int = 0
    reserved: int = 0
    incoming: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def projected(self) -> int:
        """What the low-stock rule compares with min_stock: available + incoming."""
        return self.available + self.incoming


@dataclass
class SalesOrder:
    id: int
    customer: int
    warehouse: int
    lines: list[tuple[int, int]]          # (product, qty)
    confirmed: bool
    cancel: bool = False                  # the manager cancels it the next morning


@dataclass
class PurchaseOrder:
    id: int
    supplier: int
    warehouse: int
    lines: dict[int, list[int]]           # PO line id -> [product, qty, received]
    deliveries: dict[date, dict[int, int]] = field(default_factory=dict)  # day -> {line id: qty}
    requests: list[int] = field(default_factory=list)                     # purchase requests it answers

    def outstanding(self, line_id: int) -> int:
        _product, qty, received = self.lines[line_id]
        return qty - received


@dataclass
class StockCount:
    id: int
    warehouse: int
    differences: dict[int, int]           # product -> counted - system


@dataclass
class Book:
    stock: defaultdict[Key, Position] = field(default_factory=lambda: defaultdict(Position))
    to_ship: list[SalesOrder] = field(default_factory=list)
    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    sales_returns_due: dict[date, list[SalesOrder]] = field(default_factory=dict)
    returns_to_receive: list[tuple[int, int, list[tuple[int, int]]]] = field(default_factory=list)
    purchase_returns_due: dict[date, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    counts_to_approve: list[StockCount] = field(default_factory=list)
    transfers_to_cancel: list[int] = field(default_factory=list)
    purchase_orders_to_cancel: list[PurchaseOrder] = field(default_factory=list)
    requests_to_close: list[int] = field(default_factory=list)
    lost_lines: int = 0                   # sales lines not taken for lack of stock

    def at(self, product: int, warehouse: int) -> Position:
        return self.stock[(product, warehouse)]

    def sellable(self, product: int, warehouse: int, wanted: int) -> int:
        """What of `wanted` the warehouse can promise now: all of it, or what is
        available if that is at least half, else nothing (a lost sale)."""
        available = self.at(product, warehouse).available
        if available >= wanted:
            return wanted
        if available >= max(1, wanted // 2):
            return available
        self.lost_lines += 1
        return 0

    # Each method mirrors one linkage rule of the app.
    def reserve(self, order: SalesOrder, sign: int = 1) -> None:
        for product, qty in order.lines:
            self.at(product, order.warehouse).reserved += sign * qty

    def ship(self, order: SalesOrder) -> None:
        for product, qty in order.lines:
            position = self.at(product, order.warehouse)
            position.reserved -= qty
            position.on_hand -= qty

    def move(self, product: int, warehouse: int, qty: int) -> None:
        """Stock in (qty > 0) or out (qty < 0): receipts, returns, transfers, counts."""
        self.at(product, warehouse).on_hand += qty

    def expect(self, product: int, warehouse: int, qty: int) -> None:
        self.at(product, warehouse).incoming += qty

    def receive(self, po: PurchaseOrder, line_id: int, qty: int) -> None:
        line = po.lines[line_id]
        before = po.outstanding(line_id)
        line[2] += qty
        self.expect(line[0], po.warehouse, -(before - max(po.outstanding(line_id), 0)))
        self.move(line[0], po.warehouse, qty)

    def drop_incoming(self, po: PurchaseOrder) -> None:
        for line_id, (product, _qty, _received) in po.lines.items():
            self.expect(product, po.warehouse, -max(po.outstanding(line_id), 0))
