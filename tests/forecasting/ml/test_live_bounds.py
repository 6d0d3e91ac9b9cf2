"""Every live series is forecast, with a status; bounds respect the data."""
import numpy as np
import pandas as pd


def test_status_rules():
    from forecasting.ml.status import series_floor, series_status
    T, o = 120, 119
    Y = np.full((5, T), np.nan)
    Y[0] = 10.0                          # selling all along -> modelled
    Y[1, :60] = 5.0                      # stopped > 52 weeks ago -> inactive
    Y[2, 100:110] = 3.0                  # young (first week < 52 weeks ago) -> pooled
    Y[3, :] = 0.0
    Y[3, 80] = 7.0                       # one sale 40 weeks ago, zeros since -> modelled
    Y[4, :] = 4.0
    Y[4, 115] = -9.0                     # a return in the last year
    st = series_status(Y, np.array([0, 0, 100, 0, 0]), o)
    assert st.tolist() == ["modelled", "inactive", "pooled", "modelled", "modelled"]
    assert series_status(Y, np.array([0, 0, 100, 0, 0]), o, live_weeks=30)[3] == "inactive"
    assert series_floor(Y, o).tolist() == [0, 0, 0, 0, -9]


def test_every_live_series_is_forecast(ml_trained, ml_data):
    res, _, cfg = ml_trained
    fc = res.forecast
    # seasonal series without a row in the latest week: forecast for every week, modelled
    s = fc[(fc.store == 4) & (fc.dept == 6)]
    assert len(s) == cfg.horizon and (s.status == "modelled").all()
    # a series silent for more than a year: no forecast, listed as inactive
    assert fc[(fc.store == 5) & (fc.dept == 6)].empty
    series = res.series.set_index(["store", "dept"])
    assert series.loc[(5, 6), "status"] == "inactive" and series.loc[(4, 6), "status"] == "modelled"
    assert len(series) == ml_data[0].groupby(["store", "dept"]).ngroups
    assert res.params["status_counts"]["inactive"] == 1
    for b in res.backtest:
        assert b["live_without_forecast"] == 0 and b["live_series"] > 0
        assert b["negative_on_nonnegative"] == 0


def test_bounds_never_below_the_series_floor(ml_trained, ml_data):
    res, _, _ = ml_trained
    sales = ml_data[0]
    last = sales.date.max()
    recent = sales[sales.date > last - pd.Timedelta(weeks=52)]
    floor = recent.groupby(["store", "dept"]).sales.min().clip(upper=0.0)
    fc = res.forecast.join(floor.rename("floor"), on=["store", "dept"])
    for c in ("forecast", "lo80", "lo95"):
        assert (fc[c] >= fc["floor"] - 1e-9).all(), c
    nonneg = fc[fc.floor == 0]
    assert len(nonneg) and (nonneg[["forecast", "lo80", "lo95"]] >= 0).all().all()
    # some series have returns: their floor is their own minimum, not 0
    assert (fc.floor < 0).any()


def test_backtest_reports_coverage_per_window_and_segment(ml_trained):
    res, _, _ = ml_trained
    for b in res.backtest:
        for k in ("coverage80", "coverage95", "coverage80_calm", "coverage95_calm"):
            assert 0 <= b[k] <= 1
        assert b["coverage95"] >= b["coverage80"]
    m = res.metrics
    assert 0.5 < m["coverage80"] < 1 and m["coverage95"] >= m["coverage80"]
    assert {"coverage80_holiday", "coverage80_calm"} <= set(m)
    iv = res.params["intervals"]
    q80, q95 = np.asarray(iv["q"]["0.8"]), np.asarray(iv["q"]["0.95"])
    assert q80.shape[0] == 2 and (q95 >= q80).all() and (q80[1] >= q80[0]).all()
