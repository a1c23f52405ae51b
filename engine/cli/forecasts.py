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
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Backtest as on this day: later sales are left out (default: the last day with sales).")
def backtest(app_name: str, name: str | None, horizon: int | None, folds: int | None, top: int,
             as_of) -> None:
    """Rolling-origin backtest: MAPE, sMAPE and WAPE of Holt-Winters and of seasonal-naive.

    MAPE leaves out days without sales (no percentage error exists there);
    sMAPE counts every day (0-200 %); WAPE is the sum of absolute errors over the
    sum of sales. Exit status 1 when the history is too short."""
    from engine.runtime.actor import SYSTEM
    from engine.runtime.analysis.forecasting import run_forecast
    app = get_app()
    with app.app_context():
        name = name or _first_forecast(app_name)
        try:
            run = run_forecast(app_name, name, actor=SYSTEM, horizon=horizon, folds=folds,
                               top=top or None, items=[] if top == 0 else None,
                               as_of=as_of.date() if as_of else None)
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
    click.echo(f"{'':>6} {'model (Holt-Winters)':^29}   {'seasonal-naive':^29}")
    click.echo(f"{'days':>6} {'MAPE':>9} {'sMAPE':>9} {'WAPE':>9}   {'MAPE':>9} {'sMAPE':>9} {'WAPE':>9}"
               f"   {'better':<6}  item")
    for item in [run.total] + run.items:
        result = item.backtest
        if result is None:
            click.echo(f"{'-':>6} {'':>29}   {'':>29}   {'-':<6}  {item.title} ({item.backtest_problem})")
            continue
        errors = [_percent(getattr(side, metric)) for side in (result.model, result.baseline)
                  for metric in ("mape", "smape", "wape")]
        better = "model" if result.wins("wape") else "naive"
        click.echo(f"{result.days:>6} {errors[0]:>9} {errors[1]:>9} {errors[2]:>9}   "
                   f"{errors[3]:>9} {errors[4]:>9} {errors[5]:>9}   {better:<6}  {item.title}")
    click.echo("better: the lower WAPE. MAPE leaves out days without sales; sMAPE (0-200 %) "
               "punishes any forecast on a day without sales with 200 %.")
