"""Backtest, choice, bands and the final forecast of the engine for any planning frequency.

Rolling origins: ``windows`` windows of ``horizon`` periods ending on the last period. At each origin the
global LightGBM model (fitted on the training rows whose target is at or before the origin) and the
seasonal naive baseline forecast every series; the error is measured on the periods with a value only (a
closed period is not a miss) and the model with the lower MAE over all windows is chosen. Bands are split
conformal: quantiles of the scaled errors of the chosen model per horizon bucket over the windows (their
coverage reported leave one window out). The final model is fitted on every row and forecasts from the
last period; a known closure forecasts 0 with a zero-width band."""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import intermittent
from ..executor import InProcess
from ..models import lgb_fit, lgb_params
from . import partitions, steps
from .features import Rows, scale_at
from .forecast import (
    LEVELS,
    MIN_SEGMENT_ERRORS,
    SEGMENTS,
    Config,
    Model,
    _band,
    forecast_from,
    live,
    seasonal_naive,
    segment_edges,
    segment_of,
    served,
)
from .seasons import seasons_of

CANDIDATES = ("lightgbm", "seasonal_naive")


@dataclass
class Result:
    chosen: str
    reason: str
    forecast: pd.DataFrame
    backtest: list
    metrics: dict
    coverage: dict
    assumed: dict
    importance: list
    timings: dict = field(default_factory=dict)
    windows: list = field(default_factory=list, repr=False)  # raw arrays per window (for benches)
    model: Model | None = field(default=None, repr=False)


def _params(cfg: Config) -> dict:
    p = lgb_params(cfg.num_threads, cfg.seed)
    p.update({"objective": "l2", "learning_rate": cfg.learning_rate, "num_leaves": cfg.num_leaves,
              "min_data_in_leaf": cfg.min_data_in_leaf})
    return p


def _fit(rows: Rows, upto: int, names: list, cfg: Config):
    sel = rows.upto(upto)
    if not len(sel):
        return None
    return lgb_fit(rows.X[sel], rows.r[sel], rows.w[sel], names, _params(cfg), cfg.num_rounds)


def _score(y: np.ndarray, f: np.ndarray) -> dict:
    obs = ~np.isnan(y)
    e = np.abs(y[obs] - f[obs])
    total = np.abs(y[obs]).sum()
    return {"n": int(obs.sum()), "mae": float(e.mean()) if obs.any() else None,
            "wape": float(e.sum() / total) if total > 0 else None}


def _quantiles(resid: list, buckets: np.ndarray, segments: list | None = None, n_segments: int = 1) -> dict:
    """Per level, (n_segments, n_buckets, 2) lower/upper quantiles of the scaled errors pooled over ``resid``
    windows, per volume segment (``segments``: each window's (n,) segment of each series) and horizon bucket;
    a segment and bucket with too few errors takes the bucket's pooled quantiles."""
    nb = int(buckets.max()) + 1
    segments = segments or [np.zeros(r.shape[0], dtype=int) for r in resid]
    out = {}
    for level, (lo, hi) in LEVELS.items():
        q = np.zeros((n_segments, nb, 2))
        for b in range(nb):
            parts = [(r[:, buckets == b], g) for r, g in zip(resid, segments)]
            pooled = np.concatenate([e[~np.isnan(e)] for e, _ in parts])
            base = np.quantile(pooled, [lo, hi]) if len(pooled) else np.zeros(2)
            for k in range(n_segments):
                if n_segments == 1:
                    q[k, b] = base
                    continue
                e = np.concatenate([e[g == k][~np.isnan(e[g == k])] for e, g in parts])
                q[k, b] = np.quantile(e, [lo, hi]) if len(e) >= MIN_SEGMENT_ERRORS else base
        out[level] = q
    return out


