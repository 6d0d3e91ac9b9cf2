"""The what-if of the engine for any planning frequency (forecasting/ml/periodic/simulate.py): setting a
known promotion flag on chosen series and days lifts exactly those cells, a price cut by a percent lifts
sales where price matters, every other cell is the served forecast, and bad levers are named."""
import numpy as np
import pandas as pd
import pytest

from forecasting.ml.periodic import engine
from forecasting.ml.periodic.drivers import series_drivers
from forecasting.ml.periodic.features import origin_rows
from forecasting.ml.periodic.grid import build_grid
from forecasting.ml.periodic.seasons import calendar, seasons_of
from forecasting.ml.periodic.simulate import Lever, LeverError, what_if
from tests.forecasting.ml.periodic.test_engine import FAST, daily

DAYS, H = 500, 14


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(2)
    promo = (rng.random(DAYS + H) < 0.15).astype(float)
    price = np.where(promo == 1, 8.0, 10.0)
    h = daily(days=DAYS, promo=promo)
    dates = pd.date_range("2021-01-01", periods=DAYS + H, freq="D")
    cov = pd.DataFrame({"date": dates, "promo": np.r_[promo[:DAYS], np.zeros(H)],
                        "price": np.r_[price[:DAYS], np.full(H, 10.0)]})
    kinds = {"promo": "known", "price": "known"}
    res = engine.train(h, engine.Config(freq="D", horizon=H, **FAST), covariates=cov, kinds=kinds)
    grid = build_grid(h, freq="D", future=H, covariates=cov, kinds=kinds)
    _, cal = calendar(grid.ext_dates, "D")
    return res, grid, cal


def test_a_promotion_lifts_the_chosen_cells_only(trained):
    res, grid, cal = trained
    out = what_if(res.model, grid, cal, rows=np.array([0, 2]), steps=np.array([3, 4]),
                  levers=[Lever("promo", value=1)])
    served = res.forecast.set_index(["location", "date"])["forecast"]
    days = grid.ext_dates[grid.T + np.array([3, 4])]
    for i, row in enumerate([0, 2]):
        code = grid.keys["location"].iloc[row]
        assert np.allclose(out.baseline[i], served.loc[code].loc[days].to_numpy())
    assert (out.scenario / out.baseline > 1.3).all(), out.scenario / out.baseline
    assert (out.planned["promo"] == 0).all() and (out.changed["promo"] == 1).all()
    lo, hi = out.incremental_range()
    assert lo < out.scenario.sum() - out.baseline.sum() < hi and (out.half80 > 0).all()


def test_a_price_cut_by_a_percent_changes_the_planned_price(trained):
    res, grid, cal = trained
    out = what_if(res.model, grid, cal, rows=np.array([1]), steps=np.arange(H), levers=[Lever("price", change_pct=-20)])
    assert np.allclose(out.changed["price"], out.planned["price"] * 0.8)
    assert out.scenario.sum() > out.baseline.sum()


@pytest.mark.parametrize("kwargs, field", [
    ({"rows": [0], "steps": [H], "levers": [Lever("promo", value=1)]}, "periods"),
    ({"rows": [], "steps": [0], "levers": [Lever("promo", value=1)]}, "series"),
    ({"rows": [0], "steps": [0], "levers": [Lever("footfall", value=1)]}, "levers.footfall"),
    ({"rows": [0], "steps": [0], "levers": [Lever("promo")]}, "levers.promo"),
])
def test_bad_levers_are_named(trained, kwargs, field):
    res, grid, cal = trained
    with pytest.raises(LeverError) as err:
        what_if(res.model, grid, cal, **{k: np.array(v) if k != "levers" else v for k, v in kwargs.items()})
    assert err.value.field == field


def test_drivers_of_a_series_are_its_first_days_contributions_in_units(trained):
    res, grid, cal = trained
    assert res.model.chosen == "lightgbm"
    one = grid.take(np.array([0]))
    every = series_drivers(res.model, one, cal, k=len(res.model.features))
    X, scale = origin_rows(one, seasons_of("D"), one.T - 1, 1, cal)
    expected = res.model.booster.predict(X[0], pred_contrib=True)[0][-1] * scale[0]
    predicted = res.model.booster.predict(X[0])[0] * scale[0]
    assert sum(d["contribution"] for d in every) + expected == pytest.approx(predicted, rel=1e-6)
    assert {d["feature"] for d in every} <= set(res.model.features)
    # a promotion planned for that day: the flag is among the largest drivers and lifts the forecast
    one.known["promo"][0, one.T] = 1.0
    top = {d["feature"]: d for d in series_drivers(res.model, one, cal)}
    assert "promo" in top and top["promo"]["contribution"] > 0 and top["promo"]["value"] == 1.0
    seasonal = engine.Model(**{**res.model.__dict__, "chosen": "seasonal_naive", "booster": None})
    assert series_drivers(seasonal, one, cal) == []  # the seasonal rule reads no feature
