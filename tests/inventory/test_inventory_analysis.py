"""Inventory analysis (issue 10 item 4): every section equals a plain Python
computation over the documents this test writes through the record service;
the API and the screen refuse roles that may not read stock or cost prices."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

AS_OF = date(2026, 6, 30)
DAYS = 30
START = AS_OF - timedelta(days=DAYS - 1)
URL = "/apps/inventory/analysis/inventory"


class Book:
    """What the test did, kept in plain Python: the expected side."""

    def __init__(self, shop):
        self.shop = shop
        self.moves = []        # (product id, warehouse id, day, delta on_hand)
        self.sales = []        # (product id, day, qty, amount) of shipped orders
        self.reserved = {}     # product id -> reserved qty (confirmed, unshipped)

    def receive(self, day, warehouse, pairs, **values):
        self.shop.receive(warehouse, pairs, date=day.isoformat(), **values)
        self.moves += [(p["id"], warehouse["id"], day, Decimal(str(q))) for p, q in pairs]

    def sell(self, day, pairs, *, ship=True, cancel=False):
        shop = self.shop
        order = shop.create("sales_order", customer=shop.customer["id"], warehouse=shop.main["id"],
                            date=day.isoformat(),
                            lines=[{"product": p["id"], "qty": q, "price": price} for p, q, price in pairs])
        shop.move("sales_order", order, "confirm")
        if not ship:
            for p, q, _ in pairs:
                self.reserved[p["id"]] = self.reserved.get(p["id"], 0) + Decimal(str(q))
            return
        shop.move("sales_order", order, "ship")
        if cancel:
            shop.move("sales_order", order, "cancel", comment="customer changed their mind")
            return
        for p, q, price in pairs:
            self.moves.append((p["id"], shop.main["id"], day, -Decimal(str(q))))
            self.sales.append((p["id"], day, Decimal(str(q)), Decimal(str(q)) * Decimal(str(price))))

    def count(self, day, product, counted):
        shop = self.shop
        before = sum(d for p, w, _, d in self.moves if p == product["id"] and w == shop.main["id"])
        sheet = shop.create("stock_count", warehouse=shop.main["id"], date=day.isoformat(),
                            lines=[{"product": product["id"], "counted_qty": counted}])
        shop.move("stock_count", sheet, "approve")
        self.moves.append((product["id"], shop.main["id"], day, Decimal(str(counted)) - before))


@pytest.fixture
def book(shop):
    shop.washer = shop.create("product", sku="W-1", name="垫圈", unit_price=5, cost_price=2, max_stock=10)
    shop.gear = shop.create("product", sku="G-1", name="齿轮", unit_price=30, cost_price=10)
    shop.widget = shop.create("product", sku="D-1", name="呆料", unit_price=9, cost_price=3)
    shop.spring = shop.create("product", sku="S-1", name="弹簧", unit_price=4, cost_price=1)
    book = Book(shop)
    b = book
    b.receive(date(2026, 1, 5), shop.main, [(shop.bolt, 300), (shop.nut, 100), (shop.washer, 40),
                                             (shop.gear, 20), (shop.widget, 7), (shop.spring, 30)])
    b.receive(date(2026, 6, 10), shop.main, [(shop.bolt, 50), (shop.gear, 5)])
    b.receive(date(2026, 6, 12), shop.branch, [(shop.washer, 3)])
    b.sell(date(2026, 3, 1), [(shop.spring, 5, 4)])                     # slow: 121 days before AS_OF
    b.sell(date(2026, 5, 20), [(shop.bolt, 10, 2)])                     # before the period
    b.sell(date(2026, 6, 2), [(shop.bolt, 40, 2), (shop.gear, 6, 30)])
    b.sell(date(2026, 6, 15), [(shop.gear, 4, 28), (shop.nut, 30, 1), (shop.washer, 2, 5)])
    b.sell(date(2026, 6, 20), [(shop.bolt, 60, 2.5)])
    b.sell(date(2026, 6, 21), [(shop.nut, 5, 1)], cancel=True)          # shipped, then cancelled
    b.sell(date(2026, 6, 28), [(shop.bolt, 8, 2)], ship=False)          # confirmed only: reserved
    b.sell(date(2026, 7, 3), [(shop.bolt, 9, 2)])                       # after AS_OF
    b.count(date(2026, 6, 18), shop.nut, 60)
    return book


# ------------------------------------------------------------- plain Python
def expected(book, products):
    in_period = [s for s in book.sales if START <= s[1] <= AS_OF]
    units = {p["id"]: sum((s[2] for s in in_period if s[0] == p["id"]), Decimal(0)) for p in products}
    revenue = {p["id"]: sum((s[3] for s in in_period if s[0] == p["id"]), Decimal(0)) for p in products}
    total = sum(revenue.values())
    ranked = sorted(products, key=lambda p: (-revenue[p["id"]], p["id"]))
    classes, above = {}, Decimal(0)
    for p in ranked:
        share = above / total
        classes[p["id"]] = "C" if revenue[p["id"]] == 0 else "A" if share < Decimal("0.8") \
            else "B" if share < Decimal("0.95") else "C"
        above += revenue[p["id"]]
    on_hand = {p["id"]: sum((m[3] for m in book.moves if m[0] == p["id"]), Decimal(0)) for p in products}
    average = {}
    for p in products:
        days = [START + timedelta(days=i) for i in range(DAYS)]
        levels = [sum((m[3] for m in book.moves if m[0] == p["id"] and m[2] <= d), Decimal(0)) for d in days]
        average[p["id"]] = sum(levels) / DAYS
    last_sale = {}
    for product, day, _, _ in book.sales:
        if day <= AS_OF:
            last_sale[product] = max(day, last_sale.get(product, day))
    return units, revenue, total, classes, on_hand, average, last_sale


def test_sections_equal_a_plain_computation(app, shop, book):
    from engine.db import get_db
    from engine.runtime.actor import SYSTEM
    from engine.runtime.analysis.inventory import InventoryOptions, analyse
    from engine.runtime.registry import get_registry

    with get_db(app).read() as connection:
        loaded = get_registry(app).get(connection, "inventory")
        result = analyse(connection, loaded, SYSTEM, InventoryOptions(as_of=AS_OF, days=DAYS))
    products = [shop.bolt, shop.nut, shop.washer, shop.gear, shop.widget, shop.spring]
    units, revenue, total, classes, on_hand, average, last_sale = expected(book, products)
    for p in products:    # the book agrees with the engine's stock rows
        assert on_hand[p["id"]] == shop.stock(p, shop.main) + shop.stock(p, shop.branch)

    abc = {row["product"]["id"]: row for row in result["abc"]["rows"]}
    assert result["abc"]["total_revenue"] == pytest.approx(float(total))
    for p in products:
        assert abc[p["id"]]["revenue"] == pytest.approx(float(revenue[p["id"]]))
        assert abc[p["id"]]["class"] == classes[p["id"]], p["sku"]
    assert sorted(set(classes.values())) == ["A", "B", "C"]      # the data set exercises every class

    turnover = {row["product"]["id"]: row for row in result["turnover"]["rows"]}
    cogs = stock_value = Decimal(0)
    for p in products:
        row, avg = turnover[p["id"]], average[p["id"]]
        assert row["units_shipped"] == pytest.approx(float(units[p["id"]]))
        assert row["average_on_hand"] == pytest.approx(float(avg), abs=0.001), p["sku"]
        assert row["turnover"] == (pytest.approx(float(units[p["id"]] / avg), abs=0.001) if avg else None)
        available = on_hand[p["id"]] - book.reserved.get(p["id"], 0)
        assert row["available"] == pytest.approx(float(available))
        daily = units[p["id"]] / DAYS
        assert row["days_of_supply"] == (pytest.approx(float(available / daily), abs=0.1) if daily else None)
        cost = Decimal(str(p["cost_price"]))
        cogs += units[p["id"]] * cost
        stock_value += avg * cost
    assert result["turnover"]["turnover"] == pytest.approx(float(cogs / stock_value), abs=0.001)

    dead = {row["product"]["id"] for row in result["slow_dead"]["dead"]}
    slow = {row["product"]["id"] for row in result["slow_dead"]["slow"]}
    idle = {p["id"]: (AS_OF - last_sale[p["id"]]).days if p["id"] in last_sale else None for p in products}
    assert dead == {p["id"] for p in products if on_hand[p["id"]] > 0 and (idle[p["id"]] is None or idle[p["id"]] >= 180)}
    assert slow == {p["id"] for p in products if on_hand[p["id"]] > 0 and idle[p["id"]] is not None
                    and 90 <= idle[p["id"]] < 180}
    assert dead == {shop.widget["id"]} and slow == {shop.spring["id"]}

    over = {(row["product"]["id"], row["warehouse"]["id"]): row["excess"] for row in result["over_max"]}
    plain = {}
    for p in products:
        for w in (shop.main, shop.branch):
            level = shop.stock(p, w)
            if Decimal(str(p["max_stock"])) > 0 and level > Decimal(str(p["max_stock"])):
                plain[(p["id"], w["id"])] = float(level - Decimal(str(p["max_stock"])))
    assert over == plain and len(plain) == 2      # bolt and washer in the main warehouse


def test_supplier_rates_match_the_documents(app, shop):
    from engine.runtime.actor import SYSTEM
    slow = shop.create("supplier", name="慢速供应", lead_time_days=3)
    order = shop.create("purchase_order", supplier=slow["id"], warehouse=shop.main["id"], date="2026-06-01",
                        expected_date="2026-06-05", lines=[{"product": shop.bolt["id"], "qty": 10, "price": 1}])
    shop.move("purchase_order", order, "order")
    late = shop.document("purchase_receipt", shop.main, [(shop.bolt, 10)], supplier=slow["id"],
                         purchase_order=order["id"], date="2026-06-09")
    shop.move("purchase_receipt", late, "receive")
    shop.receive(shop.main, [(shop.bolt, 30)], supplier=slow, date="2026-06-10")
    back = shop.document("purchase_return", shop.main, [(shop.bolt, 4)], supplier=slow["id"], date="2026-06-11")
    shop.move("purchase_return", back, "return_goods")
    shop.create("supplier_evaluation", supplier=slow["id"], period="2026-06", reputation=3, delivery=2,
                price=4, quality=4, service=3)

    response = _analysis(app, SYSTEM)
    rows = {row["supplier"]["id"]: row for row in response["suppliers"]}
    row = rows[slow["id"]]
    # Plain computation: 2 received receipts, 1 on time; 40 received, 4 returned.
    assert (row["receipts"], row["on_time_receipts"]) == (2, 1)
    assert row["on_time_rate"] == 0.5 and row["return_rate"] == pytest.approx(0.1)
    assert row["matches_documents"] is True
    assert row["latest_evaluation"]["on_time_rate"] == 0.5
    assert row["latest_evaluation"]["return_rate"] == pytest.approx(0.1)
    assert rows[shop.supplier["id"]]["receipts"] == 0


def _analysis(app, actor):
    from engine.db import get_db
    from engine.runtime.analysis.inventory import InventoryOptions, analyse
    from engine.runtime.registry import get_registry
    with get_db(app).read() as connection:
        loaded = get_registry(app).get(connection, "inventory")
        return analyse(connection, loaded, actor, InventoryOptions(as_of=AS_OF, days=DAYS))


# ------------------------------------------------------------- API / screen
def test_roles_see_what_their_permissions_allow(office):
    office.receive(office.main, (office.bolt, 250))
    manager = office.manager.api.get("/apps/inventory/analysis/inventory")
    assert manager.status_code == 200, manager.get_json()
    body = manager.get_json()
    assert {"abc", "turnover", "slow_dead", "over_max", "suppliers"} <= set(body) and body["omitted"] == []
    assert body["over_max"][0]["excess"] == 50

    for desk in (office.sales, office.warehouse):      # no stock, or no cost prices
        refused = desk.api.get("/apps/inventory/analysis/inventory")
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "forbidden"

    # Purchasing sees the sales sections only if the definition lets it read sales
    # orders; otherwise they are left out, and named.
    buyer = office.purchasing.api.get("/apps/inventory/analysis/inventory").get_json()
    assert "suppliers" in buyer and "over_max" in buyer
    if _may_read(office.app, "purchasing", "sales_order"):
        assert "abc" in buyer and buyer["omitted"] == []
    else:
        assert "abc" not in buyer and "turnover" not in buyer
        assert {item["section"] for item in buyer["omitted"]} == {"abc", "turnover", "slow_dead"}


def _may_read(app, role, form):
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    with get_db(app).read() as connection:
        model = get_registry(app).get(connection, "inventory").model
    return role in model.form(form).permissions and model.form(form).permissions[role].read


def test_bad_parameters_are_named(office):
    response = office.manager.api.get("/apps/inventory/analysis/inventory?days=x&as_of=2026-13-01")
    assert response.status_code == 400
    fields = {d["field"] for d in response.get_json()["error"]["details"]}
    assert fields == {"days", "as_of"}
    assert office.manager.api.get("/apps/inventory/analysis/inventory?days=0").status_code == 400


def test_screen_shows_tables_and_links_in_chinese(office, client):
    office.receive(office.main, (office.bolt, 250))
    headers = {"Authorization": f"Bearer {office.manager.api.token}", "Accept-Language": "zh"}
    page = client.get(URL, headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "库存分析" in html and 'data-testid="over-max"' in html
    assert f'/apps/inventory/product/{office.bolt["id"]}' in html
    assert 'data-testid="analysis-nav"' in html
    sales = {"Authorization": f"Bearer {office.sales.api.token}"}
    assert client.get(URL, headers=sales).status_code == 403
    assert URL not in client.get("/apps/inventory/", headers=sales).get_data(as_text=True)


def test_openapi_lists_the_analysis_for_those_who_may_open_it(office):
    path = "/apps/inventory/analysis/inventory"
    manager = office.manager.api.get("/openapi.json").get_json()
    assert "as_of" in {p["name"] for p in manager["paths"][path]["get"]["parameters"]}
    assert path not in office.sales.api.get("/openapi.json").get_json()["paths"]
    early = office.manager.api.get(path + "?as_of=0001-01-05&days=90")
    assert early.status_code == 400 and "too early" in early.get_json()["error"]["message"]
