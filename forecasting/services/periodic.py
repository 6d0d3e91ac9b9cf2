"""Training of a workspace that plans by day or by month (issue 17 item 2, issue 18): the engine for any
planning frequency (forecasting/ml/periodic/) on the workspace's tables, and what the registration of a
version reads from it (``Trained``: the same names as the weekly pipeline's ``TrainResult``).

The engine chooses between its global LightGBM model and the seasonal naive rule by the backtest's MAE;
the version's figures are the product's measure, WMAE with the workspace's holiday weight on the periods
that hold one of its events (national or the location's own), on the same windows.

A large workspace is trained by partitions of its series (issue 20, docs/scale.md): about
``ML_PARTITION_SERIES`` series each, in this process below ``ML_DASK_MIN_SERIES`` series, and from it on the
cluster at ``DASK_SCHEDULER_ADDRESS`` when that is set, otherwise on a LocalCluster of worker processes
started for the job; the results are the same wherever the partitions ran."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings

from forecasting.ml import executor
from forecasting.ml.metrics import full_metrics
from forecasting.ml.periodic import engine, partitions
from forecasting.ml.periodic.accuracy_by import backtest_wape_by
from forecasting.ml.periodic.artifact import PeriodicArtifact, load
from forecasting.ml.periodic.refresh import refresh
from forecasting.ml.periods import period_start
from forecasting.selectors.periodic import PeriodicInputs, periodic_inputs

ENGINE = "periodic"


@dataclass
class Trained:
    chosen: str
    reason: str
    params: dict
    metrics: dict
    backtest: list
    importance: list
    forecast: pd.DataFrame  # store, dept, date, forecast, lo80..hi95, pooled, status
    artifact: PeriodicArtifact
    timings: dict = field(default_factory=dict)
    backtest_by: dict = field(default_factory=dict)  # the chosen model's backtest WAPE by location and item id


def _holiday_flags(events: pd.DataFrame | None, freq: str, keys: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """(series, periods) True where the period holds an event of the series' location."""
    hol = np.zeros((len(keys), len(dates)), dtype=bool)
    if events is None or not len(events):
        return hol
    periods = period_start(pd.to_datetime(events["date"]), freq)
    cells = set(zip(events["location"].astype(str), periods))
    locs = keys["location"].to_numpy()
    for j, d in enumerate(dates):
        hol[:, j] = [(loc, d) in cells for loc in locs]
    return hol


def _scores(result: engine.Result, inputs: PeriodicInputs, freq: str, weight: float) -> tuple[list, dict]:
    present = [c for c in engine.CANDIDATES if all(c in w["f"] for w in result.windows)]
    backtest, ys, hs, fs = [], [], [], {c: [] for c in present}
    for b, w in zip(result.backtest, result.windows):
        obs = ~np.isnan(w["y"])
        hol = _holiday_flags(inputs.events, freq, w["keys"], w["dates"])
        row = {"origin": b["origin"], "start": b["start"], "end": b["end"], "rows": int(obs.sum())}
        for c in present:
            row[c] = full_metrics(w["y"][obs], w["f"][c][obs], hol[obs], weight)
            fs[c].append(w["f"][c][obs])
        ys.append(w["y"][obs])
        hs.append(hol[obs])
        backtest.append(row)
    metrics = {}
    for c in present:
        metrics[c] = full_metrics(np.concatenate(ys), np.concatenate(fs[c]), np.concatenate(hs), weight)
        metrics[c]["mean_window_wmae"] = float(np.mean([b[c]["wmae"] for b in backtest]))
    return backtest, metrics


def _forecast(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.rename(columns={"location": "store", "item": "dept"}).copy()
    out["store"] = out["store"].astype("int64")
    out["dept"] = out["dept"].astype("int64")
    out["date"] = pd.to_datetime(out["date"])
    out["pooled"] = False
    out["status"] = "modelled"
    return out


def series_count(history: pd.DataFrame) -> int:
    return len(history[[c for c in ("location", "item") if c in history]].drop_duplicates())


def periodic_executor(*, series: int):
    """Where the partitions of a training over ``series`` series run (forecasting/ml/executor.py): this
    process below ``ML_DASK_MIN_SERIES`` series; from it, the cluster at ``DASK_SCHEDULER_ADDRESS`` when it is
    set, otherwise a LocalCluster of worker processes. Close it (``with``) when the training ends."""
    return executor.choose(series=series, min_series=settings.ML_DASK_MIN_SERIES,
                           address=settings.DASK_SCHEDULER_ADDRESS or None, workers=settings.ML_DASK_WORKERS or None)


def periodic_train(inputs: PeriodicInputs, *, freq: str, horizon: int, windows: int, num_threads: int,
                   holiday_weight: float) -> Trained:
    config = engine.Config(freq=freq, horizon=horizon, windows=windows, num_threads=num_threads)
    series = series_count(inputs.history)
    parts = partitions.count(series, settings.ML_PARTITION_SERIES)
    with periodic_executor(series=series) as ex:
        result = engine.train(inputs.history, config, label="start", parts=parts, executor=ex,
                              **inputs.engine_kwargs())
        ran_on = ex.name
    backtest, metrics = _scores(result, inputs, freq, holiday_weight)
    chosen = result.chosen
    metrics.update({"chosen": chosen, "coverage80": result.coverage.get("80"),
                    "coverage95": result.coverage.get("95"), "intermittent": result.metrics.get("intermittent"),
                    "wape": {c: result.metrics[c].get("wape") for c in engine.CANDIDATES if c in result.metrics}})
    params = {"engine": ENGINE, "frequency": freq, "assumed": result.assumed, "partitions": parts, "executor": ran_on,
              "covariates": inputs.kinds, "routed": list(result.model.routed),
              "status_counts": {"modelled": int(result.forecast[["location", "item"]].drop_duplicates().shape[0])}}
    return Trained(chosen=chosen, reason=result.reason, params=params, metrics=metrics, backtest=backtest,
                   importance=result.importance, forecast=_forecast(result.forecast),
                   artifact=PeriodicArtifact(result.model), timings=result.timings,
                   backtest_by=backtest_wape_by(result.windows, chosen))


def periodic_refresh(artifact_path: str) -> tuple[str, pd.DataFrame]:
    """(origin, forecast frame) of the fitted model from the newest period of the workspace's data: no fit
    (forecasting/ml/periodic/refresh.py). The version's own file serves on; nothing new is written."""
    inputs = periodic_inputs()
    if not len(inputs.history):
        raise ValueError("there are no sales to forecast from")
    done = refresh(load(artifact_path), inputs.history, **inputs.engine_kwargs())
    return done.origin, _forecast(done.forecast)
