"""The champion scored on the challenger's backtest windows (forecasting/ml/rescore.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.forecasting.ml.synth import make_data

H = 6


@pytest.fixture(scope="module")
def pair():
    from forecasting.ml.pipeline import TrainConfig, train

    sales, features, stores = make_data(n_stores=3, n_depts=3, weeks=125, seed=7)
    cfg = TrainConfig(horizon=H, backtest_windows=3, num_threads=1, num_rounds=10)
    end = sales.date.max()
    champion = train(sales[sales.date <= end - pd.Timedelta(weeks=2 * H)], features, stores, cfg)
    challenger = train(sales, features, stores, cfg)
    return champion, challenger, sales, features, stores


def test_only_windows_after_the_champions_origin_are_scored_on_the_same_rows(pair):
    from forecasting.ml.metrics import wmae
    from forecasting.ml.refresh import refresh_forecast
    from forecasting.ml.rescore import rescore_on_windows

    champion, challenger, sales, features, stores = pair
    got = rescore_on_windows(champion.artifact, challenger, sales, features, stores)
    origin = champion.artifact.meta["origin"]
    # windows of 6 weeks end on the last week: the last two start at or after the champion's origin (12 weeks back)
    assert got["windows"] == [b["origin"] for b in challenger.backtest if b["origin"] >= origin]
    assert len(got["windows"]) == 2 and got["champion_origin"] == origin
    assert got["weeks"] == 2 * H
    # every observed row of those windows is one the champion forecasts (all series live): the challenger's
    # figure is its own backtest WMAE over those windows, to the float
    last = challenger.backtest[-2:]
    assert got["rows"] == sum(b["rows"] for b in last)
    w = challenger.windows[-2:]
    chosen = challenger.chosen
    y = np.concatenate([x["y"][x["obs"]] for x in w])
    hol = np.concatenate([np.asarray(x["hol"])[x["obs"]] for x in w])
    assert got["wmae"] == pytest.approx(wmae(y, np.concatenate([x["fc"][chosen][x["obs"]] for x in w]), hol))
    # the champion's figure: its refreshes from those origins, scored by hand on the actuals
    fcs = pd.concat([refresh_forecast(champion.artifact, sales, features, stores, origin=o).forecast
                     for o in got["windows"]])
    fcs["date"] = pd.to_datetime(fcs["date"])
    act = sales.assign(date=pd.to_datetime(sales["date"])).merge(fcs, on=["store", "dept", "date"])
    assert len(act) == got["rows"]
    assert got["champion_wmae"] == pytest.approx(wmae(act["sales"], act["forecast"], act["is_holiday"]))


def test_a_champion_trained_on_the_same_weeks_has_no_window_out_of_sample(pair):
    from forecasting.ml.rescore import rescore_on_windows

    _, challenger, sales, features, stores = pair
    assert rescore_on_windows(challenger.artifact, challenger, sales, features, stores) is None
