"""Demo data for the inventory app (进销存): a hardware distributor's year.

About 50 products in six categories, 3 warehouses, 10 suppliers, 30 customers,
and a year of business ending today, simulated day by day (see `days.py`):
sales with weekly and yearly seasonality and growth, purchase orders that
replenish stock and arrive (sometimes late, sometimes in two deliveries),
sales and purchase returns, transfers, monthly stock counts, a few
cancellations, quarterly supplier evaluations.

Every document is created and moved through its workflow with the record
service, in the name of the demo user of the role that would do it (sales
confirms orders, the warehouse ships them, the manager approves counts and
cancels), so stock, the effect ledger and the change log agree and
`liandong verify inventory` is clean. Each role's work of a simulated day is
one transaction. Document dates (and numbers: SO202603-0042) follow the
simulated day; the change log's timestamps are the real time of loading.
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterator

from sqlalchemy import update

from engine.demo import catalog, demand
from engine.demo.accounts import DemoAccount
from engine.demo.stockbook import Book, StockCount
from engine.runtime.actor import Actor, Cause
from engine.runtime.notifications import notifications
from engine.runtime.records import autonumber
from engine.runtime.records.service import get_record_service
from engine.storage.types import utcnow

APP = "inventory"
CAUSE = Cause("import", "demo data")
NUMBERED = frozenset({"number"})
DEFAULT_SEED = 20240617
DEFAULT_DAYS = 365
DEFAULT_PRODUCTS = None               # all of them
DEFAULT_ORDERS_PER_DAY = 14.0         # a weekday's sales orders today, before seasonality

ACCOUNTS = (
    DemoAccount("admin", "admin-demo", None, "系统管理员 Admin", admin=True),
    DemoAccount("manager", "manager-demo", "manager", "王经理 Manager"),
    DemoAccount("sales", "sales-demo", "sales", "陈销售 Sales"),
    DemoAccount("purchasing", "purchasing-demo", "purchasing", "李采购 Purchasing"),
    DemoAccount("warehouse", "warehouse-demo", "warehouse", "张仓管 Warehouse"),
)


@dataclass
class Item:
    """A product as the simulation sees it."""
    id: int
    spec: catalog.Product
    supplier: int
    min_stock: int
    max_stock: int


class Demo:
    """The state of one demo load: master data ids, the stock book, the dice."""

    def __init__(self, service, actors: dict[str, Actor], *, end: date, days: int,
                 orders_per_day: float, products: int | None, seed: int):
        self.service, self.actors = service, actors
        self.rng = random.Random(seed)
        self.end = end
        self.start = end - timedelta(days=max(1, days) - 1)
        self.level = orders_per_day
        self.specs = catalog.pick_products(products)
        self.book = Book()
        self.warehouses: dict[str, int] = {}
        self.suppliers: dict[int, catalog.Supplier] = {}          # id -> spec
        self.customers: list[tuple[int, int]] = []                # (id, warehouse id)
        self.customer_weights: list[float] = []
        self.items: list[Item] = []

    @contextmanager
    def work(self, role: str) -> Iterator:
        """One transaction, in the name of the role's demo user."""
        with self.service.unit_of_work(APP, self.actors[role], CAUSE) as session:
            yield session

    def create(self, session, form: str, values: dict, day: date | None = None) -> dict:
        """Create a record; a document (with a `day`) is numbered by its own date."""
        if day is None:
            return session.create(form, values)
        pattern = session.app.form(form).field("number").pattern
        number = autonumber.next_number(session.connection, APP, form, "number", pattern, day)
        return session.create(form, {**values, "number": number, "date": day}, trusted=NUMBERED)

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def pick_customer(self) -> tuple[int, int]:
        return self.rng.choices(self.customers, self.customer_weights)[0]

    def pick_items(self, count: int) -> list[Item]:
        """`count` different products, the popular ones more often."""
        pool, chosen = list(self.items), []
        for _ in range(min(count, len(pool))):
            item = self.rng.choices(pool, [i.spec.popularity for i in pool])[0]
            pool.remove(item)
            chosen.append(item)
        return chosen


