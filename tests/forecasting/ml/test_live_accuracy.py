"""Live accuracy and drift figures on tiny hand-made DataFrames (no Django)."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.ml.drift import drift_report
from forecasting.ml.live_accuracy import evaluate_run

ORIGIN = pd.Timestamp("2012-01-06")
W1, W2, W3 = (ORIGIN + pd.Timedelta(weeks=k) for k in (1, 2, 3))


def _fc(rows):
    return pd.DataFrame(rows, columns=["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95"])


FORECAST = _fc([
    (1, 1, W1, 100.0, 90.0, 110.0, 80.0, 120.0),
    (1, 1, W2, 100.0, 90.0, 110.0, 80.0, 120.0),
    (1, 1, W3, 100.0, 90.0, 110.0, 80.0, 120.0),  # not realized yet
    (2, 1, W1, 50.0, 45.0, 55.0, 40.0, 60.0),
    (2, 1, W2, 50.0, 45.0, 55.0, 40.0, 60.0),
])
ACTUALS = pd.DataFrame([
    (1, 1, W1, 110.0, False),   # err 10, inside 80 (bound included), inside 95
    (1, 1, W2, 130.0, True),    # err 30, holiday, outside both
    (2, 1, W1, 50.0, False),    # err 0
    (2, 1, W2, 44.0, True),     # err 6, holiday, outside 80, inside 95
    (3, 1, W1, 999.0, False),   # not forecast: ignored
], columns=["store", "dept", "date", "sales", "is_holiday"])
HISTORY = pd.DataFrame([
    (1, 1, W1 - pd.Timedelta(days=364), 105.0),
    (2, 1, W2 - pd.Timedelta(days=364), 40.0),
    (1, 1, W1 - pd.Timedelta(days=371), 1e6),  # 53 weeks before: not seasonal naive
], columns=["store", "dept", "date", "sales"])


def test_live_figures_on_realized_rows_only():
    ev = evaluate_run(FORECAST, ACTUALS, HISTORY, ORIGIN)
    assert ev["rows"] == 4 and ev["weeks"] == 2
    assert ev["first_week"] == W1.date() and ev["last_week"] == W2.date()
    # WMAE: weights 1, 5, 1, 5 on errors 10, 30, 0, 6
    assert ev["wmae"] == pytest.approx((10 + 150 + 0 + 30) / 12)
    assert ev["mae"] == pytest.approx(46 / 4)
    assert ev["wape"] == pytest.approx(46 / (110 + 130 + 50 + 44))
    assert ev["bias"] == pytest.approx(((100 - 110) + (100 - 130) + 0 + (50 - 44)) / 4)
    assert ev["coverage80"] == pytest.approx(2 / 4)
    assert ev["coverage95"] == pytest.approx(3 / 4)
    # seasonal naive: 105, 0 (no row a year before), 0, 40
    naive = ev["seasonal_naive"]
    assert naive["wmae"] == pytest.approx((5 + 5 * 130 + 50 + 5 * 4) / 12)
    assert naive["bias"] == pytest.approx(((105 - 110) + (0 - 130) + (0 - 50) + (40 - 44)) / 4)


def test_per_step_figures():
    ev = evaluate_run(FORECAST, ACTUALS, HISTORY, ORIGIN)
    steps = {s["step"]: s for s in ev["per_step"]}
    assert sorted(steps) == [1, 2]
    assert steps[1]["rows"] == 2 and steps[1]["wmae"] == pytest.approx(5.0)
    assert steps[2]["wmae"] == pytest.approx((150 + 30) / 10)
    assert steps[2]["coverage80"] == 0.0 and steps[2]["coverage95"] == 0.5


def test_nothing_realized_is_none():
    later = ACTUALS.assign(date=ACTUALS["date"] + pd.Timedelta(weeks=10))
    assert evaluate_run(FORECAST, later, HISTORY, ORIGIN) is None


def test_drift_band_level_membership_covariates():
    history = pd.DataFrame([(1, 1, ORIGIN, 100.0), (2, 1, ORIGIN, 50.0), (2, 2, ORIGIN, 10.0)],
                           columns=["store", "dept", "date", "sales"])
    fc = FORECAST.assign(date=FORECAST["date"])
    fc = pd.concat([fc, _fc([(2, 2, W1, 10.0, 9, 11, 8, 12)])])
    actuals = pd.DataFrame([(1, 1, W1, 130.0), (1, 1, W2, 125.0), (2, 1, W1, 50.0), (2, 1, W2, 70.0),
                            (4, 7, W1, 5.0)], columns=["store", "dept", "date", "sales"])
    features = pd.DataFrame({"store": [1, 1, 1, 1], "date": [ORIGIN - pd.Timedelta(weeks=1), ORIGIN, W1, W2],
                             "cpi": [1.0, 3.0, 4.0, 6.0], "markdown1": [None, 10.0, None, 30.0]})
    rep = drift_report(new_weeks=[W1, W2], actuals=actuals, history=history, forecast=fc, features=features,
                       train_end=ORIGIN)
    band = rep["band"]
    # series (1,1): 2 of 2 weeks outside -> outside; (2,1): 1 of 2 (70 > 60) -> not; (2,2): no actual
    assert band["series"] == 2 and band["series_outside95"] == 1
    assert band["share_series_outside95"] == 0.5 and band["share_rows_outside95"] == 0.75
    # the same counts per store (a store-restricted reader sums its stores': selectors/monitoring.py)
    assert band["per_store"] == [{"store": 1, "series": 1, "rows": 2, "series_outside95": 1, "rows_outside95": 2},
                                 {"store": 2, "series": 1, "rows": 2, "series_outside95": 0, "rows_outside95": 1}]
    store = {r["store"]: r for r in band["level_shift"]["store"]}
    assert store[1]["actual"] == 255.0 and store[1]["forecast"] == 200.0 and store[1]["ratio"] == 1.275
    assert band["level_shift"]["dept"] == [{"dept": 1, "actual": 375.0, "forecast": 300.0, "ratio": 1.25}]
    assert rep["new"] == {"stores": [4], "depts": [7], "series": [[4, 7]]}
    assert rep["vanished"] == {"stores": [], "depts": [2], "series": [[2, 2]]}
    cov = {c["covariate"]: c for c in rep["covariates"]}
    assert cov["cpi"]["train_mean"] == 2.0 and cov["cpi"]["train_std"] == 1.0
    assert cov["cpi"]["new_mean"] == 5.0 and cov["cpi"]["z"] == 3.0
    assert cov["markdown1"]["train_mean"] == 5.0 and cov["markdown1"]["new_mean"] == 15.0  # missing = 0
    assert rep["new_weeks"] == [W1.date().isoformat(), W2.date().isoformat()]


def test_drift_without_a_forecast_uses_the_last_year_of_history():
    history = pd.DataFrame([(1, 1, ORIGIN, 100.0), (2, 1, ORIGIN - pd.Timedelta(weeks=60), 50.0)],
                           columns=["store", "dept", "date", "sales"])
    actuals = pd.DataFrame([(3, 1, W1, 5.0)], columns=["store", "dept", "date", "sales"])
    rep = drift_report(new_weeks=[W1], actuals=actuals, history=history, forecast=None, features=None,
                       train_end=ORIGIN)
    assert rep["band"]["share_series_outside95"] is None
    assert rep["vanished"]["series"] == [[1, 1]]  # (2,1) was already silent for a year
    assert rep["new"]["stores"] == [3] and rep["covariates"] == []


def test_a_daily_run_is_scored_by_day_against_the_same_weekday_a_year_before():
    origin = pd.Timestamp("2026-10-31")
    days = [origin + pd.Timedelta(days=k) for k in (1, 2, 8)]
    forecast = _fc([(1, 1, d, 10.0, 8.0, 12.0, 6.0, 14.0) for d in days])
    actuals = pd.DataFrame([(1, 1, d, v, False) for d, v in zip(days, (11.0, 14.0, 10.0))],
                           columns=["store", "dept", "date", "sales", "is_holiday"])
    history = pd.DataFrame([(1, 1, days[0] - pd.Timedelta(days=364), 7.0)], columns=["store", "dept", "date", "sales"])
    ev = evaluate_run(forecast, actuals, history, origin, freq="D")
    assert [(s["step"], s["date"]) for s in ev["per_step"]] == [(1, "2026-11-01"), (2, "2026-11-02"),
                                                                 (8, "2026-11-08")]
    assert ev["weeks"] == 3 and ev["per_step"][0]["seasonal_naive"]["mae"] == pytest.approx(4.0)


def test_a_monthly_run_is_scored_by_month_against_the_same_month_a_year_before():
    origin = pd.Timestamp("2026-10-01")
    months = [pd.Timestamp("2026-11-01"), pd.Timestamp("2026-12-01")]
    forecast = _fc([(1, 1, m, 100.0, 90.0, 110.0, 80.0, 120.0) for m in months])
    actuals = pd.DataFrame([(1, 1, m, 120.0, False) for m in months], columns=["store", "dept", "date", "sales", "is_holiday"])
    history = pd.DataFrame([(1, 1, pd.Timestamp("2025-11-01"), 115.0), (1, 1, pd.Timestamp("2025-12-01"), 118.0)],
                           columns=["store", "dept", "date", "sales"])
    ev = evaluate_run(forecast, actuals, history, origin, freq="MS")
    assert [(s["step"], s["date"]) for s in ev["per_step"]] == [(1, "2026-11-01"), (2, "2026-12-01")]
    assert ev["seasonal_naive"]["mae"] == pytest.approx((5.0 + 2.0) / 2)  # 12 months back, not 364 days
