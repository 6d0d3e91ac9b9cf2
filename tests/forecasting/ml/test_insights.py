"""Decision figures of the Insights page (forecasting/ml/insights.py) on small hand-made frames."""
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from forecasting.ml.insights import Z80, Z95, anomalies, hotspots, inventory_targets, service_level_for_costs

DATES = pd.date_range("2012-01-06", periods=20, freq="7D")


def _sales(values_by_series: dict) -> pd.DataFrame:
    rows = [{"store": s, "dept": d, "date": DATES[i], "sales": v}
            for (s, d), vals in values_by_series.items() for i, v in enumerate(vals)]
    return pd.DataFrame(rows)


def _forecast(series: dict, weeks: int = 4) -> pd.DataFrame:
    """series: (store, dept) -> (point, sigma): bands exactly normal with that sigma."""
    rows = []
    for (s, d), (point, sigma) in series.items():
        for i in range(weeks):
            rows.append({"store": s, "dept": d, "date": DATES[i], "forecast": point,
                         "lo80": point - Z80 * sigma, "hi80": point + Z80 * sigma,
                         "lo95": point - Z95 * sigma, "hi95": point + Z95 * sigma})
    return pd.DataFrame(rows)


def test_hotspots_rank_the_volatile_series_first():
    rng = np.random.default_rng(0)
    sales = _sales({(1, 1): 100 + rng.normal(0, 1, 20), (1, 2): 100 + rng.normal(0, 40, 20),
                    (2, 1): 100 + rng.normal(0, 10, 20)})
    fc = _forecast({(1, 1): (100, 1), (1, 2): (100, 40), (2, 1): (100, 10)})
    errors = pd.DataFrame({"store": [1, 1, 2], "dept": [1, 2, 1], "error": [0.01, 0.5, 0.1]})
    h = hotspots(sales, fc, errors)
    assert list(zip(h["store"], h["dept"])) == [(1, 2), (2, 1), (1, 1)]
    assert list(h["rank"]) == [1, 2, 3]
    s12 = sales[(sales.store == 1) & (sales.dept == 2)]["sales"]
    assert h.loc[0, "cv"] == pytest.approx(s12.std(ddof=0) / s12.mean())
    assert h.loc[0, "rel_width"] == pytest.approx(2 * Z95 * 40 / 100)
    assert h.loc[0, "error"] == 0.5


def test_hotspots_without_forecast_use_cv_and_skip_series_without_sales():
    sales = _sales({(1, 1): [10, 30] * 10, (1, 2): [20, 22] * 10, (1, 3): [0] * 20})
    h = hotspots(sales)
    assert list(h["dept"]) == [1, 2]  # dept 3 has no mean > 0: no figure to rank
    assert h["rel_width"].isna().all()


def test_anomalies_outside_the_band_of_the_forecast_made_for_the_week():
    sales = _sales({(1, 1): [100] * 20})
    sales.loc[2, "sales"] = 160  # covered week, far above its band
    sales.loc[3, "sales"] = 104  # covered week, inside its band
    fc = _forecast({(1, 1): (100, 10)}, weeks=4)
    a = anomalies(sales, fc)
    assert list(a["date"]) == [DATES[2]]
    row = a.iloc[0]
    assert row["method"] == "band" and row["expected"] == 100 and row["deviation"] == 60
    assert row["score"] == pytest.approx((160 - (100 + Z95 * 10)) / (Z95 * 10))


def test_anomalies_robust_z_when_no_forecast_existed():
    vals = [100, 102, 98, 101, 99] * 4
    vals[10] = 400  # no forecast for this week
    sales = _sales({(1, 1): vals})
    a = anomalies(sales, None)
    assert list(a["date"]) == [DATES[10]] and a.iloc[0]["method"] == "robust_z"
    med = np.median(vals)
    mad = np.median(np.abs(np.array(vals) - med))
    assert a.iloc[0]["score"] == pytest.approx(0.6745 * (400 - med) / mad)
    # the same week, now covered by a forecast whose band holds it: no longer an anomaly
    fc = pd.DataFrame([{"store": 1, "dept": 1, "date": DATES[10], "forecast": 380, "lo95": 300, "hi95": 450}])
    assert anomalies(sales, fc).empty


