"""Issue 20 items 1-2: the engine for any planning frequency trained by partitions of series, in this process or
as Dask tasks on a real LocalCluster of worker processes, gives the same forecasts, backtest errors and
choice wherever the partitions ran; one partition is the engine as it was before partitions (its forecasts,
written by that engine, in data/periodic_partition_golden.csv)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.ml import executor
from forecasting.ml.periodic import engine, partitions
from tests.support.partition_data import retailer

CONFIG = dict(freq="D", horizon=14, windows=2, num_rounds=60, num_threads=1, max_rows=60_000, seed=0)
GOLDEN = Path(__file__).parent / "data" / "periodic_partition_golden.csv"


@pytest.fixture(scope="module")
def data():
    return retailer()


def _train(data, parts, ex=None, **config):
    history, kw = data
    return engine.train(history, engine.Config(**{**CONFIG, **config}), parts=parts, executor=ex, **kw)


def _assert_same(a: engine.Result, b: engine.Result, tol: float = 1e-9) -> None:
    assert a.chosen == b.chosen and a.reason == b.reason
    pd.testing.assert_frame_equal(a.forecast, b.forecast, check_exact=False, rtol=0, atol=tol)
    for x, y in zip(a.backtest, b.backtest):
        for c in engine.CANDIDATES:
            assert x[c]["n"] == y[c]["n"]
            assert x[c]["mae"] == pytest.approx(y[c]["mae"], rel=0, abs=tol)
    for x, y in zip(a.windows, b.windows):
        for c in engine.CANDIDATES:
            np.testing.assert_allclose(x["f"][c], y["f"][c], rtol=0, atol=tol)
    assert a.coverage == pytest.approx(b.coverage, abs=tol)
    assert a.assumed == b.assumed


def test_one_partition_is_the_engine_as_it_was_before_partitions(data):
    res = _train(data, parts=1)
    golden = pd.read_csv(GOLDEN, parse_dates=["date"], float_precision="round_trip")
    got = res.forecast.assign(date=pd.to_datetime(res.forecast["date"]))
    assert list(got.columns) == list(golden.columns) and len(got) == len(golden) == 24 * 14
    assert (got[["location", "item"]].to_numpy() == golden[["location", "item"]].to_numpy()).all()
    for col in ("forecast", "lo80", "hi80", "lo95", "hi95"):
        assert np.array_equal(got[col].to_numpy(), golden[col].to_numpy()), col  # bit for bit
    assert res.chosen == "lightgbm"


def test_a_series_partition_is_stable_and_every_partition_reads_the_whole_grid_s_periods_and_codes(data):
    history, kw = data
    keys = history[["location", "item"]].drop_duplicates(ignore_index=True)
    of = partitions.assign(keys, 5)
    # a series' partition depends on its key only: the same when other series are left out
    assert (partitions.assign(keys.iloc[::2], 5) == of[::2]).all()
    assert set(of) == set(range(5))
    pieces, spec = partitions.split(history, parts=5, freq="D", future=14, **kw)
    assert all(p.history is history for p in pieces)  # in this process a partition reads the caller's frames
    alone = [p.alone() for p in pieces]  # what is shipped to another process: its own rows only
    assert sum(len(p.history) for p in alone) == len(history)
    assert sum(len(p.covariates[0]) for p in alone) == len(kw["covariates"][0])  # the promotions by series
    for p, mine in zip(pieces, alone):  # by item: the prices of the partition's items; its closures
        assert set(mine.covariates[1]["item"]) == p.items
        assert set(mine.closures["location"]) <= p.locations and mine.events is kw["events"]
    assert sum(p.share for p in pieces) == pytest.approx(1.0)
    first = [partitions.grid_of(p, spec) for p in pieces]
    assert all(g.dates.equals(first[0].dates) and g.ext_dates.equals(first[0].ext_dates) for g in first)
    # a category has one code in every partition: that of the grid of every series
    assert spec.items["family"].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert partitions.count(24, 10) == 3 and partitions.count(24, 0) == 1


def test_partitions_forecast_every_series_once_and_its_seasonal_rule_as_the_whole_grid_does(data):
    one, five = _train(data, parts=1), _train(data, parts=5)
    assert five.forecast[["location", "item", "date"]].equals(one.forecast[["location", "item", "date"]])
    for a, b in zip(one.windows, five.windows):  # the per-series rule does not depend on the partitions
        assert np.array_equal(a["f"]["seasonal_naive"], b["f"]["seasonal_naive"], equal_nan=True)
        assert np.array_equal(a["y"], b["y"], equal_nan=True)
    assert five.assumed == one.assumed
    # the global model sees a sample of about the same size, drawn per partition
    wape = {k: r.metrics["lightgbm"]["wape"] for k, r in (("one", one), ("five", five))}
    assert wape["five"] == pytest.approx(wape["one"], rel=0.1)


def test_partitions_in_this_process_and_on_the_same_executor_twice_give_the_same_result(data):
    _assert_same(_train(data, parts=4), _train(data, parts=4, ex=executor.InProcess()), tol=0.0)


@pytest.mark.slow
def test_partitions_on_a_local_cluster_of_worker_processes_equal_the_run_in_this_process(data):
    here = _train(data, parts=4)
    with executor.local_cluster(2, threads_per_worker=1) as ex:
        assert ex.name == "dask-local" and ex.workers == 2
        pids = set(ex.client.run(os.getpid).values())
        there = _train(data, parts=4, ex=ex)
    assert len(pids) == 2 and os.getpid() not in pids  # two other processes did the work
    _assert_same(here, there)
    assert here.model.booster.model_to_string() == there.model.booster.model_to_string()


def test_a_partition_whose_series_have_no_covariate_value_nor_event_of_their_own_still_has_those_features(data):
    history, kw = data
    promo = kw["covariates"][0]
    sparse = {**kw, "covariates": [promo[promo["location"].isin(["ST-01", "ST-02"])], kw["covariates"][1]],
              "events": kw["events"][kw["events"]["location"] == "ST-03"]}
    config = engine.Config(**{**CONFIG, "num_rounds": 30})
    one, six = (engine.train(history, config, parts=p, **sparse) for p in (1, 6))
    assert len(six.forecast) == len(one.forecast) and six.assumed == one.assumed
    assert [i["feature"] for i in six.importance if i["feature"] in ("event", "promo")] != []
    assert np.array_equal(one.windows[0]["f"]["seasonal_naive"], six.windows[0]["f"]["seasonal_naive"])
