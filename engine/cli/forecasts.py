"""`liandong forecast backtest APP`: the forecast model's error next to the
seasonal-naive baseline's (DESIGN §5), in total and for the busiest items."""
from __future__ import annotations

import click

from engine.cli.base import CliError, get_app, main
from engine.runtime.errors import ServiceError


@main.group()
def forecast() -> None:
    """Sales forecasts (definition key `forecasts`)."""


@forecast.command("backtest")
@click.argument("app_name", metavar="APP")
@click.option("--forecast", "name", metavar="NAME", help="The forecast (default: the app's first).")
@click.option("--horizon", type=click.IntRange(1, 366), help="Days per fold (default: the forecast's horizon).")
@click.option("--folds", type=click.IntRange(1, 20), help="Rolling origins (default: the forecast's folds).")
@click.option("--top", type=click.IntRange(0, 1000), default=5, show_default=True,
              help="Also show this many items, busiest first.")
def backtest(app_name: str, name: str | None, horizon: int | None, folds: int | None, top: int) -> None:
    """Rolling-origin backtest: MAPE and sMAPE of Holt-Winters and of seasonal-naive.

    MAPE leaves out days without sales (no percentage error exists there);
    sMAPE counts every day. Exit status 1 when the history is too short."""
    from engine.runtime.actor import SYSTEM
    from engine.runtime.analysis.forecasting import run_forecast
    app = get_app()
    with app.app_context():
        name = name or _first_forecast(app_name)
        try:
            run = run_forecast(app_name, name, actor=SYSTEM, horizon=horizon, folds=folds,
                               top=top or None, items=[] if top == 0 else None)
        except ServiceError as error:
            raise CliError(str(error)) from None
    if run.total.backtest is None:
        raise CliError(f"not enough history for forecast {name!r}: {run.total.backtest_problem}")
    _print(app_name, run)


def _first_forecast(app_name: str) -> str:
    from engine.db import get_db
    from engine.runtime.registry import get_registry
    try:
        with get_db().read() as connection:
            forecasts = get_registry().get(connection, app_name).model.forecasts
    except ServiceError as error:
        raise CliError(str(error)) from None
    if not forecasts:
        raise CliError(f"app {app_name!r} has no forecasts (definition key `forecasts`)")
    return forecasts[0].name


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _print(app_name: str, run) -> None:
    click.echo(f"{app_name} forecast {run.definition.name!r}: rolling-origin backtest, {run.folds} fold(s) "
               f"× {run.horizon} day(s), history up to {run.history_end.isoformat()}")
    click.echo(f"{'':>6} {'model (Holt-Winters)':^19}   {'seasonal-naive':^19}")
    click.echo(f"{'days':>6} {'MAPE':>9} {'sMAPE':>9}   {'MAPE':>9} {'sMAPE':>9}   {'better':<6}  item")
    for item in [run.total] + run.items:
        result = item.backtest
        if result is None:
            click.echo(f"{'-':>6} {'':>9} {'':>9}   {'':>9} {'':>9}   {'-':<6}  {item.title} "
                       f"({item.backtest_problem})")
            continue
        better = "model" if result.model_wins else "naive"
        click.echo(f"{result.days:>6} {_percent(result.model.mape):>9} {_percent(result.model.smape):>9}   "
                   f"{_percent(result.baseline.mape):>9} {_percent(result.baseline.smape):>9}   "
                   f"{better:<6}  {item.title}")
