"""Demo data sets for bundled apps: `liandong install NAME --demo-data`.

`DEMO_SETS` maps an app name to the module that knows its demo data. Such a
module has `ACCOUNTS` (one `DemoAccount` per role) and
`load(flask_app, actors, progress=None, **options) -> {form: count}`, which
posts everything through the record service.

`load_demo` is idempotent: it creates the demo users that are missing, and
loads the records only into an app that has no records yet.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask
from sqlalchemy import func, select

from engine.db import get_db
from engine.demo.accounts import CREATED, EXISTS, DemoAccount, actors, ensure_accounts
from engine.runtime.registry import get_registry

DEMO_SETS = {"inventory": "engine.demo.inventory"}


@dataclass
class DemoReport:
    app: str
    accounts: list[tuple[DemoAccount, str]] = field(default_factory=list)
    loaded: bool = False
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        lines = [self.message]
        if self.loaded:
            lines += [f"  {form}: {count}" for form, count in self.counts.items() if count]
        lines.append("Demo logins (for trying it out locally only):")
        for account, status in self.accounts:
            password = account.password if status in (CREATED, EXISTS) else "(not the demo password)"
            lines.append(f"  {account.username:<11} {password:<24} {account.describe(self.app)}"
                         f"{'' if status == CREATED else f'  [{status}]'}")
        return lines


def has_demo(app_name: str) -> bool:
    return app_name in DEMO_SETS


def demo_module(app_name: str):
    return importlib.import_module(DEMO_SETS[app_name])


def record_counts(flask_app: Flask, app_name: str) -> dict[str, int]:
    """How many records each form of the app holds."""
    with get_db(flask_app).read() as connection:
        loaded = get_registry(flask_app).get(connection, app_name)
        return {name: connection.execute(select(func.count()).select_from(loaded.tables.form(name))).scalar()
                for name in loaded.model.forms}


def load_demo(flask_app: Flask, app_name: str, *, progress: Callable[[str], None] | None = None,
              **options) -> DemoReport:
    """Create the demo users, then load the demo records if the app has none."""
    module = demo_module(app_name)
    database = get_db(flask_app)
    report = DemoReport(app_name, ensure_accounts(database, app_name, module.ACCOUNTS))
    existing = sum(record_counts(flask_app, app_name).values())
    if existing:
        report.message = (f"{app_name} already has {existing} records: demo data not loaded "
                          f"(it is only loaded into an app without records).")
        return report
    started = time.monotonic()
    with flask_app.app_context():
        report.counts = module.load(flask_app, actors(database, app_name, module.ACCOUNTS),
                                    progress=progress, **options)
    report.seconds = time.monotonic() - started
    report.loaded = True
    report.message = (f"Loaded the {app_name} demo data: {sum(report.counts.values())} records "
                      f"in {report.seconds:.0f} s.")
    return report
