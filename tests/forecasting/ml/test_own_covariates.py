"""Issue 17 item 3 / issue 18 item 2 in the weekly engine: a weekly workspace's own covariates are features.
A retailer whose weekly sales jump when it cuts the price forecasts those weeks better with its price than
without; the forecast reads the planned prices of the weeks ahead and counts the weeks it had to assume; a
refresh and the saved model keep the same features; a workspace without any gets exactly today's features."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.ml.artifact import ForecastArtifact
from forecasting.ml.features import feature_names
from forecasting.ml.labels import feature_label
from forecasting.ml.own_covariates import own_covariates
from forecasting.ml.panel import build_panel
from forecasting.ml.pipeline import TrainConfig, train
from forecasting.ml.refresh import refresh_forecast
from tests.forecasting.ml.synth import make_data

H, AHEAD = 6, 4  # prices planned for 4 of the 6 weeks ahead


def _priced(seed: int = 3):
    """make_data's weekly sales, each series cut its price by 30 % in a random quarter of its weeks (planned
    ahead too), selling 1.9× the units then; its price frame as a series-level covariate."""
    sales, features, stores = make_data(n_stores=4, n_depts=4, weeks=150, seed=seed)
    rng = np.random.default_rng(seed)
    dates = pd.date_range(sales["date"].min(), periods=150 + AHEAD, freq="7D")
    keys = sales[["store", "dept"]].drop_duplicates()
    prices = []
    for store, dept in keys.itertuples(index=False):
        cut = rng.random(len(dates)) < 0.25
        prices.append(pd.DataFrame({"location": str(store), "item": str(dept), "date": dates,
                                    "price": np.where(cut, 7.0, 10.0)}))
    prices = pd.concat(prices, ignore_index=True)
    joined = sales.merge(prices.assign(store=prices["location"].astype(int), dept=prices["item"].astype(int)),
                         on=["store", "dept", "date"])
    sales = joined.assign(sales=joined["sales"] * np.where(joined["price"] < 10, 1.9, 1.0))[
        ["store", "dept", "date", "sales", "is_holiday"]]
    return sales, features, stores, prices


def _config():
    return TrainConfig(horizon=H, backtest_windows=3, num_threads=1, seed=0, num_rounds=60, candidates=("lightgbm",))


def test_a_known_price_lowers_the_backtest_error_and_is_read_ahead():
    sales, features, stores, prices = _priced()
    own = ([prices], {"price": "known"})
    without = train(sales, features, stores, _config())
    priced = train(sales, features, stores, _config(), own=own)
    assert priced.params["features"][-2:] == ["price", "price_rel"]
    assert "price" not in without.params["features"]
    assert priced.metrics["lightgbm"]["wmae"] < 0.8 * without.metrics["lightgbm"]["wmae"], (
        priced.metrics["lightgbm"]["wmae"], without.metrics["lightgbm"]["wmae"])
    assert priced.params["covariates"] == {"price": "known"} and priced.params["assumed"] == {"price": H - AHEAD}

    # the planned cut weeks ahead are forecast higher than the full-price ones
    fc = priced.forecast.merge(prices.assign(store=prices["location"].astype(int), dept=prices["item"].astype(int)),
                               on=["store", "dept", "date"])
    level = fc.groupby(["store", "dept"])["forecast"].transform("mean")
    fc = fc.assign(rel=fc["forecast"] / level)
    assert fc[fc["price"] < 10]["rel"].mean() > 1.3 * fc[fc["price"] == 10]["rel"].mean()


def test_the_saved_model_and_a_refresh_keep_the_covariates():
    sales, features, stores, prices = _priced(seed=5)
    res = train(sales, features, stores, _config(), own=([prices], {"price": "known"}))
    art = ForecastArtifact.from_bytes(res.artifact.to_bytes())
    assert art.meta["own_covariates"] == {"price": "known"}
    np.testing.assert_array_equal(art.panel.own.known["price"], res.artifact.panel.own.known["price"])
    # a refresh reads the same feature, built from the frames again, and forecasts what the training did
    refreshed = refresh_forecast(art, sales, features, stores, own=([prices], {"price": "known"}))
    assert refreshed.artifact.meta["features"] == res.params["features"]
    assert refreshed.artifact.meta["own_covariates"] == {"price": "known"}
    np.testing.assert_allclose(refreshed.forecast["forecast"].to_numpy(), res.forecast["forecast"].to_numpy())
    # without the frames (every price deleted) the feature stays, empty: the model still serves
    empty = refresh_forecast(art, sales, features, stores, own=None)
    assert np.isnan(empty.artifact.panel.own.known["price"]).all() and len(empty.forecast)


def test_levels_broadcast_and_values_flow_forward_only():
    sales, _, _ = make_data(n_stores=2, n_depts=2, weeks=60, seed=1)
    panel = build_panel(sales)
    start = panel.dates[0]
    calendar = pd.DataFrame({"date": [start + pd.Timedelta(weeks=10)], "oil": [80.0]})
    by_store = pd.DataFrame({"location": ["2"], "date": [start + pd.Timedelta(weeks=20)], "temp": [15.0]})
    own = own_covariates([calendar, by_store], {"oil": "past", "temp": "known"}, panel.keys, start,
                         len(panel.ext_dates), panel.T)
    oil, temp = own.past["oil"], own.known["temp"]
    assert np.isnan(oil[:, :10]).all() and (oil[:, 10:] == 80.0).all()  # every series, from week 10 on
    store2 = panel.keys[:, 0] == 2
    assert (temp[store2, 20:] == 15.0).all() and np.isnan(temp[~store2]).all() and np.isnan(temp[:, :20]).all()
    assert own.names() == ["temp", "temp_rel", "oil"]
    assert own.assumed(H) == {"temp": H}


def test_no_covariates_no_new_features():
    sales, features, stores = make_data(n_stores=2, n_depts=2, weeks=60, seed=1)
    panel = build_panel(sales, features, stores)
    assert panel.own is None and feature_names(panel.cal_names, panel.own) == feature_names(panel.cal_names)


def test_labels_read_the_retailers_names():
    assert feature_label("price_rel") == "Price vs its last-year average"
    assert feature_label("on_promotion") == "On promotion"
