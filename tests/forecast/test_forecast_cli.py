"""`liandong forecast backtest APP` on a small demo data set (DESIGN §5): the
model's and the seasonal-naive error side by side, in total and per product."""
from __future__ import annotations

import re
from datetime import date

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.db import get_db
from engine.demo import load_demo
from engine.resources import bundled_app_path
from engine.storage.install import install_app

SMALL = {"days": 42, "products": 3, "orders_per_day": 4, "end": date(2026, 6, 30)}
PERCENT = r"\s+(\S+%|n/a)"
ROW = re.compile(r"^\s*(\d+)" + PERCENT * 6 + r"\s+(model|naive)\s+(.+)$")


@pytest.fixture
def demo(app):
    install_app(get_db(app), bundled_app_path("inventory"))
    report = load_demo(app, "inventory", **SMALL)
    assert report.loaded, report.message
    return report


def backtest(cli_env, *args):
    return CliRunner().invoke(main, ["forecast", "backtest", *args], env=cli_env)


def test_the_backtest_prints_both_errors_in_total_and_for_the_top_products(demo, cli_env):
    result = backtest(cli_env, "inventory", "--horizon", "7", "--folds", "2", "--top", "2")
    print(result.output)
    assert result.exit_code == 0, result.output
    assert "model (Holt-Winters)" in result.output and "seasonal-naive" in result.output
    rows = [ROW.match(line) for line in result.output.splitlines()]
    rows = [row for row in rows if row]
    assert [row.group(9) for row in rows][0] == "total" and len(rows) == 3
    assert all(row.group(1) == "14" for row in rows)                # 2 folds × 7 days scored
    for row in rows:
        model, naive = float(row.group(3)[:-1]), float(row.group(6)[:-1])
        assert 0 <= model <= 200 and 0 <= naive <= 200            # sMAPE's range
        model_wape, naive_wape = float(row.group(4)[:-1]), float(row.group(7)[:-1])
        assert row.group(8) == ("model" if model_wape < naive_wape else "naive")


def test_bad_input_is_one_clear_line_and_exit_1(sales_history, cli_env):
    unknown_app = backtest(cli_env, "nope")
    assert unknown_app.exit_code == 1 and "No installed app 'nope'" in unknown_app.output
    unknown = backtest(cli_env, "inventory", "--forecast", "sale")
    assert unknown.exit_code == 1 and "No forecast 'sale' in app 'inventory' (known: sales)" in unknown.output
    short = backtest(cli_env, "inventory", "--horizon", "28", "--folds", "3")      # 28 days of sales
    assert short.exit_code == 1
    assert "not enough history" in short.output and "needs 98 days of history" in short.output
    assert "Traceback" not in short.output + unknown.output + unknown_app.output
