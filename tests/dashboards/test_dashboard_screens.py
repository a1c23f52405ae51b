"""Dashboard screens on the inventory app: the numbers on tiles and charts
equal a plain computation over the stored documents, each bar/point/slice
links to a list holding exactly its rows, and rights decide what is shown."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.db import get_db
from engine.runtime import identity
from tests.dashboards.conftest import TODAY
from tests.screens.conftest import sign_in

SVG = "{http://www.w3.org/2000/svg}"
MANAGER = "/apps/inventory/dashboards/manager"
SALES = "/apps/inventory/dashboards/sales"
COST = {"bolt": Decimal(1), "nut": Decimal("0.5"), "drill": Decimal(60)}


def page(client, url, language="en") -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


TILE = re.compile(r'ld-kpi-label">(?:<a [^>]*href="([^"]*)">)?([^<]*)(?:</a>)?</div>\s*'
                  r'<div class="[^"]*ld-kpi-value" data-value="([^"]*)"')


def tiles(text: str) -> dict[str, Decimal]:
    return {html.unescape(name): Decimal(value) for _, name, value in TILE.findall(text)}


def tile_links(text: str) -> dict[str, str]:
    return {html.unescape(name): html.unescape(href) for href, name, _ in TILE.findall(text)}


def charts(text: str) -> dict[str, ET.Element]:
    titles = [html.unescape(t) for t in re.findall(r'<h2 class="h6 mb-0">([^<]*)</h2>', text)]
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", text, flags=re.S)]
    assert len(titles) == len(svgs)
    return dict(zip(titles, svgs))


def marks(svg: ET.Element) -> list[tuple[str, Decimal, str | None]]:
    """(tooltip, value, drill link) of every bar, point and slice."""
    found = []
    for parent in svg.iter():
        for shape in parent:
            kind = shape.get("class", "")
            if kind not in ("ld-chart-bar", "ld-chart-point", "ld-chart-slice"):
                continue
            tooltip = shape.find(f"{SVG}title").text
            number = re.search(r": (-?[\d,.]+)(?: \(|$)", tooltip).group(1).replace(",", "")
            found.append((tooltip, Decimal(number), parent.get("href") if parent.tag == f"{SVG}a" else None))
    return found


def listed_ids(client, url: str) -> set[int]:
    text = page(client, url)
    path = urlsplit(url).path
    return {int(i) for i in re.findall(rf'href="{re.escape(path)}(\d+)"', text)}


def by_month(orders) -> dict[str, Decimal]:
    totals = defaultdict(Decimal)
    for order in orders:
        totals[order["date"][:7]] += Decimal(str(order["total"]))
    return dict(totals)


def stock_totals(store) -> tuple[Decimal, Decimal]:
    names = {p["id"]: key for key, p in store.products.items()}
    rows = store.shop.all("stock")
    units = sum(Decimal(str(r["on_hand"])) for r in rows)
    value = sum(Decimal(str(r["on_hand"])) * COST[names[r["product"]]] for r in rows)
    return units, value


def test_manager_tiles_equal_a_plain_computation(browser, store):
    shown = tiles(page(browser("boss"), MANAGER))
    shipped = store.shipped()
    month_start, year_start = TODAY.replace(day=1).isoformat(), TODAY.replace(month=1, day=1).isoformat()
    units, value = stock_totals(store)
    assert shown == {
        "Revenue this month": sum(Decimal(str(o["total"])) for o in shipped if o["date"] >= month_start),
        "Revenue this year": sum(Decimal(str(o["total"])) for o in shipped if o["date"] >= year_start),
        "Shipped orders": len(shipped),
        "Stock value (cost)": value,
        "Units on hand": units,
    }
    assert shown["Revenue this month"] == Decimal("136.00")     # 2×2.50 + 10×1.10 + 120
    assert shown["Shipped orders"] == 5


def test_manager_charts_equal_a_plain_computation(browser, store):
    shown = charts(page(browser("boss"), MANAGER))
    assert list(shown) == ["Monthly revenue", "Revenue by category", "Sales by warehouse", "Top products"]
    expected = by_month(store.shipped())
    line = marks(shown["Monthly revenue"])
    points = {t.split(" · ")[1].split(":")[0][:7]: v for t, v, _ in line}
    assert {m: v for m, v in points.items() if v} == expected
    assert all(v == 0 for m, v in points.items() if m not in expected)     # months without sales
    assert [a for a in line if a[1] == 0 and a[2]] == []                    # link nowhere
    stacked = marks(shown["Sales by warehouse"])
    assert sum(v for _, v, _ in stacked) == sum(expected.values())
    category = {t.split(":")[0]: v for t, v, _ in marks(shown["Revenue by category"])}
    assert category == {"五金 Hardware": Decimal("5") + Decimal("11") + Decimal("10") + Decimal("30") + Decimal("16"),
                        "工具 Tools": Decimal("120") + Decimal("220")}
    pie = {t.split(":")[0]: v for t, v, _ in marks(shown["Top products"])}
    assert pie == {"电钻 Drill": Decimal("340"), "螺母": Decimal("41"), "螺栓": Decimal("31")} or \
        set(pie.values()) == {Decimal("340"), Decimal("41"), Decimal("31")}


def test_drill_link_lists_exactly_the_rows_of_the_bar(browser, store):
    client = browser("boss")
    shown = charts(page(client, MANAGER))
    totals = {o["id"]: Decimal(str(o["total"])) for o in store.orders}
    seen: list[int] = []
    for tooltip, value, link in marks(shown["Sales by warehouse"]) + marks(shown["Monthly revenue"]):
        if value == 0:
            continue
        assert link and urlsplit(link).path == "/apps/inventory/sales_order/", tooltip
        ids = listed_ids(client, link)
        assert ids and sum(totals[i] for i in ids) == value, (tooltip, ids)
        assert all(store.orders[[o["id"] for o in store.orders].index(i)]["status"] == "shipped" for i in ids)
        seen += ids
    shipped = sorted(o["id"] for o in store.shipped())
    assert sorted(seen) == sorted(shipped * 2)        # each order in one bar and one point


def test_tiles_link_to_the_rows_they_total(browser, store):
    client = browser("boss")
    links = tile_links(page(client, MANAGER))
    shipped = store.shipped()
    assert listed_ids(client, links["Shipped orders"]) == {o["id"] for o in shipped}
    this_month = {o["id"] for o in shipped if o["date"] >= TODAY.replace(day=1).isoformat()}
    assert listed_ids(client, links["Revenue this month"]) == this_month
    assert urlsplit(links["Units on hand"]).path == "/apps/inventory/stock/"


def test_subform_report_drills_to_the_parent_records_of_the_group(browser, store):
    """Revenue by category reads order lines: the list can only say `status ==
    'shipped'` about the orders (the documented rule), and says so on the page."""
    client = browser("boss")
    text = page(client, MANAGER)
    links = {link for _, _, link in marks(charts(text)["Revenue by category"])}
    assert [parse_qs(urlsplit(link).query)["filter"] for link in links] == [["(status == 'shipped')"]]
    assert listed_ids(client, links.pop()) == {o["id"] for o in store.shipped()}
    assert "Links open the documents of each group." in text


def test_sales_person_sees_own_sales_and_no_stock(browser, store):
    text = page(browser("alice"), SALES)
    own = store.shipped(created_by=store.actors["alice"].user_id)
    assert tiles(text)["Shipped orders"] == len(own) == 3
    assert "Units on hand" not in tiles(text)                # no read right on stock
    shown = charts(text)
    assert list(shown) == ["Monthly revenue", "Top products"]
    bars = {t.split(":")[0]: v for t, v, _ in marks(shown["Monthly revenue"]) if v}
    assert bars == by_month(own)


@pytest.mark.parametrize("user, tile_names, chart_names", [
    # warehouse: the stock value report reads product.cost_price, hidden from them
    ("keeper", ["Revenue this month", "Shipped orders"], ["Monthly revenue", "Top products"]),
    # sales: no read right on stock (and their own orders only, see above)
    ("alice", ["Revenue this month", "Shipped orders"], ["Monthly revenue", "Top products"]),
    # no role in the app: no read right anywhere
    ("nobody", [], []),
])
def test_what_a_role_may_not_run_is_left_out(browser, store, user, tile_names, chart_names):
    text = page(browser(user), SALES)
    assert list(tiles(text)) == tile_names
    assert list(charts(text)) == chart_names
    assert ('data-testid="dashboard-empty"' in text) == (not tile_names)


def test_dashboard_with_roles_is_not_found_for_others(browser, store):
    client = browser("alice")
    assert client.get(MANAGER).status_code == 404
    assert client.get("/apps/inventory/dashboards/nope").status_code == 404
    index = page(client, "/apps/inventory/dashboards/")
    assert "Sales overview" in index and "Manager dashboard" not in index
    assert browser("boss").get("/apps/inventory/dashboards/nope").status_code == 404


def test_app_home_shows_the_first_dashboard_the_user_may_see(browser, store):
    boss_home = page(browser("boss"), "/apps/inventory/")
    assert 'data-testid="home-dashboard"' in boss_home and "Manager dashboard" in boss_home
    assert 'href="/apps/inventory/dashboards/"' in boss_home          # the sidebar link
    alice_home = page(browser("alice"), "/apps/inventory/")
    assert "Sales overview" in alice_home and "Manager dashboard" not in alice_home
    assert tiles(alice_home)["Shipped orders"] == 3


def test_labels_in_chinese_and_english(browser, store):
    client = browser("boss")
    zh = page(client, MANAGER, language="zh-CN")
    assert "<h1 class=\"h3\">经理看板</h1>" in zh
    assert {"本月销售额", "本年销售额", "已发货订单", "库存金额（成本）", "在库数量"} == set(tiles(zh))
    assert list(charts(zh)) == ["月度销售额", "按品类销售额", "各仓库销售额", "畅销商品"]
    assert ">看板<" in zh
    en = page(client, MANAGER, language="en")
    assert list(charts(en))[0] == "Monthly revenue" and "看板" not in en


def test_charts_without_data_say_so(app, shop, monkeypatch):
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "boss", "password-123", roles=[("inventory", "manager")])
    text = page(sign_in(app.test_client(), app, "boss"), MANAGER)
    shown = charts(text)
    assert len(shown) == 4
    for svg in list(shown.values())[:2] + list(shown.values())[3:]:
        assert [e.text for e in svg.iter() if e.get("class") == "ld-chart-empty"] == ["No data"]
    assert tiles(text)["Shipped orders"] == 0


def test_a_report_runs_once_per_page_and_filter(browser, store, monkeypatch):
    from engine.runtime.dashboards import view
    calls = []

    def counted(app, report, **options):
        calls.append((report, options.get("filter")))
        return original(app, report, **options)
    original = view.run_report
    monkeypatch.setattr(view, "run_report", counted)
    page(browser("boss"), MANAGER)
    assert len(calls) == len(set(calls)) == 6       # 5 tiles and 4 charts over 6 (report, filter) pairs
