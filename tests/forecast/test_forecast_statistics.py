"""The forecast statistics on plain data: Holt-Winters against seasonal-naive,
the error metrics, the rolling-origin backtest and the fallbacks."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from engine.runtime.analysis.backtest import backtest, mape, minimum_history, smape, wape
from engine.runtime.analysis.forecast import (NotEnoughHistory, daily_values, holt_winters,
                                              seasonal_naive)

START = date(2026, 1, 5)                     # a Monday
WEEK = [12, 9, 6, 4, 2, -16, -17]            # busy Mondays, quiet weekends


def synthetic(days: int, seed: int = 7, noise: float = 3.0, trend: float = 0.25):
    """Known weekly seasonality + linear trend + Gaussian noise."""
    rng = random.Random(seed)
    return [(START + timedelta(days=n), 60 + trend * n + WEEK[n % 7] + rng.gauss(0, noise))
            for n in range(days)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_holt_winters_beats_seasonal_naive_on_a_seasonal_trending_series(seed):
    result = backtest(synthetic(16 * 7, seed), horizon=14, folds=3)
    print(f"seed {seed}: model sMAPE {result.model.smape:.2f}% MAPE {result.model.mape:.2f}%  "
          f"seasonal-naive sMAPE {result.baseline.smape:.2f}% MAPE {result.baseline.mape:.2f}%")
    assert result.model_method == "holt_winters"
    assert result.days == 42
    assert result.model.smape < result.baseline.smape
    assert result.model.mape < result.baseline.mape
    assert result.wins("wape")


def test_the_forecast_follows_the_weekly_pattern_and_the_band_holds_the_truth():
    history = synthetic(12 * 7, noise=2.0)
    future = synthetic(12 * 7 + 14, noise=2.0)[-14:]          # same seed: the days that follow
    forecast = holt_winters(history, 14)
    assert [p.day for p in forecast.points] == [d for d, _ in future]
    by_weekday = {p.day.weekday(): p.value for p in forecast.points[:7]}
    assert by_weekday[0] > by_weekday[5] + 20                  # Monday well above Saturday
    assert all(p.lower <= p.value <= p.upper for p in forecast.points)
    inside = sum(p.lower <= actual <= p.upper for p, (_, actual) in zip(forecast.points, future))
    assert inside >= 10                                        # a 90 % band holds most days


def test_seasonal_naive_repeats_last_week_and_widens_each_season():
    history = [(START + timedelta(days=n), float(n % 7)) for n in range(14)]
    forecast = seasonal_naive(history, 10)
    assert [p.value for p in forecast.points] == [0, 1, 2, 3, 4, 5, 6, 0, 1, 2]
    assert forecast.points[0].upper == forecast.points[0].value   # a perfect repeat: no spread


def test_metrics_by_hand_and_zero_actuals():
    assert mape([100, 50], [90, 60]) == pytest.approx((10 + 20) / 2)
    assert mape([0, 50], [5, 40]) == pytest.approx(20.0)           # the zero day is left out
    assert mape([0, 0], [1, 2]) is None
    assert smape([100, 0, 0], [50, 0, 4]) == pytest.approx(100 * (2 * 50 / 150 + 0 + 2) / 3)
    assert wape([100, 0, 0], [50, 0, 4]) == pytest.approx(100 * 54 / 100)
    assert wape([0, 0], [1, 1]) is None


def test_short_and_empty_histories_fall_back_and_never_go_negative():
    zeros = [(START + timedelta(days=n), 0) for n in range(30)]
    assert {p.value for p in holt_winters(zeros, 5).points} == {0.0}
    short = [(START + timedelta(days=n), v) for n, v in enumerate([3, 0, 5, 1, 0, 2, 4, 1])]
    forecast = holt_winters(short, 7)
    assert forecast.method in ("holt", "mean") and len(forecast.points) == 7
    assert all(p.lower >= 0 and p.value >= 0 for p in forecast.points)
    assert holt_winters(short[:3], 2).method == "mean"
    with pytest.raises(NotEnoughHistory):
        holt_winters([], 3)


def test_gaps_are_days_without_sales_and_the_backtest_names_what_it_needs():
    first, values = daily_values([(START, 2), (START + timedelta(days=3), 5), (START, 1)])
    assert (first, values) == (START, [3.0, 0.0, 0.0, 5.0])
    with pytest.raises(NotEnoughHistory, match=f"needs {minimum_history(14, 3)} days"):
        backtest(synthetic(40), horizon=14, folds=3)
