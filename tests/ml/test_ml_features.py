import numpy as np
import pandas as pd

from _ml_synth import make_data


def _panel():
    from forecasting.ml.panel import build_panel
    return build_panel(*make_data(n_stores=4, n_depts=3, weeks=120, seed=3))


def test_holiday_calendar():
    from forecasting.ml.calendar_feats import calendar_frame, holiday_flags
    d = pd.to_datetime(["2010-02-12", "2010-09-10", "2010-11-26", "2010-12-31", "2010-12-24", "2012-12-28",
                        "2013-02-08", "2012-11-23"])
    assert holiday_flags(d).tolist() == [True, True, True, True, False, True, True, True]
    cf = calendar_frame(pd.to_datetime(["2011-11-25", "2011-12-23", "2012-03-02"]))
    assert cf.weeks_to_thanksgiving.tolist()[0] == 0
    assert cf.weeks_to_christmas.tolist()[1] == 1
    assert cf.pre_christmas_days.tolist() == [0, 6, 0]
    assert cf.calendar_shift.tolist() == [1, 1, 2]


def test_window_origins():
    from forecasting.ml.backtest import window_origins
    assert window_origins(130, 13, 4) == [77, 90, 103, 116]
    assert window_origins(30, 13, 4) == [16]
    assert window_origins(20, 13, 4) == []


def test_features_do_not_look_ahead():
    """Feature rows at origin o must not change when data after o changes."""
    from forecasting.ml.features import OriginState
    from forecasting.ml.models import dept_groups
    p = _panel()
    o, H = 90, 8
    Y0 = np.nan_to_num(p.Y)
    g = dept_groups(p.dept_idx)
    st = OriginState(p, Y0, o, H, g, 2)
    X1 = st.X(p, Y0)
    rng = np.random.default_rng(0)
    p.Y[:, o + 1:] = p.Y[:, o + 1:] * rng.uniform(0.1, 10, p.Y[:, o + 1:].shape)
    Y0b = np.nan_to_num(p.Y)
    st2 = OriginState(p, Y0b, o, H, g, 2)
    X2 = st2.X(p, Y0b)
    assert np.array_equal(np.nan_to_num(X1, nan=-999), np.nan_to_num(X2, nan=-999))
    assert np.allclose(st.ser["base"], st2.ser["base"])


def test_training_rows_do_not_look_ahead():
    from forecasting.ml.backtest import TrainingSet
    from forecasting.ml.models import dept_groups
    p = _panel()
    H, o = 6, 80
    g = dept_groups(p.dept_idx)
    a = TrainingSet(p, np.nan_to_num(p.Y), H, g, 2, max_rows=5000, seed=1, keep_states=set())
    ia = a.upto(o)
    p.Y[:, o + 1:] *= 3.0
    b = TrainingSet(p, np.nan_to_num(p.Y), H, g, 2, max_rows=5000, seed=1, keep_states=set())
    ib = b.upto(o)
    assert len(ia) > 100 and np.array_equal(ia, ib)
    assert np.array_equal(np.nan_to_num(a.X[ia], nan=-1), np.nan_to_num(b.X[ib], nan=-1))
    assert np.allclose(a.r[ia], b.r[ib])


def test_baselines_and_metrics():
    from forecasting.ml.metrics import full_metrics, wmae
    from forecasting.ml.models import last_value, seasonal_naive
    Y = np.arange(60, dtype=float)[None, :].repeat(2, 0)
    Y[1, 55:] = np.nan
    Y0 = np.nan_to_num(Y)
    sn = seasonal_naive(Y0, 59, 3)
    assert sn[0].tolist() == [8.0, 9.0, 10.0]
    assert last_value(Y, 59, 2).tolist() == [[59.0, 59.0], [54.0, 54.0]]
    y, f, hol = np.array([10.0, 20.0]), np.array([12.0, 10.0]), np.array([True, False])
    assert wmae(y, f, hol) == (5 * 2 + 10) / 6
    m = full_metrics(y, f, hol)
    assert m["mae"] == 6 and m["holiday"]["mae"] == 2 and m["non_holiday"]["mae"] == 10
    assert abs(m["wape"] - 12 / 30) < 1e-9


def test_conformal_coverage_out_of_sample():
    from forecasting.ml.intervals import cross_window_coverage, fit_quantiles
    rng = np.random.default_rng(0)
    n, H = 4000, 5
    steps = rng.integers(0, H, n)
    win = rng.integers(0, 4, n)
    err = np.abs(rng.normal(0, 1 + steps * 0.2))
    q = fit_quantiles(err, steps, H)
    assert all(np.diff(q["0.8"]) >= 0) and all(np.array(q["0.95"]) > np.array(q["0.8"]))
    cov = cross_window_coverage(err, steps, win, H)
    assert 0.77 < cov["0.8"]["coverage"] < 0.83 and 0.93 < cov["0.95"]["coverage"] < 0.97


def test_panel_handles_duplicates_and_offgrid():
    from forecasting.ml.panel import build_panel
    s = pd.DataFrame({"store": [1, 1, 1, 1], "dept": [1, 1, 1, 2],
                      "date": pd.to_datetime(["2012-01-06", "2012-01-06", "2012-01-13", "2012-01-12"]),
                      "sales": [1.0, 2.0, 5.0, 7.0], "is_holiday": False})
    p = build_panel(s)
    assert p.Y.shape == (2, 2)
    assert p.Y[0].tolist() == [3.0, 5.0] and p.Y[1, 1] == 7.0 and np.isnan(p.Y[1, 0])
