"""Anomaly alerts (issue 10 item 5): the robust z-score finds injected anomalies
in a synthetic series; the daily job tells managers once about unusual sales,
large stock adjustments and refused negative-stock saves."""
from __future__ import annotations

import copy
import math
import random
from datetime import date, datetime, time, timedelta, timezone

import pytest

from engine.runtime.analysis.anomalies import SalesSettings, flag_days


def synthetic(seed: int, products: int = 30, days: int = 150):
    """Daily sales with a weekly pattern and noise; ~3 % of days after the
    first five weeks replaced by a spike (3-5x) or, for busy products, a day
    without sales. Returns (start, series per product, injected (product, day))."""
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    series, injected = {}, set()
    for product in range(1, products + 1):
        level = rng.uniform(4, 60)
        daily = {}
        for i in range(days):
            day = start + timedelta(days=i)
            mean = level * (1 + 0.15 * math.sin(2 * math.pi * i / 7))
            qty = max(0, round(rng.gauss(mean, math.sqrt(mean))))
            if i >= 35 and rng.random() < 0.03:
                qty = 0 if level >= 20 and rng.random() < 0.4 else round(mean * rng.uniform(3, 5))
                injected.add((product, day))
            daily[day] = qty
        series[product] = daily
    return start, series, injected


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_injected_anomalies_are_found_and_normal_days_mostly_not(seed, capsys):
    start, series, injected = synthetic(seed)
    checked = [start + timedelta(days=i) for i in range(35, 150)]
    flagged = {(f.product, f.day) for product, daily in series.items()
               for f in flag_days(product, daily, start, checked, SalesSettings())}
    hits = len(flagged & injected)
    precision, recall = hits / len(flagged), hits / len(injected)
    normal_days = len(series) * len(checked) - len(injected)
    false_rate = len(flagged - injected) / normal_days
    with capsys.disabled():          # shown in every run, not only on failure
        print(f"\nanomalies seed {seed}: injected {len(injected)}, flagged {len(flagged)}, "
              f"precision {precision:.3f}, recall {recall:.3f}, normal days flagged {false_rate:.2%}")
    assert recall >= 0.8 and precision >= 0.8
    assert false_rate < 0.01


def test_a_steady_series_is_never_flagged_and_a_new_product_waits_for_history():
    start = date(2026, 3, 1)
    steady = {start + timedelta(days=i): 10 + (i % 3) for i in range(60)}
    days = list(steady)
    assert flag_days(1, steady, start, days, SalesSettings()) == []
    # Its first sale days are not judged: too little history.
    newcomer = {start: 50, start + timedelta(days=1): 0}
    assert flag_days(2, newcomer, start, days[:10], SalesSettings()) == []


def test_intermittent_demand_is_judged_on_the_days_with_sales():
    start = date(2026, 3, 1)
    lumpy = {start + timedelta(days=i): (8 + i % 5 if i % 4 == 0 else 0) for i in range(70)}
    spike_day = start + timedelta(days=64)
    lumpy[spike_day] = 80
    flags = flag_days(3, lumpy, start, list(lumpy)[30:], SalesSettings())
    assert [(f.day, f.direction) for f in flags] == [(spike_day, "high")]
    assert flags[0].expected == 10          # the median day with sales, not 0


# ------------------------------------------------------------------ the job
def _user(app, name, roles):
    from engine.db import get_db
    from engine.runtime import identity
    with get_db(app).transaction() as connection:
        return identity.create_user(connection, name, "password-" + name,
                                    roles=[("inventory", role) for role in roles], language="zh")


def _inbox(app, user_id):
    from engine.db import get_db
    from engine.runtime import notifications
    with get_db(app).read() as connection:
        return notifications.for_user(connection, user_id, limit=500)


def _order(shop, day, qty, product=None, confirm=True):
    order = shop.create("sales_order", customer=shop.customer["id"], warehouse=shop.main["id"],
                        date=day.isoformat(), lines=[{"product": (product or shop.bolt)["id"], "qty": qty}])
    # Orders are confirmed beyond stock on purpose (the history has no receipts): confirm the warning.
    return shop.move("sales_order", order, "confirm", confirm=True) if confirm else order


@pytest.fixture
def history(shop):
    """Five weeks of ordinary bolt and nut orders, then today's: 90 bolts (usually ~10)."""
    today = datetime.now(timezone.utc).date()
    for k in range(35, 0, -1):
        _order(shop, today - timedelta(days=k), 9 + k % 3)
        _order(shop, today - timedelta(days=k), 4 + k % 2, product=shop.nut)
    shop.big_order = _order(shop, today, 90)
    _order(shop, today, 5, product=shop.nut)
    return today


