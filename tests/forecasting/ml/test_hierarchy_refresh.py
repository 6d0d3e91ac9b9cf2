"""Coherent aggregates and forecast refresh without retraining."""
import numpy as np
import pandas as pd
import pytest

from tests.forecasting.ml.synth import make_data


def test_aggregates_add_up_and_are_narrower_than_summed_bounds(ml_trained, ml_data):
    from forecasting.ml.hierarchy import Attributes
    from forecasting.ml.pipeline import aggregate
    res, _, cfg = ml_trained
    stores = ml_data[2]
    fc = res.forecast
    hq = res.params["hierarchy"]["quantiles"]
    attrs = Attributes.from_stores(stores)
    LEVELS = ["total", "location.type", "location", "item"]
    assert attrs.levels() == LEVELS and set(hq) == set(LEVELS)
    types = stores.set_index("store")["type"]
    keys = {"total": [None], "location.type": sorted(types.unique()), "location": sorted(fc.store.unique()),
            "item": sorted(fc.dept.unique())}
    for level in LEVELS:
        for key in keys[level]:
            agg = aggregate(fc, attrs, level, key, hq)
            if level == "total":
                part = fc
            elif level == "location.type":
                part = fc[fc.store.map(types) == key]
            else:
                part = fc[fc[{"location": "store", "item": "dept"}[level]] == key]
            assert list(agg.columns) == ["date", "forecast", "lo80", "hi80", "lo95", "hi95"]
            assert len(agg) == cfg.horizon
            by = part.groupby("date")
            assert np.allclose(agg.forecast.round(2).to_numpy(), by.forecast.sum().round(2).to_numpy(), atol=0.005)
            assert (agg.lo95 <= agg.lo80).all() and (agg.lo80 <= agg.forecast).all()
            assert (agg.forecast <= agg.hi80).all() and (agg.hi80 <= agg.hi95).all()
            if part[["store", "dept"]].drop_duplicates().shape[0] > 1:
                summed = (by.hi80.sum() - by.lo80.sum()).to_numpy()
                assert ((agg.hi80 - agg.lo80).to_numpy() < summed).all(), (level, key)
    with pytest.raises(ValueError):
        aggregate(fc, attrs, "region", 1, hq)
    with pytest.raises(ValueError):  # an attribute the locations do not have
        aggregate(fc, attrs, "location.region", 1, hq)
    # coverage of the aggregate intervals is measured on the backtest, per level
    for level in LEVELS:
        h = res.metrics["hierarchy"][level]
        assert 0 <= h["coverage80"] <= 1 and h["coverage95"] >= h["coverage80"]
        assert h["mean_width80"] < h["mean_sum_of_series_width80"]


def test_history_aggregate_is_like_for_like(ml_trained, ml_data):
    from forecasting.ml.pipeline import history_aggregate
    res, _, _ = ml_trained
    sales, _, stores = ml_data
    # dept 6: one live seasonal series (store 4) and one inactive one (store 5)
    allh = history_aggregate(sales, None, "dept", 6)  # the legacy name of level item
    same = history_aggregate(sales, None, "item", 6, series=res.forecast)
    assert allh.sales.sum() > same.sales.sum() > 0
    exp = sales[(sales.dept == 6) & (sales.store == 4)].sales.sum()
    assert abs(same.sales.sum() - exp) < 1e-6


@pytest.fixture(scope="module")
def refreshed():
    from forecasting.ml.pipeline import TrainConfig, refresh_forecast, train
    sales, features, stores = make_data(n_stores=4, n_depts=3, weeks=125, seed=5)
    cut = sales.date.max() - pd.Timedelta(weeks=5)
    res = train(sales[sales.date <= cut], features, stores,
                TrainConfig(horizon=6, backtest_windows=2, num_threads=1, num_rounds=10))
    ref = refresh_forecast(res.artifact, sales, features, stores)
    return res, ref, sales, cut


def test_refresh_moves_the_origin_without_refitting(refreshed):
    res, ref, sales, cut = refreshed
    last = sales.date.max()
    assert ref.origin == last.date().isoformat() and res.params["last_date"] == cut.date().isoformat()
    fc = ref.forecast
    assert sorted(fc.date.unique()) == list(pd.date_range(last + pd.Timedelta(weeks=1), periods=6, freq="7D"))
    live = sales[(sales.date > last - pd.Timedelta(weeks=52)) & (sales.sales > 0)][["store", "dept"]]
    assert set(map(tuple, fc[["store", "dept"]].drop_duplicates().to_numpy())) == set(map(tuple, live.to_numpy()))
    # the same LightGBM model, the same interval tables and ensemble weights
    assert ref.artifact.texts == res.artifact.texts
    assert ref.artifact.meta["intervals"] == res.artifact.meta["intervals"]
    assert ref.artifact.meta["ensemble"] == res.artifact.meta["ensemble"]
    assert ref.artifact.meta["origin"] == ref.origin and ref.artifact.meta["params"]["refreshed_from"] == res.params[
        "last_date"]
    assert not np.allclose(fc.forecast.to_numpy()[:6], res.forecast.forecast.to_numpy()[:6])
    assert "total" in ref.timings


def test_refreshed_artifact_serves_predict_series(refreshed, tmp_path):
    from forecasting.ml.pipeline import load_artifact, predict_series, save_artifact
    res, ref, sales, _ = refreshed
    save_artifact(ref.artifact, tmp_path / "r.zip")
    art = load_artifact(tmp_path / "r.zip")
    out = predict_series(art, 2, 2, 6)
    row = ref.forecast[(ref.forecast.store == 2) & (ref.forecast.dept == 2)]
    assert out["origin"] == ref.origin
    assert np.allclose([p["forecast"] for p in out["points"]], row.forecast)
    assert np.allclose([p["hi95"] for p in out["points"]], row.hi95)


def test_predict_series_accepts_history_past_the_trained_grid(refreshed):
    from forecasting.ml.pipeline import predict_series
    res, ref, sales, cut = refreshed
    hist = sales[(sales.store == 2) & (sales.dept == 2)][["date", "sales"]]
    out = predict_series(res.artifact, 2, 2, 6, history=hist)
    last = sales.date.max()
    assert out["origin"] == last.date().isoformat()
    assert out["points"][0]["date"] == (last + pd.Timedelta(weeks=1)).date().isoformat()
    # close to the batch refresh (only the other series' newest weeks differ: stored forecasts vs actuals)
    row = ref.forecast[(ref.forecast.store == 2) & (ref.forecast.dept == 2)].forecast.to_numpy()
    got = np.array([p["forecast"] for p in out["points"]])
    assert np.abs(got - row).max() <= 0.1 * np.abs(row).mean()
    # too far past the grid: a clear error asking for a refresh
    far = hist.assign(date=hist.date + pd.Timedelta(weeks=30))
    with pytest.raises(ValueError, match="refresh"):
        predict_series(res.artifact, 2, 2, 6, history=pd.concat([hist, far.tail(30)]))