def test_inventory_target_sums_the_lead_time_and_adds_safety_stock():
    fc = _forecast({(1, 1): (100, 10), (2, 5): (50, 0)}, weeks=4)
    fc.loc[(fc.store == 1) & (fc.date == DATES[1]), ["forecast", "lo80", "hi80", "lo95", "hi95"]] += 20
    on_hand = pd.DataFrame({"store": [1, 2], "dept": [1, 5], "on_hand": [150.0, 500.0]})
    t = inventory_targets(fc, lead_time=2, service_level=0.95, on_hand=on_hand)
    s1 = t[t.store == 1].reset_index(drop=True)
    assert list(s1["week"]) == list(DATES[:3])  # the 4th week's lead time runs past the horizon
    z = NormalDist().inv_cdf(0.95)
    assert s1.loc[0, "demand"] == pytest.approx(220)
    assert s1.loc[0, "safety_stock"] == pytest.approx(z * np.sqrt(2 * 10 ** 2))
    assert s1.loc[0, "target"] == pytest.approx(220 + z * np.sqrt(200))
    assert s1.loc[0, "order"] == pytest.approx(220 + z * np.sqrt(200) - 150)
    assert s1.loc[1:, "order"].isna().all()
    s2 = t[t.store == 2].reset_index(drop=True)
    assert s2.loc[0, "target"] == pytest.approx(100) and s2.loc[0, "order"] == 0  # stock covers it


def test_inventory_rejects_bad_parameters():
    fc = _forecast({(1, 1): (100, 10)})
    with pytest.raises(ValueError, match="lead_time"):
        inventory_targets(fc, lead_time=0, service_level=0.9)
    with pytest.raises(ValueError, match="service_level"):
        inventory_targets(fc, lead_time=1, service_level=1.0)
    higher = inventory_targets(fc, lead_time=1, service_level=0.99)["target"].iloc[0]
    assert higher > inventory_targets(fc, lead_time=1, service_level=0.9)["target"].iloc[0]


# ------------------------------------------------- seasonal robust z-score
WEEKLY = pd.date_range("2010-02-05", "2012-10-26", freq="7D")  # Walmart's Fridays, nearly three years
CHRISTMAS = [pd.Timestamp("2010-12-24"), pd.Timestamp("2011-12-23")]  # 364 days apart: the same week
THANKSGIVING = [pd.Timestamp("2010-11-26"), pd.Timestamp("2011-11-25")]


def _weekly(values, dates=WEEKLY, store=1, dept=1) -> pd.DataFrame:
    return pd.DataFrame({"store": store, "dept": dept, "date": dates, "sales": np.asarray(values, dtype=float)})


def _noisy(n, seed=0):
    return 1000 + np.random.default_rng(seed).normal(0, 20, n)


def _plain_z(values):
    v = np.asarray(values, dtype=float)
    med = np.median(v)
    return 0.6745 * (v - med) / np.median(np.abs(v - med))


def test_a_peak_that_recurs_every_year_is_not_an_anomaly():
    values = _noisy(len(WEEKLY))
    peaks = WEEKLY.isin(CHRISTMAS + THANKSGIVING)
    values[WEEKLY.isin(CHRISTMAS)] *= 2.5
    values[WEEKLY.isin(THANKSGIVING)] *= 1.8
    assert (np.abs(_plain_z(values)[peaks]) > 3.5).all()  # the level alone flags every holiday peak
    a = anomalies(_weekly(values))
    assert a.empty, a


def test_a_peak_that_moved_by_a_week_is_not_an_anomaly_either():
    values = _noisy(len(WEEKLY), seed=1)
    values[WEEKLY == pd.Timestamp("2010-11-26")] *= 1.8
    values[WEEKLY == pd.Timestamp("2011-12-02")] *= 1.8  # 371 days later, as Thanksgiving 2013 after 2012
    assert anomalies(_weekly(values)).empty


def test_a_one_off_spike_is_flagged_and_the_same_week_of_other_years_is_not():
    values = _noisy(len(WEEKLY), seed=2)
    values[WEEKLY.isin(CHRISTMAS)] *= 2.5  # recurring: not flagged
    spike = pd.Timestamp("2011-07-08")
    i = int(np.flatnonzero(WEEKLY == spike)[0])
    values[i] = 5 * values[i]
    a = anomalies(_weekly(values))
    assert list(a["date"]) == [spike]
    row = a.iloc[0]
    assert row["method"] == "seasonal_z" and row["lo"] < 1100 and 900 < row["expected"] < 1100
    assert row["sales"] == values[i] and row["deviation"] == pytest.approx(values[i] - row["expected"])
    assert row["score"] > 3.5


def test_a_one_off_drop_is_flagged_in_a_series_that_otherwise_repeats_exactly():
    year = 1000 + 100 * np.sin(np.arange(52) / 52 * 2 * np.pi)
    values = np.tile(year, 3)[:len(WEEKLY)]
    values[100] = 100.0  # the residuals' MAD is 0: the mean absolute deviation gives the scale
    a = anomalies(_weekly(values))
    assert list(a["date"]) == [WEEKLY[100]] and a.iloc[0]["method"] == "seasonal_z"


