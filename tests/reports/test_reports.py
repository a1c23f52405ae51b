"""Reports of the inventory app equal a plain Python computation over the same
records, on SQLite and PostgreSQL; row scopes and field rights apply."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from engine.runtime.actor import SYSTEM
from engine.runtime.errors import BadRequest, Forbidden, NotFound
from engine.runtime.reports import run_report, runnable_reports


def dec(value) -> Decimal:
    return Decimal(str(value))


def shipped_lines(book, seller=None):
    """(order, line) of shipped orders (of one seller's orders when given)."""
    for order in book.orders:
        if order["status"] != "shipped":
            continue
        if seller is not None and order["created_by"] != book.actors[seller].user_id:
            continue
        for line in order["lines"]:
            yield order, line


def monthly_revenue(book, seller=None) -> list[list]:
    sums = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for order, line in shipped_lines(book, seller):
        key = (order["date"][:7] + "-01", line["product"])
        sums[key][0] += dec(line["qty"])
        sums[key][1] += dec(line["amount"])
        sums[key][2] += 1
    rows = [[month, product, qty, revenue, count] for (month, product), (qty, revenue, count) in sums.items()]
    return sorted(rows, key=lambda r: (r[0], -r[3], r[1]))


def run(app, name, actor=SYSTEM, **options):
    with app.app_context():
        return run_report("inventory", name, actor=actor, **options)


def test_monthly_revenue_by_product_equals_python(app, book):
    result = run(app, "monthly_revenue_by_product")
    assert result.names == ["month", "product", "qty", "revenue", "lines"]
    assert [c.kind for c in result.columns] == ["group", "group", "measure", "measure", "measure"]
    assert [c.type for c in result.columns] == ["date", "link", "decimal", "decimal", "integer"]
    assert result.columns[0].label == {"zh": "月份", "en": "Month"}
    assert result.rows == monthly_revenue(book)
    assert len(result.rows) == 5          # drafts, confirmed and cancelled orders left out


def test_daily_sales_by_product_equals_python(app, book):
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for order, line in shipped_lines(book):
        sums[(order["date"], line["product"])][0] += dec(line["qty"])
        sums[(order["date"], line["product"])][1] += dec(line["amount"])
    expected = sorted([day, product, qty, amount] for (day, product), (qty, amount) in sums.items())
    assert run(app, "daily_sales_by_product").rows == expected


def test_form_source_with_count_avg_and_max_of_a_date(app, book):
    shipped = [o for o in book.orders if o["status"] == "shipped"]
    total = sum(dec(o["total"]) for o in shipped)
    average = (total / len(shipped)).quantize(Decimal("0.0001"))
    last = max(date.fromisoformat(o["date"]) for o in shipped)
    result = run(app, "sales_by_customer")
    assert result.rows == [[book.shop.customer["id"], len(shipped), total, average, last]]
    assert [c.type for c in result.columns] == ["link", "integer", "decimal", "decimal", "date"]


def test_stock_by_warehouse_equals_python(app, book):
    stock = book.shop.all("stock")
    expected = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
    for row in stock:
        sums = expected[row["warehouse"]]
        sums[0] += 1
        for i, name in enumerate(("on_hand", "reserved", "available", "incoming"), 1):
            sums[i] += dec(row[name] or 0)
    assert run(app, "stock_by_warehouse").rows == [[w, *s] for w, s in sorted(expected.items())]


def test_link_fields_in_measures_and_titles(app, book):
    costs = {book.shop.bolt["id"]: Decimal(1), book.shop.nut["id"]: Decimal("0.5")}
    margins = defaultdict(Decimal)
    for order, line in shipped_lines(book):
        margins[(order["date"][:7] + "-01", line["product"])] += \
            dec(line["amount"]) - dec(line["qty"]) * costs[line["product"]]
    result = run(app, "monthly_margin_by_product", titles=True)
    assert {(r[0], r[1]): r[4] for r in result.rows} == margins
    assert result.titles == {"product": {book.shop.bolt["id"]: "螺栓", book.shop.nut["id"]: "螺母"}}


def test_extra_filter_and_limit(app, book):
    bolt = book.shop.bolt["id"]
    result = run(app, "monthly_revenue_by_product", filter=f"product == {bolt} and parent.date >= '2024-02-01'")
    assert result.rows == [r for r in monthly_revenue(book) if r[1] == bolt and r[0] >= "2024-02-01"]
    assert run(app, "monthly_revenue_by_product", limit=2).rows == monthly_revenue(book)[:2]


def test_row_scope_limits_a_sales_person_to_their_orders(app, book):
    alice = run(app, "monthly_revenue_by_product", actor=book.actors["alice"]).rows
    assert alice == monthly_revenue(book, "alice") and alice != monthly_revenue(book)
    assert run(app, "monthly_revenue_by_product", actor=book.actors["boss"]).rows == monthly_revenue(book)


def test_a_role_without_read_is_refused(app, book):
    with pytest.raises(Forbidden, match="You may not read stock records"):
        run(app, "stock_by_warehouse", actor=book.actors["alice"])
    with app.app_context():
        assert "stock_by_warehouse" not in [r["name"] for r in runnable_reports("inventory", actor=book.actors["alice"])]


def test_a_hidden_field_refuses_the_report_and_names_the_field(app, book):
    with pytest.raises(Forbidden) as refused:
        run(app, "monthly_margin_by_product", actor=book.actors["alice"])
    assert "product.cost_price" in refused.value.message
    assert {d.field for d in refused.value.details} == {"cost", "margin"}
    with app.app_context():
        names = [r["name"] for r in runnable_reports("inventory", actor=book.actors["alice"])]
    assert "monthly_margin_by_product" not in names and "monthly_revenue_by_product" in names


@pytest.mark.parametrize("bad, message", [
    ("parent.stauts == 'shipped'", "unknown name 'parent.stauts'"),
    ("qty >", "syntax error"),
    ("product.cost_price > 0", "unknown name 'product.cost_price'"),   # hidden from sales
])
def test_a_bad_filter_is_400_naming_the_problem(app, book, bad, message):
    with pytest.raises(BadRequest) as refused:
        run(app, "monthly_revenue_by_product", actor=book.actors["alice"], filter=bad)
    assert message in refused.value.message and refused.value.details[0].field == "filter"


def test_unknown_report_is_404(app, book):
    with pytest.raises(NotFound):
        run(app, "nope")


def test_group_by_the_workflow_state(app, book):
    counts = defaultdict(lambda: [0, Decimal(0)])
    for order in book.orders:
        counts[order["status"]][0] += 1
        counts[order["status"]][1] += dec(order["total"])
    expected = sorted(([state, n, total] for state, (n, total) in counts.items()),
                      key=lambda r: (-r[1], r[0]))
    result = run(app, "orders_by_status")
    assert result.rows == expected
    assert result.columns[0].type == "select" and result.columns[0].label == {"zh": "状态", "en": "Status"}