def train(history: pd.DataFrame, config: Config, *, label: str = "start", events=None, locations=None,
          items=None, covariates=None, kinds=None, closures=None, parts: int = 1, executor=None) -> Result:
    """``history``, ``events``, ``locations``, ``items``, ``covariates`` / ``kinds``, ``closures``: see
    ``grid.build_grid``. ``parts``: the partitions of the series (periodic/partitions.py), each built and
    forecast on its own by ``executor`` (forecasting/ml/executor.py; None: in this process); one global
    model per window, fitted here on the partitions' stratified sample. One partition: today's results. The
    partitions' grids are kept between the steps in a temporary folder, removed when the training ends."""
    ex = executor or InProcess()
    cache = tempfile.mkdtemp(prefix="periodic-grids-")
    try:
        return _train(history, config, label=label, parts=parts, ex=ex, cache=cache,
                      inputs={"events": events, "locations": locations, "items": items, "covariates": covariates,
                              "kinds": kinds, "closures": closures})
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if not ex.local:
            ex.everywhere(shutil.rmtree, cache, True)


def _train(history: pd.DataFrame, config: Config, *, label: str, parts: int, ex, cache: str, inputs: dict) -> Result:
    cfg = config
    s, H = seasons_of(cfg.freq), int(cfg.horizon)
    clock = {"start": time.perf_counter()}
    pieces, spec = partitions.split(history, parts=parts, freq=cfg.freq, future=H, label=label, **inputs)
    handles = ex.put(p if ex.local else p.alone() for p in pieces)  # shipped: each partition's own rows only
    del pieces
    samples = ex.map(steps.sample, handles, spec=spec, cfg=cfg, cache=cache)
    first = samples[0]
    T, names, dates, ext = first["T"], first["names"], first["dates"], first["ext_dates"]
    if any(p["names"] != names or p["T"] != T for p in samples):
        raise ValueError("the partitions' features differ; the inputs of one partition are not those of another")
    origins = [T - 1 - k * H for k in range(cfg.windows, 0, -1) if T - 1 - k * H >= s.level]
    if not origins:
        raise ValueError(f"not enough history: {T} periods cannot hold one backtest window of {H}")
    rows = samples[0]["rows"] if len(samples) == 1 else Rows.joined([p["rows"] for p in samples])
    assumed = {k: int(np.logical_and.reduce([p["unset"][k] for p in samples]).sum()) for k in first["unset"]}
    del samples
    clock["features"] = time.perf_counter()
    models = [_fit(rows, o, names, cfg) for o in origins]
    done = ex.map(steps.backtest, handles, spec=spec, cfg=cfg, origins=origins, cache=cache,
                  boosters=[m.model_to_string() if m is not None else None for m in models])
    keys, wins = steps.joined_windows(done, origins)
    clock["backtest"] = time.perf_counter()
    present = [c for c in CANDIDATES if all(c in w["f"] for w in wins)]
    backtest = []
    for w in wins:
        backtest.append({"origin": dates[w["o"]].date().isoformat(),
                         "start": dates[w["o"] + 1].date().isoformat(),
                         "end": dates[w["o"] + H].date().isoformat(),
                         **{c: _score(w["y"], w["f"][c]) for c in present}})
    y_all = np.concatenate([w["y"].ravel() for w in wins])
    metrics = {c: _score(y_all, np.concatenate([w["f"][c].ravel() for w in wins])) for c in present}
    for c in present:
        metrics[c]["mean_window_wape"] = float(np.mean([b[c]["wape"] for b in backtest]))
    chosen = min(present, key=lambda c: metrics[c]["mae"])
    others = ", ".join(f"{c} {metrics[c]['wape']:.4f}" for c in present if c != chosen)
    reason = (f"{chosen} has the lowest backtest error over {len(wins)} rolling windows of {H} periods "
              f"(WAPE {metrics[chosen]['wape']:.4f}; {others})")
    inter = _intermittent(wins, chosen)
    if inter["routed"]:  # the chosen model's figures are those of what is served
        for b, w in zip(backtest, wins):
            b[chosen] = _score(w["y"], w["f"][chosen])
        metrics[chosen] = {**_score(y_all, np.concatenate([w["f"][chosen].ravel() for w in wins])),
                           "mean_window_wape": float(np.mean([b[chosen]["wape"] for b in backtest]))}
        figures = "; ".join(f"{c}: MAE {inter['by_class'][c]['croston_wmae']:.2f} vs "
                            f"{inter['by_class'][c]['model_wmae']:.2f}" for c in inter["routed"])
        reason += f"; {' and '.join(inter['routed'])} series forecast by Croston SBA, lower backtest error ({figures})"
    buckets = s.bucket_of(np.arange(1, H + 1))
    resid = [(w["y"] - w["f"][chosen]) / w["scale"][:, None] for w in wins]
    edges = segment_edges([w["scale"] for w in wins])
    segs = [segment_of(w["scale"], edges) for w in wins]
    n_seg = len(edges) + 1
    coverage = {level: {"inside": 0, "n": 0} for level in LEVELS}
    for k, w in enumerate(wins):
        others = [j for j in range(len(wins)) if j != k] or list(range(len(wins)))
        q = _quantiles([resid[j] for j in others], buckets, [segs[j] for j in others], n_seg)
        for level in LEVELS:
            lo, hi = _band(w["f"][chosen], w["scale"], q[level], buckets, w["closed"], segment=segs[k])
            obs = ~np.isnan(w["y"])
            coverage[level]["inside"] += int(((w["y"] >= lo - 1e-9) & (w["y"] <= hi + 1e-9) & obs).sum())
            coverage[level]["n"] += int(obs.sum())
    coverage = {lv: c["inside"] / c["n"] if c["n"] else None for lv, c in coverage.items()}
    clock["choice"] = time.perf_counter()
    final = _fit(rows, T - 1, names, cfg) if chosen == "lightgbm" else None
    model = Model(config=cfg, chosen=chosen, booster=None, quantiles=_quantiles(resid, buckets, segs, n_seg),
                  routed=list(inter["routed"]), features=names, origin=dates[T - 1], label=label, edges=edges)
    served_parts = ex.map(steps.final, handles, spec=spec, model=model, cache=cache,
                          booster=final.model_to_string() if final is not None else None)
    frame, classes, alive = steps.joined_final(served_parts)
    model.booster = final
    importance = []
    if final is not None:
        gain = final.feature_importance("gain")
        importance = sorted(({"feature": n, "gain": float(g)} for n, g in zip(names, gain)),
                            key=lambda d: -d["gain"])
    clock["final"] = time.perf_counter()
    stamps = list(clock.items())
    timings = {k: round(t - stamps[i][1], 3) for i, (k, t) in enumerate(stamps[1:])}
    metrics["intermittent"] = {**inter, "classes": intermittent.class_counts(classes, alive)}
    return Result(chosen=chosen, reason=reason, forecast=frame, backtest=backtest, metrics=metrics,
                  coverage=coverage, assumed=assumed, importance=importance, timings=timings,
                  windows=[{**w, "dates": ext[w["o"] + 1: w["o"] + 1 + H], "keys": keys} for w in wins], model=model)


def _intermittent(wins: list, chosen: str) -> dict:
    """Intermittent and lumpy series against Croston SBA per class on the backtest's open periods (the
    windows' ``croston_windows``); a class where Croston's error is lower is routed, and each window's
    ``chosen`` forecast becomes what would have been served (its scores, bands and the choice's figures
    read it)."""
    out = intermittent.choose([{**w, "fc": w["f"]} for w in wins], chosen, 1.0)
    for w in wins:
        rows = intermittent.routable_rows(w["classes"], out["routed"])
        if len(rows):
            w["f"][chosen] = np.array(w["f"][chosen], copy=True)
            w["f"][chosen][rows] = w["croston"][rows]
    return out


__all__ = ["Config", "Model", "Result", "train", "forecast_from", "served", "seasonal_naive", "scale_at", "live",
           "LEVELS", "SEGMENTS", "MIN_SEGMENT_ERRORS", "segment_edges", "segment_of"]
