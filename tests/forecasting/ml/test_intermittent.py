"""Intermittent demand (issue 18 item 4): demand classes by ADI and CV²; the Croston SBA route chosen per
class on the backtest, served at training, at a refresh and on demand, and recorded in the model's
params and reason. A toy candidate that overshoots every series (the only one run) makes the route win
on the intermittent and lumpy series, so the test does not depend on LightGBM's luck. Pure numpy."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.ml import intermittent
from forecasting.ml.candidates import Candidate, registered
from forecasting.ml.pipeline import TrainConfig, predict_series, refresh_forecast, train
from tests.forecasting.ml.synth import make_data


def test_demand_classes_by_interval_and_variation():
    T = 104
    smooth = np.full(T, 10.0)
    erratic = np.where(np.arange(T) % 2, 1.0, 30.0)
    inter = np.where(np.arange(T) % 3 == 0, 8.0, 0.0)
    lumpy = np.where(np.arange(T) % 3 == 0, np.where(np.arange(T) % 6 == 0, 1.0, 40.0), 0.0)
    once = np.zeros(T)
    once[50] = 5.0
    gaps = inter.copy()
    gaps[:60] = np.nan  # no rows: the periods without a row are not zero demand
    Y = np.vstack([smooth, erratic, inter, lumpy, once, gaps])
    assert list(intermittent.demand_classes(Y, T - 1)) == ["smooth", "erratic", "intermittent", "lumpy", "none",
                                                           "intermittent"]
    assert intermittent.class_counts(intermittent.demand_classes(Y, T - 1)) == {
        "smooth": 1, "erratic": 1, "intermittent": 2, "lumpy": 1, "none": 1}


def test_the_route_is_chosen_per_class_on_the_backtest():
    y = np.array([[0.0, 6.0, 0.0, 6.0], [0.0, 9.0, 0.0, 1.0], [10.0, 10.0, 10.0, 10.0]])
    w = {"y": y, "obs": np.ones_like(y, bool), "hol": np.array([[False, True, False, False]] * 3),
         "classes": np.array(["intermittent", "lumpy", "smooth"]),
         "fc": {"m": np.array([[9.0] * 4, [4.0] * 4, [10.0] * 4])},
         "croston": np.array([[3.0] * 4, [20.0] * 4, [np.nan] * 4])}
    out = intermittent.choose([w], "m", holiday_weight=5.0)
    assert out["routed"] == ["intermittent"]  # 3 off everywhere beats 9 and 3 off; lumpy: 20 is worse than 4
    inter = out["by_class"]["intermittent"]
    assert inter["croston_wmae"] == pytest.approx(3.0) and inter["model_wmae"] == pytest.approx((9 + 15 + 9 + 3) / 8)
    assert set(out["by_class"]) == {"intermittent", "lumpy"}


class _Overshoot(Candidate):
    name = "overshoot"
    label = "Twice the last year's mean (a test model)"

    def forecast(self, ctx, state):
        m = ctx.Y0[:, max(0, ctx.o - 51): ctx.o + 1].mean(1)
        return np.repeat((2.0 * m + 5.0)[:, None], ctx.H, axis=1)

    def explain(self, ctx, state, row, k=5):
        return [{"feature": "mean52", "contribution": 1.0, "value": 1.0}]


def _with_intermittent(seed: int):
    sales, features, stores = make_data(n_stores=3, n_depts=2, weeks=110, seed=seed)
    rng = np.random.default_rng(seed)
    dates = sorted(sales["date"].unique())
    rows = []
    for dept, p in ((7, 0.3), (8, 0.25)):  # demand in about one week in three or four
        for d in dates:
            if rng.random() < p:
                rows.append({"store": 1, "dept": dept, "date": d, "sales": float(rng.integers(5, 9)),
                             "is_holiday": False})
            else:
                rows.append({"store": 1, "dept": dept, "date": d, "sales": 0.0, "is_holiday": False})
    return pd.concat([sales, pd.DataFrame(rows)], ignore_index=True), features, stores


@pytest.fixture(scope="module")
def routed_run():
    sales, features, stores = _with_intermittent(4)
    cut = sorted(sales["date"].unique())[-3]
    with registered(_Overshoot()):
        res = train(sales[sales["date"] <= cut], features, stores,
                    TrainConfig(horizon=6, backtest_windows=2, num_threads=1, candidates=("overshoot",)))
        fresh = refresh_forecast(res.artifact, sales, features, stores)
        on_demand = predict_series(res.artifact, 1, 7, 6, history=sales[(sales.store == 1) & (sales.dept == 7)])
        stored = {key: predict_series(res.artifact, *key, 6) for key in ((1, 7), (2, 1))}
    return res, fresh, on_demand, sales, cut, stored


def _croston(sales, dept, end, H):
    """Croston SBA by statsforecast itself on the series' last 104 weeks (no gap in these series)."""
    from statsforecast.models import CrostonSBA

    y = sales[(sales.store == 1) & (sales.dept == dept) & (sales.date <= end)].sort_values("date")["sales"]
    return CrostonSBA().forecast(y=np.maximum(y.to_numpy(float)[-104:], 0.0), h=H)["mean"]