def test_job_notifies_managers_once(app, shop, history):
    from engine.runtime.analysis.anomalies_job import run_anomaly_job
    from engine.runtime.errors import ValidationFailed
    from engine.runtime.jobs import run_due

    boss, seller = _user(app, "boss", ["manager"]), _user(app, "seller", ["sales"])
    shop.receive(shop.main, [(shop.nut, 100)])
    sheet = shop.create("stock_count", warehouse=shop.main["id"],
                        lines=[{"product": shop.nut["id"], "counted_qty": 30}])     # 100 -> 30
    shop.move("stock_count", sheet, "approve")
    with pytest.raises(ValidationFailed):
        shop.move("sales_order", shop.big_order, "ship")                 # no bolts: 库存不足, refused

    tomorrow = datetime.combine(history + timedelta(days=1), time(5, 0))
    outcomes = {o.key: o for o in run_due(app, tomorrow)}
    assert outcomes["app:inventory:anomaly_alerts"].status == "done", outcomes
    inbox = _inbox(app, boss)
    kinds = sorted(n["rule"] for n in inbox)
    assert kinds == ["anomaly:negative_stock", "anomaly:sales_high", "anomaly:stock_adjustment"]
    by_kind = {n["rule"]: n for n in inbox}
    sales = by_kind["anomaly:sales_high"]
    assert (sales["form"], sales["record_id"]) == ("product", shop.bolt["id"])
    assert "螺栓" in sales["message"]["zh"] and "90" in sales["message"]["en"]
    assert "usually about 10" in sales["message"]["en"]
    assert by_kind["anomaly:stock_adjustment"]["record_id"] == shop.nut["id"]
    assert "-70" in by_kind["anomaly:stock_adjustment"]["message"]["en"]
    negative = by_kind["anomaly:negative_stock"]
    assert negative["record_id"] == shop.bolt["id"] and "库存不足" in negative["message"]["zh"]
    assert "-90" in negative["message"]["en"]
    assert _inbox(app, seller) == []                                      # only managers

    # Running the same day again (a second process, a manual rerun) adds nothing.
    again = run_anomaly_job(app, "inventory", {"notify": ["manager"]}, tomorrow)
    assert "0 new" in again
    assert len(_inbox(app, boss)) == 3


def test_a_refused_negative_stock_save_is_recorded_after_the_rollback(app, shop):
    from engine.db import get_db
    from engine.runtime.errors import ValidationFailed
    from engine.runtime.rejections import rejected_writes
    from sqlalchemy import select

    order = _order(shop, date(2026, 6, 1), 7)
    with pytest.raises(ValidationFailed) as refused:
        shop.move("sales_order", order, "ship")
    assert refused.value.message.startswith("Insufficient stock: 螺栓 in 上海仓")
    assert shop.get("sales_order", order)["status"] == "confirmed"      # rolled back
    assert shop.stock(shop.bolt, shop.main) == 0
    with get_db(app).read() as connection:
        rows = [dict(r) for r in connection.execute(select(rejected_writes)).mappings()]
    assert len(rows) == 1
    row = rows[0]
    assert (row["app"], row["form"], row["cause_kind"]) == ("inventory", "stock", "user")
    assert row["record_values"]["product"] == shop.bolt["id"]
    assert row["record_values"]["on_hand"] == -7
    assert "on_hand < 0" in row["check_when"]


def test_definition_checks_of_the_anomaly_action():
    from engine.definitions.loader import load_definition
    from engine.definitions.validate import validate_definition
    from engine.resources import bundled_app_path

    definition = load_definition(bundled_app_path("inventory"))
    assert [e for e in validate_definition(definition) if e.severity == "error"] == []
    broken = copy.deepcopy(definition)
    job = next(j for j in broken["jobs"] if "anomalies" in j["action"])
    index = broken["jobs"].index(job)
    job["action"]["anomalies"].update(notify=["managr"], window_days=10, min_history_days=20,
                                      adjustment_sources=["stock_count"])
    errors = {e.path: e for e in validate_definition(broken)}
    base = f"jobs[{index}].action.anomalies"
    assert "did you mean 'manager'" in errors[f"{base}.notify[0]"].hint
    assert "exceeds window_days" in errors[f"{base}.min_history_days"].message
    assert "stock_count.lines" in errors[f"{base}.adjustment_sources[0]"].hint
    job["action"]["anomalies"] = {"threshold": -1}
    assert any(e.path.startswith(base) for e in validate_definition(broken))


def test_refused_saves_are_pruned_with_the_change_log(app, shop):
    from datetime import datetime, timedelta

    from sqlalchemy import func, select, update

    from engine.db import get_db
    from engine.runtime.errors import ValidationFailed
    from engine.runtime.jobs import run_due
    from engine.runtime.rejections import rejected_writes

    for day in (1, 2):
        with pytest.raises(ValidationFailed):
            shop.move("sales_order", _order(shop, date(2026, 6, day), 7), "ship")
    keep = app.config["AUDIT_RETENTION_DAYS"]
    now = datetime(2026, 11, 26, 4, 0)
    with get_db(app).transaction() as connection:
        oldest = select(func.min(rejected_writes.c.id)).scalar_subquery()
        connection.execute(update(rejected_writes).where(rejected_writes.c.id == oldest)
                           .values(at=now - timedelta(days=keep + 1)))
    outcomes = {o.key: o for o in run_due(app, now)}
    assert "and 1 refused saves older than" in outcomes["engine:prune_change_log"].detail
    with get_db(app).read() as connection:
        assert connection.execute(select(func.count()).select_from(rejected_writes)).scalar() == 1