def test_less_than_a_year_of_history_falls_back_to_the_robust_z_score():
    dates = WEEKLY[:30]
    values = np.array([1000, 1020, 980, 1010, 990] * 6, dtype=float)
    values[12] *= 5
    a = anomalies(_weekly(values, dates))
    assert list(a["date"]) == [dates[12]] and a.iloc[0]["method"] == "robust_z"
    assert a.iloc[0]["score"] == pytest.approx(abs(_plain_z(values)[12]))
    # a series with two years beside it keeps its own rule: each series is judged on its own history
    both = pd.concat([_weekly(values, dates), _weekly(_noisy(len(WEEKLY), seed=4), dept=2)])
    assert [(r.dept, r.date, r.method) for r in anomalies(both).itertuples()] == [(1, dates[12], "robust_z")]


def test_the_forecast_band_rule_still_judges_the_weeks_with_a_forecast():
    values = _noisy(len(WEEKLY), seed=5)
    values[WEEKLY.isin(CHRISTMAS)] *= 2.5
    week = CHRISTMAS[1]
    fc = pd.DataFrame([{"store": 1, "dept": 1, "date": week, "forecast": 1000.0, "lo95": 900.0, "hi95": 1100.0}])
    a = anomalies(_weekly(values), fc)  # the forecast missed the peak: outside its band
    assert [(r.date, r.method) for r in a.itertuples()] == [(week, "band")]


# ------------------------------------------------- a forecast band of zero width
def _zero_width(day, point) -> pd.DataFrame:
    return pd.DataFrame([{"store": 1, "dept": 1, "date": day, "forecast": point, "lo95": point, "hi95": point}])


def test_a_band_of_zero_width_scores_in_the_series_own_95_percent_band():
    """No division by a zero width (an infinite score, not JSON): the unit is then Z95 robust scales."""
    vals = [100, 102, 98, 101, 99] * 4
    vals[6] = 130  # above a forecast made with no uncertainty
    sales = _sales({(1, 1): vals})
    a = anomalies(sales, _zero_width(DATES[6], 100.0))
    row = a[a["method"] == "band"].iloc[0]
    med = np.median(vals)
    scale = np.median(np.abs(np.array(vals) - med)) / 0.6745
    assert np.isfinite(row["score"]) and row["score"] == pytest.approx(30 / (Z95 * scale))
    assert row["lo"] == row["hi"] == 100 and row["deviation"] == 30
    assert np.isfinite(a["score"].astype(float)).all()


def test_a_band_of_zero_width_on_a_series_without_spread_has_no_score_and_ranks_last():
    sales = _sales({(1, 1): [100.0] * 20, (2, 1): [100, 102, 98, 101, 99] * 4})
    sales.loc[(sales["store"] == 2) & (sales["date"] == DATES[3]), "sales"] = 400  # an ordinary z anomaly
    a = anomalies(sales, _zero_width(DATES[6], 90.0))  # store 1 sold 100 every week: outside [90, 90]
    assert list(zip(a["store"], a["method"])) == [(2, "robust_z"), (1, "band")]
    assert np.isfinite(a.iloc[0]["score"]) and np.isnan(a.iloc[1]["score"])
    assert not np.isinf(a["score"].astype(float)).any()


def test_inventory_in_units_orders_whole_units_and_costs_set_the_service_level():
    fc = _forecast({(1, 1): (100, 10)}, weeks=3)
    on_hand = pd.DataFrame({"store": [1], "dept": [1], "on_hand": [40.0]})
    money = inventory_targets(fc, lead_time=2, service_level=0.9, on_hand=on_hand)
    units = inventory_targets(fc, lead_time=2, service_level=0.9, on_hand=on_hand, unit_price=4.0)
    assert units["target"].iloc[0] == pytest.approx(money["target"].iloc[0] / 4)  # $ at selling price / price
    assert units["on_hand"].iloc[0] == pytest.approx(10.0)
    assert units["order"].iloc[0] == np.ceil(money["target"].iloc[0] / 4 - 10.0)  # a whole number of units
    assert units["order"].iloc[0] != pytest.approx(money["order"].iloc[0] / 4)  # rounded up, not divided
    assert service_level_for_costs(holding_cost=1.0, stockout_cost=9.0) == pytest.approx(0.9)
    assert service_level_for_costs(holding_cost=5.0, stockout_cost=1.0) == 0.5  # at least 50 %
    assert service_level_for_costs(holding_cost=0.001, stockout_cost=100.0) == 0.999
    with pytest.raises(ValueError, match="unit_price"):
        inventory_targets(fc, lead_time=1, service_level=0.9, unit_price=0)