def test_a_routed_class_is_forecast_by_croston_at_training_refresh_and_on_demand(routed_run):
    res, fresh, on_demand, sales, cut, _ = routed_run
    inter = res.params["intermittent"]
    assert set(inter["routed"]) <= {"intermittent", "lumpy"} and inter["routed"], inter
    assert "Croston SBA" in res.reason and inter["classes"].get("smooth", 0) >= 1
    for dept in (7, 8):
        got = res.forecast[(res.forecast.store == 1) & (res.forecast.dept == dept)].sort_values("date")["forecast"]
        assert np.allclose(got.to_numpy(), _croston(sales, dept, cut, 6))  # not the overshooting model's
    smooth = res.forecast[(res.forecast.store == 2)].groupby("dept")["forecast"].first()
    last_year = sales[(sales.store == 2) & (sales.date <= cut)].groupby("dept")["sales"].apply(
        lambda s: s.tail(52).mean())
    assert np.allclose(smooth.to_numpy(), 2.0 * last_year.loc[smooth.index].to_numpy() + 5.0)  # unrouted: the model
    for cls in inter["routed"]:  # routed because Croston's backtest error was lower on the class
        assert inter["by_class"][cls]["croston_wmae"] < inter["by_class"][cls]["model_wmae"]
    # the chosen model's backtest rows are what is served: Croston's on the routed series
    w = res.windows[-1]
    rows = intermittent.routable_rows(w["classes"], inter["routed"])
    assert len(rows) and np.allclose(w["fc"]["overshoot"][rows], w["croston"][rows])
    refreshed = fresh.forecast[(fresh.forecast.store == 1) & (fresh.forecast.dept == 7)].sort_values("date")
    assert np.allclose(refreshed["forecast"].to_numpy(), _croston(sales, 7, sales["date"].max(), 6))
    assert np.allclose([p["forecast"] for p in on_demand["points"]], _croston(sales, 7, sales["date"].max(), 6))


def test_a_routed_series_has_no_drivers(routed_run):
    res, stored = routed_run[0], routed_run[5][(1, 7)]
    assert stored["drivers"] == [] and stored["status"] == "modelled"
    assert np.allclose([p["forecast"] for p in stored["points"]],
                       res.forecast[(res.forecast.store == 1) & (res.forecast.dept == 7)].sort_values("date")["forecast"])
    assert routed_run[2]["drivers"] == []  # on demand with a history too
    assert routed_run[5][(2, 1)]["drivers"] == [{"feature": "mean52", "contribution": 1.0, "value": 1.0}]


def test_croston_leaves_out_the_weeks_without_a_row():
    y = np.where(np.arange(60) % 3 == 0, 6.0, 0.0)
    gappy = np.concatenate([np.full(40, np.nan), y])[None, :]  # the series starts 40 weeks in
    got = intermittent.croston_sba(gappy, 99, 4, np.array([0]))[0]
    alone = intermittent.croston_sba(y[None, :], 59, 4, np.array([0]))[0]
    assert np.allclose(got, alone) and got[0] > 1.5  # not dragged toward 0 by 40 weeks of no row
