"""ld_anomaly_alerts: one row per (app, kind, product, day) that was alerted.

The UNIQUE key makes the anomaly job idempotent: a finding is notified only
when its row is inserted now, so rerunning a day (or overlapping look-backs)
never notifies twice.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, String, Table, UniqueConstraint, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.storage.system import system_metadata
from engine.storage.types import ID_TYPE, utcnow

anomaly_alerts = Table(
    "ld_anomaly_alerts", system_metadata,
    Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    Column("app", String(20), nullable=False),
    Column("kind", String(30), nullable=False),          # sales_high | sales_low | stock_adjustment | negative_stock
    Column("product", BigInteger, nullable=False),
    Column("day", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("detail", JSON, nullable=False),
    UniqueConstraint("app", "kind", "product", "day", name="uq_ld_anomaly_alerts_key"),
)


def remember(connection: Connection, app: str, kind: str, product: int, day: date,
             detail: Mapping[str, Any]) -> bool:
    """Insert the alert row; False when it was alerted before (nothing written)."""
    c = anomaly_alerts.c
    seen = connection.execute(select(c.id).where(c.app == app, c.kind == kind, c.product == product,
                                                 c.day == day)).first()
    if seen is not None:
        return False
    try:
        with connection.begin_nested():        # a concurrent run may have inserted it meanwhile
            connection.execute(insert(anomaly_alerts).values(
                app=app, kind=kind, product=product, day=day, created_at=utcnow(), detail=dict(detail)))
    except IntegrityError:
        return False
    return True


def alerts(connection: Connection, app: str) -> list[dict[str, Any]]:
    c = anomaly_alerts.c
    return [dict(row) for row in connection.execute(
        select(anomaly_alerts).where(c.app == app).order_by(c.day, c.kind, c.product)).mappings()]
