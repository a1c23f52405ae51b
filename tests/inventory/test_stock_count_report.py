"""库存盘点报告: the weekly job of the inventory app stores one report record
with a line per stock row: system quantity, last approved count, variance and
slow movers."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from engine.runtime.actor import SYSTEM, Actor
from engine.runtime.errors import ServiceError
from engine.runtime.jobs import period_start, run_due


def _sell(shop, warehouse, product, qty):
    order = shop.document("sales_order", warehouse, [(product, qty)], customer=shop.customer["id"])
    shop.move("sales_order", shop.move("sales_order", order, "confirm"), "ship")


def test_weekly_job_stores_a_stock_count_report(shop, app):
    shop.receive(shop.main, [(shop.bolt, 30), (shop.nut, 5)])
    shop.receive(shop.branch, [(shop.nut, 10)])
    count = shop.create("stock_count", warehouse=shop.main["id"],
                        lines=[{"product": shop.bolt["id"], "counted_qty": 28}])    # 盘亏 2
    shop.move("stock_count", count, "approve")
    _sell(shop, shop.main, shop.bolt, 3)
    _sell(shop, shop.main, shop.nut, 5)
    assert shop.stock(shop.bolt, shop.main) == 25

    now = datetime.utcnow() + timedelta(days=120)
    outcomes = {o.key: o for o in run_due(app, now)}
    job = outcomes["app:inventory:stock_count_report"]
    assert job.status == "done", job.detail
    assert run_due(app, now) == []                               # once per week
    reports = shop.all("stock_count_report")
    assert len(reports) == 1
    report = shop.get("stock_count_report", reports[0])
    as_of = period_start("0 6 * * 1", now).date()
    assert report["as_of"] == as_of.isoformat() and report["number"].startswith("SCR")
    days = (as_of - date.today()).days
    lines = [(line["warehouse"], line["product"], line["system_qty"], line["last_counted_qty"],
              line["last_counted_date"], line["variance"], line["days_since_movement"], line["slow_mover"])
             for line in report["lines"]]
    assert lines == [
        (shop.main["id"], shop.bolt["id"], 25, 28, count["date"], -2, days, True),
        (shop.main["id"], shop.nut["id"], 0, None, None, None, days, False),       # nothing left
        (shop.branch["id"], shop.nut["id"], 10, None, None, None, days, True),
    ]


def test_managers_read_the_report_others_do_not(shop, app):
    shop.receive(shop.main, [(shop.bolt, 30)])
    run_due(app, datetime.utcnow())
    service = shop.service
    manager = Actor(user_id=900, username="m", roles={"inventory": frozenset({"manager"})})
    clerk = Actor(user_id=901, username="w", roles={"inventory": frozenset({"warehouse"})})
    assert len(service.list("inventory", "stock_count_report", actor=manager).items) == 1
    try:
        service.list("inventory", "stock_count_report", actor=clerk)
    except ServiceError as error:
        assert error.status in (403, 404)
    else:
        raise AssertionError("the warehouse role may not read stock-count reports")
    report = shop.get("stock_count_report", service.list("inventory", "stock_count_report", actor=SYSTEM).items[0])
    assert [line["system_qty"] for line in report["lines"]] == [30]
