"""The daily anomaly job (a job action `{"anomalies": {...}}`).

For each checked day (the `lookback_days` days before the run's period, so a
06:00 run checks yesterday) it finds:

- sales anomalies: per product, the day's ordered quantity (lines of confirmed
  and shipped sales orders, by order date; one GROUP BY product, date) against
  the trailing window, by robust z-score (`anomalies.py`);
- large stock adjustments: stock rows whose on_hand was moved that day by a
  manual-adjustment source (`adjustment_sources`, default approved stock
  counts) by more than `adjustment_share` of what was on hand before (from the
  effect ledger);
- negative-stock attempts: saves refused that day because a stock row would
  have gone below zero (ld_rejected_writes, recorded after the rollback).

Each finding is alerted once per (kind, product, day) (ld_anomaly_alerts) to
the holders of the `notify` roles (default manager), in Chinese and English,
linking to the product.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Mapping

from sqlalchemy import func, select

from engine.runtime import notifications, rejections
from engine.runtime.analysis.anomalies import SalesSettings, flag_days
from engine.runtime.analysis.anomalies_store import remember
from engine.runtime.analysis.inventory_queries import as_date, number
from engine.runtime.ledger import effect_ledger

DEMAND_STATES = ("confirmed", "shipped")
REQUIRED = {"sales_order": ("date", "lines"), "sales_order.lines": ("product", "qty"),
            "stock": ("product", "warehouse", "on_hand"), "product": ("sku", "name"),
            "warehouse": ("name",)}


@dataclass(frozen=True)
class AnomalyOptions:
    sales: SalesSettings = field(default_factory=SalesSettings)
    lookback_days: int = 1
    adjustment_share: float = 0.5
    adjustment_sources: tuple[str, ...] = ("stock_count.lines",)
    notify: tuple[str, ...] = ("manager",)

    @classmethod
    def from_action(cls, spec: Mapping[str, Any]) -> "AnomalyOptions":
        defaults = SalesSettings()
        sales = SalesSettings(window=spec.get("window_days", defaults.window),
                              threshold=spec.get("threshold", defaults.threshold),
                              min_history=spec.get("min_history_days", defaults.min_history),
                              min_units=spec.get("min_units", defaults.min_units))
        return cls(sales=sales, lookback_days=spec.get("lookback_days", 1),
                   adjustment_share=spec.get("adjustment_share", 0.5),
                   adjustment_sources=tuple(spec.get("adjustment_sources", ("stock_count.lines",))),
                   notify=tuple(spec.get("notify", ("manager",))))


@dataclass(frozen=True)
class Finding:
    kind: str
    product: int
    day: date
    detail: Mapping[str, Any]


def run_anomaly_job(flask_app, app_name: str, spec: Mapping[str, Any], period_start: datetime) -> str:
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    options = AnomalyOptions.from_action(spec)
    last = period_start.date() - timedelta(days=1)
    days = [last - timedelta(days=k) for k in reversed(range(options.lookback_days))]
    database = get_db(flask_app)
    with database.read() as connection:
        loaded = get_registry(flask_app).get(connection, app_name)
        findings = (sales_findings(connection, loaded, days, options.sales)
                    + adjustment_findings(connection, loaded, days, options)
                    + negative_stock_findings(connection, loaded, days))
        names = _names(connection, loaded, findings)
    with database.transaction() as connection:
        users = notifications.recipients(connection, app_name, options.notify)
        fresh = [f for f in findings if remember(connection, app_name, f.kind, f.product, f.day, f.detail)]
        for finding in fresh:
            notifications.notify(connection, users, app=app_name, message=message(finding, names),
                                 form="product", record_id=finding.product, rule=f"anomaly:{finding.kind}")
    return (f"{len(findings)} anomalies on {days[0]}..{days[-1]}, {len(fresh)} new, "
            f"notified {len(users)} users")


def sales_findings(connection, loaded, days: list[date], settings: SalesSettings) -> list[Finding]:
    order = loaded.tables.form("sales_order")
    lines = loaded.tables.subform("sales_order", "lines")
    joined = lines.join(order, order.c.id == lines.c.parent_id)
    demand = order.c.status.in_(DEMAND_STATES)
    start = days[0] - timedelta(days=settings.window)
    daily: dict[int, dict[date, float]] = {}
    for product, day, qty in connection.execute(
            select(lines.c.product, order.c.date, func.sum(lines.c.qty)).select_from(joined)
            .where(demand, order.c.date >= start, order.c.date <= days[-1])
            .group_by(lines.c.product, order.c.date)):
        daily.setdefault(product, {})[as_date(day)] = float(number(qty))
    first = {product: as_date(day) for product, day in connection.execute(
        select(lines.c.product, func.min(order.c.date)).select_from(joined)
        .where(demand, lines.c.product.in_(sorted(daily))).group_by(lines.c.product))} if daily else {}
    findings = []
    for product in sorted(daily):
        for flag in flag_days(product, daily[product], first[product], days, settings):
            findings.append(Finding(f"sales_{flag.direction}", product, flag.day, {
                "quantity": flag.quantity, "expected": flag.expected, "score": flag.score}))
    return findings


def adjustment_findings(connection, loaded, days: list[date], options: AnomalyOptions) -> list[Finding]:
    stock, c = loaded.tables.form("stock"), effect_ledger.c
    on_hand = (c.app == loaded.name) & (c.target_form == "stock") & (c.field == "on_hand")
    found: dict[tuple[int, date], Finding] = {}
    for day in days:
        start = datetime.combine(day, time())
        moved = dict(connection.execute(
            select(c.target_id, func.sum(c.delta)).where(
                on_hand, c.source_form.in_(options.adjustment_sources), c.at >= start,
                c.at < start + timedelta(days=1)).group_by(c.target_id)).all())
        if not moved:
            continue
        since = dict(connection.execute(select(c.target_id, func.sum(c.delta)).where(
            on_hand, c.target_id.in_(sorted(moved)), c.at >= start).group_by(c.target_id)).all())
        for row in connection.execute(select(stock.c.id, stock.c.product, stock.c.warehouse, stock.c.on_hand)
                                      .where(stock.c.id.in_(sorted(moved)))).mappings():
            delta = number(moved[row["id"]])
            before = number(row["on_hand"]) - number(since.get(row["id"]))
            big = abs(delta) > Decimal(str(options.adjustment_share)) * max(before, Decimal(0))
            key = (row["product"], day)
            if big and abs(delta) >= Decimal(str(options.sales.min_units)) and key not in found:
                found[key] = Finding("stock_adjustment", row["product"], day, {
                    "warehouse": row["warehouse"], "delta": float(delta), "before": float(before)})
    return list(found.values())


def negative_stock_findings(connection, loaded, days: list[date]) -> list[Finding]:
    findings = []
    for day in days:
        start = datetime.combine(day, time())
        attempts: dict[int, list[dict]] = {}
        for row in rejections.between(connection, loaded.name, "stock", start, start + timedelta(days=1)):
            values = row["record_values"] or {}
            if values.get("product") is not None and float(values.get("on_hand") or 0) < 0:
                attempts.setdefault(int(values["product"]), []).append(values)
        for product, tried in sorted(attempts.items()):
            lowest = min(tried, key=lambda v: float(v["on_hand"]))
            findings.append(Finding("negative_stock", product, day, {
                "attempts": len(tried), "warehouse": lowest.get("warehouse"),
                "on_hand": float(lowest["on_hand"])}))
    return findings


def _names(connection, loaded, findings: list[Finding]) -> dict[str, dict[int, Any]]:
    products = sorted({f.product for f in findings})
    warehouses = sorted({f.detail["warehouse"] for f in findings if f.detail.get("warehouse") is not None})
    p, w = loaded.tables.form("product"), loaded.tables.form("warehouse")
    return {
        "product": {row.id: (row.sku, row.name) for row in connection.execute(
            select(p.c.id, p.c.sku, p.c.name).where(p.c.id.in_(products)))} if products else {},
        "warehouse": dict(connection.execute(select(w.c.id, w.c.name).where(w.c.id.in_(warehouses))).all())
        if warehouses else {},
    }


def message(finding: Finding, names: Mapping[str, Mapping[int, Any]]) -> dict[str, str]:
    sku, name = names["product"].get(finding.product, ("?", f"#{finding.product}"))
    d, day = finding.detail, finding.day.isoformat()
    warehouse = names["warehouse"].get(d.get("warehouse"), "")
    if finding.kind == "sales_high":
        return {"en": f"Unusual sales of {name} ({sku}) on {day}: {_n(d['quantity'])} ordered, "
                      f"usually about {_n(d['expected'])} (robust z-score {d['score']})",
                "zh": f"{day} {name}（{sku}）销量异常偏高：订购 {_n(d['quantity'])}，"
                      f"通常约 {_n(d['expected'])}（稳健 z 值 {d['score']}）"}
    if finding.kind == "sales_low":
        return {"en": f"Sales of {name} ({sku}) dropped on {day}: {_n(d['quantity'])} ordered, "
                      f"usually about {_n(d['expected'])} (robust z-score {d['score']})",
                "zh": f"{day} {name}（{sku}）销量异常偏低：订购 {_n(d['quantity'])}，"
                      f"通常约 {_n(d['expected'])}（稳健 z 值 {d['score']}）"}
    if finding.kind == "stock_adjustment":
        return {"en": f"Large stock adjustment of {name} ({sku}) in {warehouse} on {day}: "
                      f"{d['delta']:+g} against {_n(d['before'])} on hand before",
                "zh": f"{day} {warehouse} 的 {name}（{sku}）库存大幅调整：{d['delta']:+g}"
                      f"（调整前 {_n(d['before'])}）"}
    return {"en": f"{d['attempts']} refused save(s) on {day} would have taken stock of {name} ({sku}) "
                  f"in {warehouse} below zero (down to {_n(d['on_hand'])})",
            "zh": f"{day} 有 {d['attempts']} 次操作因库存不足被拒绝：{warehouse} 的 {name}（{sku}）"
                  f"将降至 {_n(d['on_hand'])}"}


def _n(value: float) -> str:
    return f"{value:g}"
