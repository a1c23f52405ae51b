"""Inventory analysis of the inventory app (进销存): ABC classes, turnover,
days of supply, slow and dead stock, over-max stock, supplier delivery.

Definitions (docs/screens.md "Inventory analysis" says the same):

- period: the `days` days ending on `as_of` (both included); sales are lines
  of shipped sales orders dated in the period (revenue = line amounts);
- ABC: products ranked by revenue; a product is A while the revenue of the
  products ranked above it is below `a_share` (80 %) of the total, B below
  `b_share` (95 %: the next 15 %), else C; products without revenue are C;
- average on_hand: the mean of the end-of-day on_hand of every day of the
  period, rebuilt from today's on_hand minus the ledger movements of the
  documents dated after each day;
- turnover: units shipped / average on_hand per product (the cost ratio is the
  same, cost being one price per product); in total, cost of goods shipped /
  average stock value, both at the current cost_price;
- days of supply: available / (units shipped / days);
- dead stock: on_hand > 0 and no sale for `dead_days` (180) days (or never);
  slow mover: on_hand > 0, not dead, no sale for `slow_days` (90) days;
- over max: a stock row (product × warehouse) with on_hand above max_stock > 0;
- suppliers: the on-time and return rates the rules keep on each supplier,
  recomputed from the receipts and returns, and the latest evaluation.

Permissions: the caller must read stock and see products' cost_price (stock
values use it), else 403. Sections built on forms the caller may not read
(sales orders; suppliers' counters, receipts, returns) are left out and named
in `omitted`; row scopes apply to every query.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.runtime.analysis import inventory_queries as queries
from engine.runtime.errors import BadRequest, Forbidden
from engine.runtime.permissions.access import access_for
from engine.runtime.records.values import json_value

REQUIRED_FORMS = ("product", "stock", "sales_order", "supplier", "purchase_receipt",
                  "purchase_return", "supplier_evaluation")


@dataclass(frozen=True)
class InventoryOptions:
    as_of: date
    days: int = 90
    a_share: Decimal = Decimal("0.80")
    b_share: Decimal = Decimal("0.95")
    slow_days: int = 90
    dead_days: int = 180

    @property
    def start(self) -> date:
        return self.as_of - timedelta(days=self.days - 1)

    def checked(self) -> "InventoryOptions":
        if not 1 <= self.days <= 3660:
            raise BadRequest("'days' must be between 1 and 3660")
        if self.as_of.toordinal() <= self.days:
            raise BadRequest("'as_of' is too early for a period of that many days")
        if not Decimal(0) < self.a_share <= self.b_share <= Decimal(1):
            raise BadRequest("the shares must satisfy 0 < a_share <= b_share <= 1")
        if not 1 <= self.slow_days <= self.dead_days:
            raise BadRequest("'slow_days' must be at least 1 and at most 'dead_days'")
        return self


def sections_for(loaded, actor) -> tuple[set[str], list[dict[str, str]]]:
    """Which sections the actor may see, and why the others are left out.
    Raises Forbidden when the analysis as a whole is not theirs to see."""
    model = loaded.model
    missing = [name for name in REQUIRED_FORMS if model.form(name) is None]
    if missing:
        raise BadRequest(f"the inventory analysis needs the form '{missing[0]}'")

    def access(name):
        return access_for(actor, model, model.form(name))

    product, stock = access("product"), access("stock")
    if not stock.can("read") or not product.can("read") or product.level("cost_price") == "hidden":
        raise Forbidden("The inventory analysis needs read access to stock and to products' cost prices")
    shown, omitted = {"stock", "over_max"}, []
    sales = access("sales_order")
    if sales.can("read") and sales.level("lines") != "hidden":
        shown |= {"abc", "turnover", "slow_dead"}
    else:
        omitted += [{"section": s, "reason": "needs read access to sales_order"}
                    for s in ("abc", "turnover", "slow_dead")]
    supplier = access("supplier")
    counters = ("receipts_count", "on_time_receipts", "received_qty", "returned_qty")
    if supplier.can("read") and all(supplier.level(c) != "hidden" for c in counters) \
            and access("purchase_receipt").can("read") and access("purchase_return").can("read"):
        shown.add("suppliers")
    else:
        omitted.append({"section": "suppliers",
                        "reason": "needs read access to suppliers, purchase receipts and returns"})
    return shown, omitted


def analyse(connection, loaded, actor, options: InventoryOptions) -> dict[str, Any]:
    """Every section the actor may see, as JSON-ready values."""
    options = options.checked()
    shown, omitted = sections_for(loaded, actor)
    q = queries.Scoped(connection, loaded, actor)
    products = queries.products(q)
    stock = queries.stock_by_product(q)
    result: dict[str, Any] = {
        "app": loaded.name,
        "period": {"start": options.start.isoformat(), "end": options.as_of.isoformat(),
                   "days": options.days},
        "options": {"a_share": options.a_share, "b_share": options.b_share,
                    "slow_days": options.slow_days, "dead_days": options.dead_days},
        "omitted": omitted,
        "over_max": over_max(q),
    }
    if "abc" in shown:
        sales = queries.sales_by_product(q, options.start, options.as_of)
        result["abc"] = abc_classes(products, sales, options)
        movements = queries.on_hand_movements_by_day(q, options.start)
        result["turnover"] = turnover(products, stock, sales, movements, options)
        result["slow_dead"] = slow_and_dead(products, stock, queries.last_sale_by_product(q, options.as_of),
                                            options)
    if "suppliers" in shown:
        result["suppliers"] = suppliers(q)
    return json_value(result)


def abc_classes(products, sales, options: InventoryOptions) -> dict[str, Any]:
    ranked = sorted(products, key=lambda p: (-sales.get(p["id"], {}).get("revenue", Decimal(0)), p["id"]))
    total = sum((s["revenue"] for s in sales.values()), Decimal(0))
    rows, above = [], Decimal(0)
    for product in ranked:
        revenue = sales.get(product["id"], {}).get("revenue", Decimal(0))
        share_above = above / total if total else Decimal(1)
        if revenue <= 0:
            klass = "C"
        else:
            klass = "A" if share_above < options.a_share else "B" if share_above < options.b_share else "C"
        above += revenue
        rows.append({"product": _product_ref(product), "revenue": revenue,
                     "share": _ratio(revenue, total), "cumulative_share": _ratio(above, total),
                     "class": klass})
    counts = {k: sum(1 for r in rows if r["class"] == k) for k in "ABC"}
    return {"total_revenue": total, "counts": counts, "rows": rows}


def average_on_hand(current: Decimal, movements: dict[date, Decimal], options: InventoryOptions) -> Decimal:
    """Mean end-of-day on_hand over the period: the end of day d is today's
    on_hand minus the movements dated after d."""
    total = Decimal(0)
    for moved_on, delta in movements.items():
        # A movement dated on day k (0 = period start) is after the end of days 0..k-1.
        days_before = min(max((moved_on - options.start).days, 0), options.days)
        total += delta * days_before
    return current - total / options.days


def turnover(products, stock, sales, movements, options: InventoryOptions) -> dict[str, Any]:
    rows, cogs, stock_value = [], Decimal(0), Decimal(0)
    for product in products:
        current = stock.get(product["id"], {})
        units = sales.get(product["id"], {}).get("units", Decimal(0))
        average = average_on_hand(current.get("on_hand", Decimal(0)), movements.get(product["id"], {}), options)
        available = current.get("available", Decimal(0))
        daily = units / options.days
        cost = queries.number(product["cost_price"])
        cogs += units * cost
        stock_value += average * cost
        rows.append({"product": _product_ref(product), "units_shipped": units,
                     "average_on_hand": _round(average), "turnover": _round(units / average) if average > 0 else None,
                     "available": available, "daily_demand": _round(daily),
                     "days_of_supply": _round(available / daily, 1) if daily > 0 else None})
    return {"cost_of_goods_shipped": _round(cogs, 2), "average_stock_value": _round(stock_value, 2),
            "turnover": _round(cogs / stock_value) if stock_value > 0 else None, "rows": rows}


def slow_and_dead(products, stock, last_sale, options: InventoryOptions) -> dict[str, Any]:
    slow, dead = [], []
    for product in products:
        on_hand = stock.get(product["id"], {}).get("on_hand", Decimal(0))
        if on_hand <= 0:
            continue
        sold = last_sale.get(product["id"])
        idle = (options.as_of - sold).days if sold is not None else None
        row = {"product": _product_ref(product), "on_hand": on_hand, "last_sale": sold,
               "days_without_sale": idle,
               "stock_value": _round(on_hand * queries.number(product["cost_price"]), 2)}
        if idle is None or idle >= options.dead_days:
            dead.append(row)
        elif idle >= options.slow_days:
            slow.append(row)
    return {"slow": slow, "dead": dead}


def over_max(q) -> list[dict[str, Any]]:
    rows = []
    for row in queries.over_max_stock(q):
        on_hand, maximum = queries.number(row["on_hand"]), queries.number(row["max_stock"])
        rows.append({"stock": row["id"], "product": {"id": row["product"], "sku": row["sku"], "name": row["name"]},
                     "warehouse": {"id": row["warehouse"], "name": row["warehouse_name"]},
                     "on_hand": on_hand, "max_stock": maximum, "excess": on_hand - maximum,
                     "excess_value": _round((on_hand - maximum) * queries.number(row["cost_price"]), 2)})
    return rows


def suppliers(q) -> list[dict[str, Any]]:
    documents = queries.supplier_documents(q)
    evaluations = queries.latest_evaluations(q)
    rows = []
    for supplier in queries.supplier_counters(q):
        kept = {"receipts": queries.number(supplier["receipts_count"]),
                "on_time": queries.number(supplier["on_time_receipts"]),
                "received_qty": queries.number(supplier["received_qty"]),
                "returned_qty": queries.number(supplier["returned_qty"])}
        found = {key: documents.get(supplier["id"], {}).get(key, Decimal(0)) for key in kept}
        evaluation = evaluations.get(supplier["id"])
        rows.append({
            "supplier": {"id": supplier["id"], "name": supplier["name"]},
            "receipts": kept["receipts"], "on_time_receipts": kept["on_time"],
            "received_qty": kept["received_qty"], "returned_qty": kept["returned_qty"],
            "on_time_rate": _ratio(kept["on_time"], kept["receipts"], 4),
            "return_rate": _ratio(kept["returned_qty"], kept["received_qty"], 4),
            "matches_documents": all(kept[k] == found[k] for k in kept),
            "from_documents": found,
            "latest_evaluation": None if evaluation is None else {
                "id": evaluation["id"], "period": evaluation["period"],
                "on_time_rate": evaluation["on_time_rate"], "return_rate": evaluation["return_rate"]},
        })
    return rows


def _product_ref(product) -> dict[str, Any]:
    return {"id": product["id"], "sku": product["sku"], "name": product["name"]}


def _ratio(part: Decimal, whole: Decimal, places: int = 4) -> Decimal | None:
    return _round(Decimal(part) / Decimal(whole), places) if whole else None


def _round(value: Decimal, places: int = 3) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