def load(flask_app, actors: dict[str, Actor], *, progress: Callable[[str], None] | None = None,
         days: int | None = None, products: int | None = None, orders_per_day: float | None = None,
         seed: int = DEFAULT_SEED, end: date | None = None) -> dict[str, int]:
    """Load the demo: `days` of history ending `end` (default: a year ending
    today), `products` of the catalogue (spread over the categories), about
    `orders_per_day` sales orders on a weekday. Returns the records per form."""
    from engine.demo import record_counts
    from engine.demo.days import simulate_day
    demo = Demo(get_record_service(flask_app), actors, end=end or date.today(),
                days=DEFAULT_DAYS if days is None else days,
                orders_per_day=DEFAULT_ORDERS_PER_DAY if orders_per_day is None else orders_per_day,
                products=DEFAULT_PRODUCTS if products is None else products, seed=seed)
    create_master_data(demo)
    open_stock(demo)
    for day in demo.days():
        if progress and (day == demo.start or day.day == 1):
            progress(f"{day:%Y-%m}")
        if day == demo.end - timedelta(days=6):
            read_notifications(demo)
        simulate_day(demo, day)
    return record_counts(flask_app, APP)


def read_notifications(demo: Demo) -> None:
    """Purchasing has read the low-stock alerts of the past year; the last
    week's are still unread, as they would be on a real Monday morning."""
    with demo.service.database.transaction() as connection:
        connection.execute(update(notifications).where(
            notifications.c.app == APP, notifications.c.read_at.is_(None)).values(read_at=utcnow()))


def create_master_data(demo: Demo) -> None:
    with demo.work("admin") as session:
        categories = {name: demo.create(session, "category", {"name": name})["id"]
                      for name in catalog.CATEGORIES}
        for spec in catalog.WAREHOUSES:
            demo.warehouses[spec.code] = demo.create(session, "warehouse", spec._asdict())["id"]
        supplier_ids = []
        for spec in catalog.SUPPLIERS:
            values = {"name": spec.name, "contact": spec.contact, "phone": spec.phone,
                      "lead_time_days": spec.lead_time_days}
            supplier_ids.append(demo.create(session, "supplier", values)["id"])
            demo.suppliers[supplier_ids[-1]] = spec
        _create_customers(demo, session)
        _create_products(demo, session, categories, supplier_ids)


def _create_customers(demo: Demo, session) -> None:
    for index, (name, code, contact, weight) in enumerate(catalog.CUSTOMERS, start=1):
        phone = f"{catalog.AREA_CODES[code]}-5555-{index:04d}"
        record = demo.create(session, "customer", {"name": name, "contact": contact, "phone": phone})
        demo.customers.append((record["id"], demo.warehouses[code]))
        demo.customer_weights.append(weight)


def _create_products(demo: Demo, session, categories: dict[str, int], supplier_ids: list[int]) -> None:
    """Products with min/max stock sized to what the busiest warehouse sells
    over the supplier's lead time."""
    shares: dict[int, float] = {}
    for (_id, warehouse), weight in zip(demo.customers, demo.customer_weights):
        shares[warehouse] = shares.get(warehouse, 0) + weight / sum(demo.customer_weights)
    popularity = sum(spec.popularity for spec in demo.specs)
    for spec in demo.specs:
        supplier = catalog.SUPPLIERS[spec.supplier]
        daily = (demo.level * max(shares.values()) * demand.mean_lines() * spec.popularity / popularity
                 * spec.typical_qty * 1.15)
        minimum, maximum = demand.stock_levels(daily, supplier.lead_time_days)
        values = {"sku": spec.sku, "name": spec.name, "category": categories[spec.category],
                  "unit": spec.unit, "unit_price": spec.unit_price, "cost_price": spec.cost_price,
                  "min_stock": minimum, "max_stock": maximum, "supplier": supplier_ids[spec.supplier]}
        record = demo.create(session, "product", values)
        demo.items.append(Item(record["id"], spec, supplier_ids[spec.supplier], minimum, maximum))


def open_stock(demo: Demo) -> None:
    """期初盘点: an opening count per warehouse, approved by the manager on day one."""
    counts = []
    with demo.work("warehouse") as session:
        for warehouse in demo.warehouses.values():
            lines = [(item.id, demo.rng.randint((item.min_stock + item.max_stock) // 2, item.max_stock))
                     for item in demo.items]
            record = demo.create(session, "stock_count", {
                "warehouse": warehouse,
                "lines": [{"product": product, "counted_qty": qty} for product, qty in lines]},
                demo.start)
            counts.append(StockCount(record["id"], warehouse, dict(lines)))
    with demo.work("manager") as session:
        for count in counts:
            session.transition("stock_count", count.id, "approve")
            for product, qty in count.differences.items():
                demo.book.move(product, count.warehouse, qty)
