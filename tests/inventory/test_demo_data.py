"""`liandong install inventory --demo-data`: a small version of the demo year,
posted through the record service, checked the way an auditor would."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.cli import main
from engine.db import get_db
from engine.demo import inventory as demo_inventory
from engine.demo import load_demo
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.runtime.ledger import effect_ledger
from engine.runtime.records.service import get_record_service
from engine.runtime.registry import get_registry
from engine.runtime.rules import verify
from engine.storage.install import install_app

END = date(2026, 6, 30)           # a Tuesday; fixed, so the small data set is always the same
DAYS = 35
SMALL = {"days": DAYS, "products": 8, "orders_per_day": 5, "end": END}


@pytest.fixture
def demo(app):
    install_app(get_db(app), bundled_app_path("inventory"))
    report = load_demo(app, "inventory", **SMALL)
    assert report.loaded, report.message
    return report


def _rows(app, form, *columns):
    with get_db(app).read() as connection:
        table = get_registry(app).get(connection, "inventory").tables.form(form)
        return connection.execute(select(*(table.c[c] for c in columns)).order_by(table.c.id)).all()


def test_the_small_demo_verifies_clean_every_role_signs_in_and_a_reload_is_a_no_op(app, demo):
    with app.app_context():
        assert verify.run(get_record_service(app), "inventory") == []
    with get_db(app).read() as connection:
        for account in demo_inventory.ACCOUNTS:
            user, reason = identity.authenticate(connection, account.username, account.password)
            assert user is not None, (account.username, reason)
            actor = identity.actor_for_user(connection, user)
            assert actor.is_admin == account.admin
            assert actor.roles_in("inventory") == (frozenset({account.role}) if account.role else frozenset())
    assert {form: demo.counts[form] for form in ("warehouse", "supplier", "customer", "product")} == \
        {"warehouse": 3, "supplier": 10, "customer": 30, "product": 8}
    # loading again creates nobody and loads nothing
    again = load_demo(app, "inventory", **SMALL)
    assert not again.loaded and "already has" in again.message
    assert [status for _, status in again.accounts] == ["exists"] * len(demo_inventory.ACCOUNTS)
    assert sum(len(_rows(app, form, "id")) for form in demo.counts) == sum(demo.counts.values())


def test_the_demo_looks_like_a_business_week_by_week_and_stock_never_went_negative(app, demo):
    start = END - timedelta(days=DAYS - 1)
    orders = _rows(app, "sales_order", "date", "number", "status", "created_by")
    assert all(start <= day <= END for day, *_ in orders)
    assert all(number.startswith(f"SO{day:%Y%m}-") for day, number, *_ in orders)   # numbered by date
    weeks = {day.isocalendar()[:2] for day, *_ in orders}
    every_week = {(start + timedelta(days=n)).isocalendar()[:2] for n in range(DAYS)}
    assert weeks == every_week                                             # sales in every week
    per_day = defaultdict(int)
    for day, *_ in orders:
        per_day[day] += 1
    days = [start + timedelta(days=n) for n in range(DAYS)]
    weekday = sum(per_day[d] for d in days if d.weekday() < 5) / sum(d.weekday() < 5 for d in days)
    weekend = sum(per_day[d] for d in days if d.weekday() >= 5) / sum(d.weekday() >= 5 for d in days)
    assert weekday > 1.5 * weekend                                          # quiet weekends
    statuses = {status for _, _, status, _ in orders}
    assert {"shipped", "cancelled", "confirmed"} <= statuses               # today's orders not shipped yet
    sales_user = _user_id(app, "sales")
    assert {created_by for *_, created_by in orders} == {sales_user}        # the sales login sees them
    assert {status for (status,) in _rows(app, "purchase_order", "status")} >= {"received"}
    assert {status for (status,) in _rows(app, "stock_count", "status")} >= {"approved"}
    assert _rows(app, "purchase_receipt", "purchase_order")
    assert _rows(app, "stock_transfer", "id") and _rows(app, "purchase_request", "id")
    assert _lowest_on_hand(app) >= 0                                       # stock never went negative
    assert all(on_hand >= 0 and reserved >= 0 for on_hand, reserved in _rows(app, "stock", "on_hand", "reserved"))


def test_install_with_demo_data_from_the_command_line(cli_env, monkeypatch):
    monkeypatch.setattr(demo_inventory, "DEFAULT_DAYS", 5)
    monkeypatch.setattr(demo_inventory, "DEFAULT_PRODUCTS", 3)
    first = CliRunner().invoke(main, ["install", "inventory", "--demo-data"], env=cli_env)
    assert first.exit_code == 0, first.output
    assert "Loaded the inventory demo data" in first.output
    for login in ("admin-demo", "manager-demo", "sales-demo", "purchasing-demo", "warehouse-demo"):
        assert login in first.output
    second = CliRunner().invoke(main, ["install", "inventory", "--demo-data"], env=cli_env)
    assert second.exit_code == 0 and "demo data not loaded" in second.output
    assert "sales-demo" in second.output                          # the logins, again
    checked = CliRunner().invoke(main, ["verify", "inventory"], env=cli_env)
    assert checked.exit_code == 0 and "inventory: OK" in checked.output


def _user_id(app, username):
    with get_db(app).read() as connection:
        return identity.find_user(connection, username)["id"]


def _lowest_on_hand(app):
    """Replay every on_hand movement of the ledger: the lowest any stock row ever was."""
    with get_db(app).read() as connection:
        moves = connection.execute(
            select(effect_ledger.c.target_id, effect_ledger.c.delta)
            .where(effect_ledger.c.target_form == "stock", effect_ledger.c.field == "on_hand")
            .order_by(effect_ledger.c.id)).all()
    assert moves
    running, lowest = defaultdict(Decimal), Decimal(0)
    for target, delta in moves:
        running[target] += delta
        lowest = min(lowest, running[target])
    return lowest
