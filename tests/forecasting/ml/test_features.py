import numpy as np
import pandas as pd

from tests.forecasting.ml.synth import make_data


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


def test_conformal_cells_cover_at_their_rate():
    """Per step, per segment and per volatility bucket: quantiles fitted on one
    half cover the other half at the nominal rate in every cell."""
    from forecasting.ml import intervals
    rng = np.random.default_rng(0)
    n, H = 40000, 5
    steps = rng.integers(0, H, n)
    seg = (rng.random(n) < 0.15).astype(int)
    vol = rng.gamma(2.0, 0.5, n)
    err = np.abs(rng.normal(0, (1 + steps * 0.2) * (1 + 2 * seg) * vol))
    cal = rng.random(n) < 0.5
    edges = intervals.bucket_edges(vol[cal], 3)
    assert len(edges) == 2
    bk = intervals.bucket_of(vol, edges)
    m = intervals.fit(err[cal], steps[cal], seg[cal], bk[cal], H, edges)
    q80, q95 = np.asarray(m["q"]["0.8"]), np.asarray(m["q"]["0.95"])
    assert (np.diff(q80, axis=2) >= 0).all() and (q95 > q80).all()
    assert (q80[1] >= q80[0]).all()  # holiday never narrower than calm
    w = intervals.widths(m, 0.8, np.array([0, 1, 0, 0, 0]), np.array([0, 2]))
    assert w.shape == (2, 5) and w[1, 0] > w[0, 0] and w[0, 1] > w[0, 0]
    test = ~cal
    for lv, q in ((0.8, q80), (0.95, q95)):
        hit = err[test] <= q[seg[test], bk[test], steps[test]]
        assert abs(hit.mean() - lv) < 0.02
        for s in (0, 1):
            for b in range(3):
                c = (seg[test] == s) & (bk[test] == b)
                assert abs(hit[c].mean() - lv) < 0.06, (lv, s, b)
    # past the calibrated horizon: extrapolated, wider
    w8 = intervals.widths(m, 0.8, np.zeros(8, int), np.array([0]))
    assert w8.shape == (1, 8) and w8[0, 7] > w8[0, 4]


def test_turbulence_is_known_at_the_origin():
    """Target-week turbulence uses only weeks <= origin and rises where sales
    moved a lot week to week a year earlier."""
    from forecasting.ml.intervals import turbulence
    rng = np.random.default_rng(1)
    T, o = 120, 100
    Y = 100 + rng.normal(0, 1, (30, T))
    Y[:, o + 1 - 52 + 3] += 60  # a jump a year before step 3
    g = turbulence(Y, o, 6)
    assert g.shape == (6,) and g[3] > 2 * g[0] and g[4] > 2 * g[0]
    Y2 = Y.copy()
    Y2[:, o + 1:] = 0  # the future does not matter
    assert np.allclose(turbulence(Y2, o, 6), g)


def test_panel_handles_duplicates_and_offgrid():
    from forecasting.ml.panel import build_panel
    s = pd.DataFrame({"store": [1, 1, 1, 1], "dept": [1, 1, 1, 2],
                      "date": pd.to_datetime(["2012-01-06", "2012-01-06", "2012-01-13", "2012-01-12"]),
                      "sales": [1.0, 2.0, 5.0, 7.0], "is_holiday": False})
    p = build_panel(s)
    assert p.Y.shape == (2, 2)
    assert p.Y[0].tolist() == [3.0, 5.0] and p.Y[1, 1] == 7.0 and np.isnan(p.Y[1, 0])
