"""The workspace's events mark the engine's holiday weeks (issue 17 item 4): a national event day makes
its week a holiday week for every series, history and future, in place of Walmart's four holidays; a
scoped event (a state's, a city's, a store's) makes it one for its locations' series only, through the
``is_holiday`` feature; a model keeps its local flags in its artifact. Pure pandas/numpy/lightgbm."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.ml.artifact import ForecastArtifact
from forecasting.ml.calendar_feats import holiday_flags
from forecasting.ml.events import period_flags
from forecasting.ml.features import OriginState
from forecasting.ml.panel import build_panel
from tests.forecasting.ml.synth import make_data


def _events(rows) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime([d for d, _ in rows]),
                         "store": pd.array([s for _, s in rows], dtype="Int64")})


def test_a_period_holds_an_event_day_of_its_seven_days():
    ends = pd.date_range("2024-01-07", periods=4, freq="7D")  # weeks ending on Sundays
    flags = period_flags(ends, pd.to_datetime(["2024-01-01", "2024-01-14", "2024-01-15", "2023-12-31"]))
    assert flags.tolist() == [True, True, True, False]  # Jan 1 (Mon) and 14 (Sun) in their weeks; Dec 31 before


def test_without_events_the_walmart_rule_and_the_files_flags_hold():
    sales, features, stores = make_data(n_stores=3, n_depts=2, weeks=110, seed=1)
    panel = build_panel(sales, features, stores)
    rule = holiday_flags(panel.ext_dates)
    assert panel.local_hol is None
    assert panel.hol[panel.T:].tolist() == rule[panel.T:].tolist()


def test_national_events_replace_the_walmart_rule_and_scoped_ones_reach_their_stores_only():
    sales, features, stores = make_data(n_stores=3, n_depts=2, weeks=110, seed=1)
    sales, features = sales.assign(is_holiday=False), features.assign(is_holiday=False)
    plain = build_panel(sales, features, stores)
    ends = plain.ext_dates
    national_day = ends[plain.T + 3] - pd.Timedelta(days=2)  # inside the 4th future week
    local_day = ends[plain.T + 6]  # a future week's last day, store 2 only
    past_day = ends[10] - pd.Timedelta(days=6)  # a history week's first day
    panel = build_panel(sales, features, stores,
                        _events([(national_day, pd.NA), (past_day, pd.NA), (local_day, 2)]))
    assert np.flatnonzero(panel.hol).tolist() == [10, plain.T + 3]  # no Super Bowl, Thanksgiving...
    hol_col = panel.cal_names.index("is_holiday")
    assert panel.cal[plain.T + 3, hol_col] == 1.0 and panel.cal[plain.T + 6, hol_col] == 0.0
    s2 = int(np.searchsorted(panel.stores, 2))
    assert np.flatnonzero(panel.local_hol[s2]).tolist() == [plain.T + 6]
    assert not panel.local_hol[np.arange(len(panel.stores)) != s2].any()

    H, o = 8, panel.T - 1
    Y0 = np.nan_to_num(panel.Y)
    X = OriginState(panel, Y0, o, H, [np.arange(panel.n)], 2).X(panel, Y0).reshape(panel.n, H, -1)
    col = 1 + hol_col  # the feature rows: h, then the calendar
    own = panel.keys[:, 0] == 2
    assert (X[own, 6, col] == 1.0).all() and (X[~own, 6, col] == 0.0).all()  # week o+7 = T+6
    assert (X[:, 3, col] == 1.0).all()  # the national week, every series


def test_the_artifact_keeps_the_local_flags_and_the_holiday_periods():
    sales, features, stores = make_data(n_stores=2, n_depts=2, weeks=60, seed=2)
    sales, features = sales.assign(is_holiday=False), features.assign(is_holiday=False)
    base = build_panel(sales, features, stores)
    day = base.ext_dates[base.T + 1]
    panel = build_panel(sales, features, stores, _events([(day, pd.NA), (base.ext_dates[5], 1)]))
    arrays = {k: getattr(panel, k) for k in ("keys", "Y", "hol", "cal", "stores", "store_idx", "depts",
                                               "dept_idx", "md", "econ", "stype", "ssize", "first_obs")}
    arrays |= {"local_hol": panel.local_hol, "dates": panel.dates.asi8, "ext_dates": panel.ext_dates.asi8}
    art = ForecastArtifact({"cal_names": panel.cal_names}, arrays)
    assert art.panel.local_hol.tolist() == panel.local_hol.tolist()
    assert art.holiday_periods() == {day.date()}


def test_a_trained_model_saved_and_loaded_keeps_its_event_weeks(tmp_path):
    from forecasting.ml.artifact import load_artifact, save_artifact
    from forecasting.ml.pipeline import TrainConfig, train

    sales, features, stores = make_data(n_stores=2, n_depts=2, weeks=110, seed=5)
    sales, features = sales.assign(is_holiday=False), features.assign(is_holiday=False)
    ends = build_panel(sales, features, stores).ext_dates
    events = _events([(ends[-40], pd.NA), (ends[-30], 2)])  # a future national day, a future day of store 2
    res = train(sales, features, stores, TrainConfig(horizon=4, backtest_windows=1, num_threads=1, num_rounds=10,
                                                     use_mstl=False), events=events)
    save_artifact(res.artifact, tmp_path / "m.fcm")
    art = load_artifact(tmp_path / "m.fcm")
    assert res.params["holidays"] == "events"
    assert art.holiday_periods() == {ends[-40].date()}  # not Walmart's four holidays
    s2 = int(np.searchsorted(art.panel.stores, 2))
    assert np.flatnonzero(art.panel.local_hol[s2]).tolist() == [len(ends) - 30]
