"""Training pipeline: features -> rolling-origin backtest of every candidate ->
choice -> final fit -> forecast with conformal intervals -> artifact.

Public API (used by the Django side)::

    from forecasting.ml.pipeline import (TrainConfig, train, load_artifact,
                                         save_artifact, predict_series)
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .artifact import ForecastArtifact, load_artifact, save_artifact  # noqa: F401
from .backtest import TrainingSet, window_origins
from .features import OriginState, feature_names
from .insights import global_importance
from .intervals import cross_window_coverage, fit_quantiles
from .metrics import full_metrics
from .models import (SVD_RANK, dept_groups, last_value, lgb_fit, lgb_params, mstl_forecast,
                     pooled_forecast, seasonal_naive)
from .panel import build_panel
from .prediction import predict_series  # noqa: F401

CANDIDATES = ["lightgbm", "mstl", "seasonal_svd", "ensemble"]
BASELINES = ["seasonal_naive", "last_value"]
FORMAT_VERSION = 1


@dataclass
class TrainConfig:
    horizon: int = 13
    backtest_windows: int = 4
    num_threads: int = 2
    seed: int = 0
    # LightGBM
    num_rounds: int = 150
    learning_rate: float = 0.1
    num_leaves: int = 31
    max_train_rows: int = 120_000
    # seasonal profile model
    svd_rank: int = SVD_RANK
    # per-series statsforecast model; False skips it (ensemble of the others)
    use_mstl: bool = True

    def __post_init__(self):
        if not 1 <= int(self.horizon) <= 52:
            raise ValueError("horizon must be between 1 and 52 weeks")
        if int(self.backtest_windows) < 1:
            raise ValueError("backtest_windows must be >= 1")
        if int(self.num_threads) < 1:
            raise ValueError("num_threads must be >= 1")


@dataclass
class TrainResult:
    chosen: str
    reason: str
    params: dict
    metrics: dict
    backtest: list
    importance: list
    forecast: pd.DataFrame
    artifact: ForecastArtifact
    timings: dict = field(default_factory=dict)


class _Clock:
    def __init__(self, progress):
        self.progress = progress
        self.timings = {}
        self._t = time.perf_counter()

    def step(self, frac: float, msg: str):
        if self.progress is not None:
            self.progress(float(min(max(frac, 0.0), 1.0)), msg)

    def lap(self, key: str):
        now = time.perf_counter()
        self.timings[key] = round(self.timings.get(key, 0.0) + now - self._t, 3)
        self._t = now


def _candidate_forecasts(lgb_f, mstl_f, svd_f) -> dict:
    parts = [lgb_f, svd_f] + ([mstl_f] if mstl_f is not None else [])
    return {
        "lightgbm": lgb_f,
        "mstl": mstl_f,
        "seasonal_svd": svd_f,
        "ensemble": sum(parts) / len(parts),
    }


def _short_rows(panel, o: int) -> np.ndarray:
    """Series with data at the origin but none a year earlier -> pooled forecast."""
    has = panel.first_obs <= o
    return np.flatnonzero(has & (panel.first_obs > o - 52))


def _apply_pooled(fc: dict, pooled: np.ndarray, short: np.ndarray, inactive: np.ndarray) -> None:
    for k, v in fc.items():
        if v is None:
            continue
        v = v.copy()
        v[short] = pooled
        v[inactive] = 0.0
        fc[k] = v


def train(sales: pd.DataFrame, features: pd.DataFrame | None, stores: pd.DataFrame | None,
          config: TrainConfig, progress: Callable[[float, str], None] | None = None) -> TrainResult:
    cfg = config
    H = int(cfg.horizon)
    clock = _Clock(progress)
    clock.step(0.0, "features")
    panel = build_panel(sales, features, stores)
    T = panel.T
    origins = window_origins(T, H, int(cfg.backtest_windows))
    if not origins:
        raise ValueError(f"not enough history: {T} weeks cannot hold one backtest window of {H} weeks")
    Y0 = np.nan_to_num(panel.Y)
    groups = dept_groups(panel.dept_idx)
    names = feature_names(panel.cal_names)
    cal_shift = panel.cal[:, panel.cal_names.index("calendar_shift")]
    ts = TrainingSet(panel, Y0, H, groups, cfg.svd_rank, max_rows=cfg.max_train_rows * 3,
                     seed=cfg.seed, keep_states=set(origins))
    final_o = T - 1
    final_state = OriginState(panel, Y0, final_o, H, groups, cfg.svd_rank)
    clock.lap("features")

    # --- statsforecast for every window and the final origin in one pass
    all_o = origins + [final_o]
    mstl = {o: None for o in all_o}
    if cfg.use_mstl:
        clock.step(0.1, "statsforecast")
        for j, o in enumerate(all_o):
            act = np.flatnonzero(panel.first_obs <= o)
            f = np.zeros((panel.n, H))
            f[act] = mstl_forecast(Y0[act, : o + 1], H, n_jobs=cfg.num_threads)
            mstl[o] = f
            clock.step(0.1 + 0.35 * (j + 1) / len(all_o), f"statsforecast {j + 1}/{len(all_o)}")
            if o == origins[-1]:
                clock.lap("statsforecast_backtest")
        clock.lap("statsforecast_final")

    params = lgb_params(cfg.num_threads, cfg.seed)
    params.update(learning_rate=cfg.learning_rate, num_leaves=cfg.num_leaves)
    rng = np.random.default_rng(cfg.seed)

    def fit_upto(o):
        idx = ts.upto(o)
        if len(idx) > cfg.max_train_rows:
            idx = np.sort(rng.choice(idx, cfg.max_train_rows, replace=False))
        if len(idx) < 50:
            return None
        return lgb_fit(ts.X[idx], ts.r[idx], ts.w[idx], names, params, cfg.num_rounds)

    def forecasts_at(o, state, model):
        svd_f = state.ser["base"]
        scale = state.ser["scale"][:, None]
        if model is not None:
            rh = model.predict(state.X(panel, Y0), num_threads=cfg.num_threads).reshape(panel.n, H)
            lgb_f = svd_f + scale * rh
        else:
            lgb_f = svd_f.copy()
        fc = _candidate_forecasts(lgb_f, mstl[o], svd_f)
        short = _short_rows(panel, o)
        pooled = pooled_forecast(Y0, panel.Y, o, H, groups, short, cal_shift, panel.dept_idx[short])
        inactive = np.flatnonzero(panel.first_obs > o)
        _apply_pooled(fc, pooled, short, inactive)
        return fc, short

    # --- backtest
    names_all = [c for c in CANDIDATES if c != "mstl" or cfg.use_mstl] + BASELINES
    backtest, pool_y, pool_hol = [], [], []
    pool_f = {k: [] for k in names_all}
    res_abs, res_step, res_win = {k: [] for k in names_all}, {k: [] for k in names_all}, {k: [] for k in names_all}
    for wi, o in enumerate(origins):
        clock.step(0.45 + 0.3 * wi / len(origins), f"backtest {wi + 1}/{len(origins)}")
        state = ts.states.get(o) or OriginState(panel, Y0, o, H, groups, cfg.svd_rank)
        model = fit_upto(o)
        fc, _ = forecasts_at(o, state, model)
        fc["seasonal_naive"] = seasonal_naive(Y0, o, H)
        fc["last_value"] = last_value(panel.Y, o, H)
        hz = min(H, T - 1 - o)
        actual = panel.Y[:, o + 1: o + 1 + hz]
        obs = ~np.isnan(actual)
        hol = np.broadcast_to(panel.hol[o + 1: o + 1 + hz], actual.shape)
        # interval calibration only uses series that had history at the origin
        # (a series without history is never forecast in production)
        calib = (panel.first_obs <= o)[:, None] & obs
        scale = state.ser["scale"][:, None]
        row = {"origin": panel.dates[o].date().isoformat(),
               "start": panel.dates[o + 1].date().isoformat(),
               "end": panel.dates[o + hz].date().isoformat(), "rows": int(obs.sum())}
        y = actual[obs]
        pool_y.append(y)
        pool_hol.append(hol[obs])
        for k in names_all:
            f = fc[k][:, :hz]
            row[k] = full_metrics(y, f[obs], hol[obs])
            pool_f[k].append(f[obs])
            res_abs[k].append((np.abs(actual - f) / scale)[calib])
            res_step[k].append(np.broadcast_to(np.arange(hz), actual.shape)[calib])
            res_win[k].append(np.full(int(calib.sum()), wi))
        backtest.append(row)
    clock.lap("backtest")

    y_all, hol_all = np.concatenate(pool_y), np.concatenate(pool_hol)
    metrics = {k: full_metrics(y_all, np.concatenate(pool_f[k]), hol_all) for k in names_all}
    for k in names_all:
        metrics[k]["mean_window_wmae"] = float(np.mean([b[k]["wmae"] for b in backtest]))
    cands = [c for c in CANDIDATES if c in names_all]
    chosen = min(cands, key=lambda c: metrics[c]["wmae"])
    sn = metrics["seasonal_naive"]["wmae"]
    others = ", ".join(f"{c} {metrics[c]['wmae']:.1f}" for c in cands if c != chosen)
    reason = (f"{chosen} has the lowest backtest WMAE over {len(origins)} rolling windows of {H} weeks "
              f"({metrics[chosen]['wmae']:.1f}; {others}; seasonal naive {sn:.1f}, last value "
              f"{metrics['last_value']['wmae']:.1f}; ratio to seasonal naive "
              f"{metrics[chosen]['wmae'] / sn:.3f})")

    ae = np.concatenate(res_abs[chosen])
    st = np.concatenate(res_step[chosen])
    wn = np.concatenate(res_win[chosen])
    quantiles = fit_quantiles(ae, st, H)
    cov = cross_window_coverage(ae, st, wn, H)
    metrics["coverage80"] = cov["0.8"]["coverage"]
    metrics["coverage95"] = cov["0.95"]["coverage"]
    for wi, b in enumerate(backtest):
        b["coverage80"] = cov["0.8"]["per_window"][wi] if wi < len(cov["0.8"]["per_window"]) else None
        b["coverage95"] = cov["0.95"]["per_window"][wi] if wi < len(cov["0.95"]["per_window"]) else None
    metrics["chosen"] = chosen
    clock.lap("choice")

    # --- final fit
    clock.step(0.8, "final fit")
    model = fit_upto(final_o)
    clock.lap("final_fit")
    clock.step(0.9, "forecasting")
    fc, short = forecasts_at(final_o, final_state, model)
    Xf = final_state.X(panel, Y0)
    q80 = np.asarray(quantiles["0.8"])
    q95 = np.asarray(quantiles["0.95"])
    scale = final_state.ser["scale"]
    f = fc[chosen]
    present = np.flatnonzero(~np.isnan(panel.Y[:, final_o]))
    pooled_flag = np.zeros(panel.n, bool)
    pooled_flag[short] = True
    fut = panel.ext_dates[final_o + 1: final_o + 1 + H]
    m = len(present)
    forecast = pd.DataFrame({
        "store": np.repeat(panel.keys[present, 0], H),
        "dept": np.repeat(panel.keys[present, 1], H),
        "date": np.tile(fut.to_numpy(), m),
        "forecast": f[present].ravel(),
        "lo80": (f[present] - q80[None, :] * scale[present, None]).ravel(),
        "hi80": (f[present] + q80[None, :] * scale[present, None]).ravel(),
        "lo95": (f[present] - q95[None, :] * scale[present, None]).ravel(),
        "hi95": (f[present] + q95[None, :] * scale[present, None]).ravel(),
        "pooled": np.repeat(pooled_flag[present], H),
    })
    importance = global_importance(model, names) if model is not None else []
    clock.lap("forecast")

    clock.step(0.95, "saving")
    out_params = {
        "format_version": FORMAT_VERSION,
        "horizon": H,
        "backtest_windows": len(origins),
        "backtest_origins": [panel.dates[o].date().isoformat() for o in origins],
        "strategy": "direct multi-horizon (one global model, horizon step as a feature)",
        "config": asdict(cfg),
        "lightgbm": {k: v for k, v in params.items()},
        "num_rounds": cfg.num_rounds,
        "target": "(sales - seasonal_profile) / series_scale, L1 loss weighted by scale x holiday weight",
        "ensemble": "mean of " + ", ".join(c for c in ["lightgbm", "seasonal_svd", "mstl"] if c in names_all),
        "mstl": "statsforecast MSTL(season_length=52, trend_forecaster=AutoETS('ANN'))" if cfg.use_mstl else None,
        "seasonal_svd": {"rank": cfg.svd_rank, "level_weeks": 13, "level_damp": 0.75},
        "features": names,
        "n_series": int(panel.n),
        "n_forecast_series": int(m),
        "last_date": panel.dates[final_o].date().isoformat(),
        "conformal_quantiles": quantiles,
    }
    artifact = ForecastArtifact.from_training(
        panel=panel, final_state=final_state, forecasts=fc, chosen=chosen, quantiles=quantiles,
        model=model, X_final=Xf, params=out_params, H=H, short=short)
    clock.lap("artifact")
    clock.step(1.0, "done")
    return TrainResult(chosen=chosen, reason=reason, params=out_params, metrics=metrics,
                       backtest=backtest, importance=importance, forecast=forecast,
                       artifact=artifact, timings=clock.timings)
