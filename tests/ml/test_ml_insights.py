"""Decision figures of the Insights page (forecasting/ml/insights.py) on small hand-made frames."""
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from forecasting.ml.insights import Z80, Z95, anomalies, hotspots, inventory_targets

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
