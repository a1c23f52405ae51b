"""One simulated day of the inventory demo, role by role.

    morning    manager     cancels what was flagged yesterday, approves yesterday's counts
               warehouse   receives deliveries, ships yesterday's orders, takes back returns,
                           transfers (every two weeks), counts (on the 25th)
    day        sales       takes today's orders (confirmed: they reserve stock) and returns
    evening    purchasing  returns faulty goods, orders what fell below min_stock, answers
                           the purchase requests the low-stock rule opened, evaluates suppliers

Each role's work is one transaction; every quantity is decided from the
stock book, which mirrors the linkage rules.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from engine.demo import catalog, demand
from engine.demo.stockbook import PurchaseOrder, SalesOrder, StockCount

CANCEL_SHARE = 0.015            # confirmed sales orders the customer cancels the next day
DRAFT_SHARE = 0.005             # orders never confirmed (cancelled the next day)
SALES_RETURN_SHARE = 0.025      # shipped orders that come partly back
PURCHASE_CANCEL_SHARE = 0.02    # purchase orders the supplier cannot fill
SPLIT_DELIVERY_SHARE = 0.12     # purchase orders delivered in two parts
EARLY_SHARE = 0.1
TRANSFER_EVERY = 14
COUNT_DAY = 25
COUNTED_PRODUCTS = 6


def simulate_day(demo, day: date) -> None:
    manager_morning(demo, day)
    warehouse_morning(demo, day)
    sales_day(demo, day)
    purchasing_evening(demo, day)


# ------------------------------------------------------------------ manager
def manager_morning(demo, day: date) -> None:
    book = demo.book
    cancelled = [order for order in book.to_ship if order.cancel]
    if not (cancelled or book.purchase_orders_to_cancel or book.counts_to_approve
            or book.transfers_to_cancel):
        return
    with demo.work("manager") as session:
        for order in cancelled:
            session.transition("sales_order", order.id, "cancel",
                               comment=demo.rng.choice(catalog.ORDER_CANCEL_REASONS))
            if order.confirmed:
                book.reserve(order, -1)
            book.to_ship.remove(order)
        for po in book.purchase_orders_to_cancel:
            session.transition("purchase_order", po.id, "cancel", comment="供应商缺货，取消后另行下单")
            book.drop_incoming(po)
            book.purchase_orders.remove(po)
            book.requests_to_close.extend(po.requests)
        for count in book.counts_to_approve:
            _approve_count(demo, session, count)
        for transfer in book.transfers_to_cancel:
            session.transition("stock_transfer", transfer, "cancel", comment="调拨计划取消")
    book.purchase_orders_to_cancel.clear()
    book.counts_to_approve.clear()
    book.transfers_to_cancel.clear()


def _approve_count(demo, session, count: StockCount) -> None:
    """Approve, unless a shortfall found yesterday would now dip into stock
    promised to customers: then the count is cancelled (to be counted again)."""
    book = demo.book
    if any(book.at(product, count.warehouse).available + diff < 0
           for product, diff in count.differences.items()):
        session.transition("stock_count", count.id, "cancel")
        return
    session.transition("stock_count", count.id, "approve")
    for product, diff in count.differences.items():
        book.move(product, count.warehouse, diff)


# ---------------------------------------------------------------- warehouse
def warehouse_morning(demo, day: date) -> None:
    book = demo.book
    arrivals = [(po, po.deliveries.pop(day)) for po in list(book.purchase_orders) if day in po.deliveries]
    transfers = (day - demo.start).days % TRANSFER_EVERY == TRANSFER_EVERY // 2
    counts = day.day == COUNT_DAY
    if not (arrivals or book.to_ship or book.returns_to_receive or transfers or counts):
        return
    with demo.work("warehouse") as session:
        for po, delivery in arrivals:
            _receive(demo, session, day, po, delivery)
        for order in book.to_ship:
            session.transition("sales_order", order.id, "ship")
            book.ship(order)
            if demo.rng.random() < SALES_RETURN_SHARE:
                due = day + timedelta(days=demo.rng.randint(3, 12))
                book.sales_returns_due.setdefault(due, []).append(order)
        book.to_ship.clear()
        for return_id, warehouse, lines in book.returns_to_receive:
            session.transition("sales_return", return_id, "receive")
            for product, qty in lines:
                book.move(product, warehouse, qty)
        book.returns_to_receive.clear()
        if transfers:
            _transfer(demo, session, day)
        if counts:
            _count(demo, session, day)


def _receive(demo, session, day: date, po: PurchaseOrder, delivery: dict[int, int]) -> None:
    book = demo.book
    lines = [{"product": po.lines[line][0], "qty": qty, "po_line": line} for line, qty in delivery.items()]
    receipt = demo.create(session, "purchase_receipt", {
        "purchase_order": po.id, "supplier": po.supplier, "warehouse": po.warehouse, "lines": lines}, day)
    session.transition("purchase_receipt", receipt["id"], "receive")
    for line, qty in delivery.items():
        book.receive(po, line, qty)
    if not po.deliveries:                  # the rules have moved it to "received"
        book.purchase_orders.remove(po)
        book.requests_to_close.extend(po.requests)
    if demo.rng.random() > demo.suppliers[po.supplier].quality:
        line, qty = demo.rng.choice(sorted(delivery.items()))
        faulty = max(1, round(qty * demo.rng.uniform(0.02, 0.08)))
        due = day + timedelta(days=demo.rng.randint(1, 5))
        faulty_goods = (po.supplier, po.warehouse, po.lines[line][0], faulty)
        book.purchase_returns_due.setdefault(due, []).append(faulty_goods)


def _transfer(demo, session, day: date) -> None:
    """Move stock from the main warehouse to branches running low on it."""
    book, main = demo.book, demo.warehouses["SH"]
    moves: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for item in demo.rng.sample(demo.items, min(8, len(demo.items))):
        for warehouse in (demo.warehouses["BJ"], demo.warehouses["GZ"]):
            branch, spare = book.at(item.id, warehouse), book.at(item.id, main).available - item.min_stock
            qty = min(spare, (item.max_stock - branch.projected) // 2)
            if branch.projected < item.min_stock * 1.3 and qty >= 1:
                moves[warehouse].append((item.id, qty))
                book.move(item.id, main, -qty)
    for warehouse, lines in moves.items():
        transfer = demo.create(session, "stock_transfer", {
            "from_warehouse": main, "to_warehouse": warehouse,
            "lines": [{"product": product, "qty": qty} for product, qty in lines]}, day)
        session.transition("stock_transfer", transfer["id"], "complete")
        for product, qty in lines:
            book.move(product, warehouse, qty)
    if demo.rng.random() < 0.3:            # planned, then called off by the manager tomorrow
        item = demo.rng.choice(demo.items)
        transfer = demo.create(session, "stock_transfer", {
            "from_warehouse": demo.warehouses["GZ"], "to_warehouse": demo.warehouses["BJ"],
            "lines": [{"product": item.id, "qty": 1}]}, day)
        book.transfers_to_cancel.append(transfer["id"])


def _count(demo, session, day: date) -> None:
    """Monthly cycle count: a few products per warehouse, mostly right."""
    book, rng = demo.book, demo.rng
    for warehouse in demo.warehouses.values():
        differences = {}
        for item in rng.sample(demo.items, min(COUNTED_PRODUCTS, len(demo.items))):
            on_hand = book.at(item.id, warehouse).on_hand
            roll = rng.random()
            diff = -rng.randint(1, 3) if roll < 0.15 else rng.randint(1, 2) if roll < 0.25 else 0
            differences[item.id] = max(diff, -on_hand)
        record = demo.create(session, "stock_count", {"warehouse": warehouse, "lines": [
            {"product": product, "counted_qty": book.at(product, warehouse).on_hand + diff}
            for product, diff in differences.items()]}, day)
        found = {line["product"]: int(line["difference"]) for line in record["lines"]}
        if found != differences:
            raise RuntimeError(f"demo stock book out of step with the stock records: "
                               f"count {record['number']} {found} != {differences}")
        book.counts_to_approve.append(StockCount(record["id"], warehouse, differences))


# -------------------------------------------------------------------- sales
def sales_day(demo, day: date) -> None:
    count = demand.orders_on(demo.rng, demo.level, day, demo.end)
    returns = demo.book.sales_returns_due.pop(day, [])
    if not (count or returns):
        return
    with demo.work("sales") as session:
        for index in range(count):
            last_drafts = day == demo.end and index >= count - 2
            _sell(demo, session, day, draft=last_drafts or demo.rng.random() < DRAFT_SHARE,
                  keep=last_drafts)
        for order in returns:
            _sales_return(demo, session, day, order)


def _sell(demo, session, day: date, *, draft: bool, keep: bool) -> None:
    book, rng = demo.book, demo.rng
    customer, warehouse = demo.pick_customer()
    lines = []
    for item in demo.pick_items(demand.line_count(rng)):
        qty = book.sellable(item.id, warehouse, demand.line_qty(rng, item.spec.typical_qty))
        if qty:
            lines.append((item.id, qty))
    if not lines:
        return
    record = demo.create(session, "sales_order", {
        "customer": customer, "warehouse": warehouse,
        "lines": [{"product": product, "qty": qty} for product, qty in lines]}, day)
    order = SalesOrder(record["id"], customer, warehouse, lines, confirmed=not draft)
    if not draft:
        session.transition("sales_order", order.id, "confirm")
        book.reserve(order)
    order.cancel = (draft and not keep) or rng.random() < CANCEL_SHARE
    book.to_ship.append(order)


def _sales_return(demo, session, day: date, order: SalesOrder) -> None:
    product, qty = demo.rng.choice(order.lines)
    back = max(1, round(qty * demo.rng.uniform(0.1, 0.5)))
    record = demo.create(session, "sales_return", {
        "sales_order": order.id, "customer": order.customer, "warehouse": order.warehouse,
        "reason": demo.rng.choice(catalog.SALES_RETURN_REASONS),
        "lines": [{"product": product, "qty": back}]}, day)
    demo.book.returns_to_receive.append((record["id"], order.warehouse, [(product, back)]))


# --------------------------------------------------------------- purchasing
def purchasing_evening(demo, day: date) -> None:
    with demo.work("purchasing") as session:
        _return_faulty_goods(demo, session, day)
        ordered = _replenish(demo, session, day)
        _answer_requests(demo, session, ordered)
        if day.day == 1 and day.month in (1, 4, 7, 10) and (day - demo.start).days > 60:
            _evaluate_suppliers(demo, session, day)


def _return_faulty_goods(demo, session, day: date) -> None:
    book = demo.book
    for supplier, warehouse, product, qty in book.purchase_returns_due.pop(day, []):
        if book.at(product, warehouse).available < qty:
            continue                        # already sold: kept, with a discount agreed
        record = demo.create(session, "purchase_return", {
            "supplier": supplier, "warehouse": warehouse,
            "reason": demo.rng.choice(catalog.PURCHASE_RETURN_REASONS),
            "lines": [{"product": product, "qty": qty}]}, day)
        session.transition("purchase_return", record["id"], "return_goods")
        book.move(product, warehouse, -qty)


def _replenish(demo, session, day: date) -> dict[tuple[int, int], PurchaseOrder]:
    """Order up to max_stock whatever fell below min_stock, one PO per supplier
    and warehouse."""
    book = demo.book
    wanted: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for item in demo.items:
        for warehouse in demo.warehouses.values():
            position = book.at(item.id, warehouse)
            if position.projected < item.min_stock:
                wanted[(item.supplier, warehouse)].append((item.id, item.max_stock - position.projected))
    ordered = {}
    for (supplier, warehouse), lines in wanted.items():
        lead = demo.suppliers[supplier].lead_time_days
        record = demo.create(session, "purchase_order", {
            "supplier": supplier, "warehouse": warehouse, "expected_date": day + timedelta(days=lead),
            "lines": [{"product": product, "qty": qty} for product, qty in lines]}, day)
        session.transition("purchase_order", record["id"], "order")
        po = PurchaseOrder(record["id"], supplier, warehouse,
                           {line["id"]: [line["product"], int(line["qty"]), 0] for line in record["lines"]})
        for product, qty in lines:
            book.expect(product, warehouse, qty)
            ordered[(product, warehouse)] = po
        book.purchase_orders.append(po)
        if demo.rng.random() < PURCHASE_CANCEL_SHARE:
            book.purchase_orders_to_cancel.append(po)
        else:
            _plan_deliveries(demo, po, day, lead)
    return ordered


def _plan_deliveries(demo, po: PurchaseOrder, day: date, lead: int) -> None:
    rng, supplier = demo.rng, demo.suppliers[po.supplier]
    delay = 0 if rng.random() < supplier.reliability else rng.randint(1, 4)
    if delay == 0 and rng.random() < EARLY_SHARE:
        delay = -rng.randint(1, 2)
    arrival = day + timedelta(days=max(1, lead + delay))
    everything = {line: qty for line, (_product, qty, _received) in po.lines.items()}
    if rng.random() >= SPLIT_DELIVERY_SHARE:
        po.deliveries = {arrival: everything}
        return
    first = {line: max(1, int(qty * rng.uniform(0.5, 0.8))) for line, qty in everything.items()}
    rest = {line: qty - first[line] for line, qty in everything.items() if qty > first[line]}
    po.deliveries = {arrival: first}
    if rest:
        po.deliveries[arrival + timedelta(days=rng.randint(2, 6))] = rest


def _answer_requests(demo, session, ordered) -> None:
    """The low-stock rule opened purchase requests today: mark the ones just
    ordered, close the rest; close those whose goods have all arrived."""
    table = session.app.tables.form("purchase_request")
    rows = session.connection.execute(
        select(table.c.id, table.c.product, table.c.warehouse)
        .where(table.c.status == "open").order_by(table.c.id)).all()
    for request, product, warehouse in rows:
        po = ordered.get((product, warehouse))
        if po is None:
            session.transition("purchase_request", request, "close")
            continue
        session.transition("purchase_request", request, "mark_ordered")
        po.requests.append(request)
    for request in demo.book.requests_to_close:
        session.transition("purchase_request", request, "close")
    demo.book.requests_to_close.clear()


def _evaluate_suppliers(demo, session, day: date) -> None:
    """Quarterly evaluation (信誉, 交货, 价格, 质量, 服务) of the quarter just ended."""
    rng = demo.rng
    quarter_end = day - timedelta(days=1)
    period = f"{quarter_end.year}Q{(quarter_end.month - 1) // 3 + 1}"

    def score(value: float) -> int:
        return min(5, max(1, round(value + rng.gauss(0, 0.4))))

    for supplier, spec in demo.suppliers.items():
        delivery, quality = score(1 + 4 * spec.reliability), score(5 - 40 * (1 - spec.quality))
        demo.create(session, "supplier_evaluation", {
            "supplier": supplier, "period": period, "delivery": delivery, "quality": quality,
            "reputation": score((delivery + quality) / 2), "price": score(rng.uniform(2.8, 4.4)),
            "service": score(rng.uniform(3.0, 4.6))})
