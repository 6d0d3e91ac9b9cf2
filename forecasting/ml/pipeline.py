"""Training pipeline: features -> rolling-origin backtest of every registered
candidate -> ensemble weights and choice -> conformal intervals (series and
aggregates) -> final fit -> forecast of every live series -> artifact.

Public API (used by the Django side): ``TrainConfig``, ``train``, ``load_artifact``, ``save_artifact``,
``predict_series``, ``refresh_forecast``, ``aggregate``.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from . import candidates as registry
from . import ensemble as ens
from . import hierarchy, intermittent, intervals
from .artifact import ForecastArtifact, load_artifact, save_artifact  # noqa: F401
from .backtest import TrainingSet, window_origins
from .candidates import Context, FitData
from .candidates.mstl import choose_refresh, moved_forecasts
from .evaluation import window_report
from .features import OriginState, feature_names
from .hierarchy import Attributes, aggregate, history_aggregate  # noqa: F401
from .metrics import HOLIDAY_WEIGHT, full_metrics
from .models import SVD_RANK, dept_groups, last_value, seasonal_naive
from .output import bounds, forecast_frame, route, run_candidates, series_frame
from .panel import build_panel
from .prediction import predict_series  # noqa: F401
from .refresh import refresh_forecast  # noqa: F401
from .status import LIVE_WEEKS, MODELLED, live_mask

BASELINES = ["seasonal_naive", "last_value"]
FORMAT_VERSION = 2


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
    # per-series statsforecast model; False skips it
    use_mstl: bool = True
    # registered candidates to run (None = all registered)
    candidates: tuple | None = None
    # a series with a sale in this many weeks before the origin is live
    live_weeks: int = LIVE_WEEKS
    # the weight of a holiday period in the error measure (training loss, backtest, ensemble, choice):
    # the workspace's setting (forecasting.models.DataSettings.holiday_weight)
    holiday_weight: float = HOLIDAY_WEIGHT

    def __post_init__(self):
        if not 1 <= int(self.horizon) <= 52:
            raise ValueError("horizon must be between 1 and 52 weeks")
        if int(self.backtest_windows) < 1:
            raise ValueError("backtest_windows must be >= 1")
        if int(self.num_threads) < 1:
            raise ValueError("num_threads must be >= 1")
        if int(self.live_weeks) < 1:
            raise ValueError("live_weeks must be >= 1")
        if not 1.0 <= float(self.holiday_weight) <= 100.0:
            raise ValueError("holiday_weight must be between 1 and 100")


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
    series: pd.DataFrame | None = None   # every series with data and its status
    windows: list = field(default_factory=list, repr=False)  # raw backtest arrays (not stored)


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


def active_candidates(config) -> list:
    cands = [c for c in registry.REGISTRY if c.enabled(config)]
    if not cands:
        raise ValueError("no candidate is enabled")
    return cands


def _mstl_refresh(wins: list, mstl_states: list, panel, Y0: np.ndarray, chosen: str, members: list,
                  ens_choice: dict, inter: dict, cfg) -> dict:
    """Whether a refresh may move MSTL's stored state instead of refitting it: the served forecast of each
    backtest window after the first, with MSTL moved from the previous window's state, against the served
    forecast as it was (MSTL refitted), on the modelled series of the window (pooled and inactive ones,
    and the classes routed to Croston, do not read MSTL)."""
    moved = moved_forecasts(mstl_states, Y0, panel.dates, int(cfg.horizon), panel.keys)
    upd, ref, ys, hols = [], [], [], []
    for k, (w, m) in enumerate(zip(wins, moved)):
        if m is None:
            continue
        rows, f = m
        keep = (w["info"]["status"][rows] == MODELLED) & ~np.isin(w["classes"][rows], inter["routed"])
        rows, f = rows[keep], f[keep, : w["hz"]]
        mstl = np.array(w["fc"]["mstl"], float, copy=True)
        mstl[rows] = np.maximum(f, w["info"]["floor"][rows, None])
        if chosen == "mstl":
            served = mstl
        elif chosen == "ensemble" and "mstl" in members:
            served = ens.combine({n: mstl if n == "mstl" else w["fc"][n] for n in members},
                                 ens_choice["per_window"][k])  # as the backtest's ensemble was
        else:
            served = w["fc"][chosen]
        obs = w["obs"][rows]
        upd.append(served[rows][obs])
        ref.append(w["fc"][chosen][rows][obs])
        ys.append(w["y"][rows][obs])
        hols.append(w["hol"][rows][obs])
    return choose_refresh(upd, ref, ys, hols, cfg.holiday_weight)


def train(sales: pd.DataFrame, features: pd.DataFrame | None, stores: pd.DataFrame | None,
          config: TrainConfig, progress: Callable[[float, str], None] | None = None,
          attributes: hierarchy.Attributes | None = None, events: pd.DataFrame | None = None,
          own: tuple[list, dict] | None = None) -> TrainResult:
    """``own``: the workspace's own covariates, ``(frames, kinds)`` (ml/own_covariates.py): features of the
    global model, recorded with the weeks their future values were assumed. ``attributes``: the locations' and items' attributes, whose grouping
    ones are hierarchy levels with their own interval tables; without them,
    the stores frame's type is the one location attribute (Walmart's layout).
    ``events``: the workspace's event days (``build_panel``); without them,
    Walmart's four holidays mark the holiday weeks."""
    cfg = config
    H, lw = int(cfg.horizon), int(cfg.live_weeks)
    clock = _Clock(progress)
    clock.step(0.0, "features")
    panel = build_panel(sales, features, stores, events, own=own)
    T = panel.T
    origins = window_origins(T, H, int(cfg.backtest_windows))
    if not origins:
        raise ValueError(f"not enough history: {T} weeks cannot hold one backtest window of {H} weeks")
    cands = active_candidates(cfg)
    members = [c.name for c in cands if c.in_ensemble]
    Y0 = np.nan_to_num(panel.Y)
    groups = dept_groups(panel.dept_idx)
    names = feature_names(panel.cal_names, panel.own)
    cal_shift = panel.cal[:, panel.cal_names.index("calendar_shift")]
    ts = TrainingSet(panel, Y0, H, groups, cfg.svd_rank, max_rows=cfg.max_train_rows * 3,
                     holiday_weight=cfg.holiday_weight,
                     seed=cfg.seed, keep_states=set(origins))
    final_o = T - 1
    final_state = OriginState(panel, Y0, final_o, H, groups, cfg.svd_rank)
    fd = FitData(panel=panel, Y0=Y0, config=cfg, feature_names=names, training_set=ts,
                 rng=np.random.default_rng(cfg.seed))
    clock.lap("features")
    cand_t = {}

    def at_origin(o, state):
        ctx = Context(panel=panel, Y0=Y0, o=o, H=H, state=state, active=live_mask(panel.Y, o, lw),
                      n_jobs=cfg.num_threads, stateful=True)
        t = time.perf_counter()
        states = {c.name: c.fit(fd, o) for c in cands}
        cand_t["fit"] = cand_t.get("fit", 0.0) + time.perf_counter() - t
        fc = run_candidates(cands, states, ctx, cand_t)
        info = route(fc, panel, Y0, o, H, groups, cal_shift, lw)
        return ctx, states, fc, info

    # --- backtest: every candidate at every window origin
    wins, mstl_states = [], []
    for wi, o in enumerate(origins):
        clock.step(0.05 + 0.7 * wi / len(origins), f"backtest {wi + 1}/{len(origins)}")
        state = ts.states.get(o) or OriginState(panel, Y0, o, H, groups, cfg.svd_rank)
        ctx, window_states, fc, info = at_origin(o, state)
        mstl_states.append(window_states.get("mstl"))
        hz = min(H, T - 1 - o)
        y = panel.Y[:, o + 1: o + 1 + hz]
        classes = intermittent.demand_classes(panel.Y, o)
        cro = np.full((panel.n, hz), np.nan)  # Croston SBA for the modelled series of the routable classes
        rows = intermittent.routable_rows(classes, intermittent.ROUTABLE)
        rows = rows[info["status"][rows] == MODELLED]
        if len(rows):
            cro[rows] = np.maximum(intermittent.croston_sba(panel.Y, o, H, rows)[:, :hz], info["floor"][rows, None])
        wins.append(dict(o=o, hz=hz, fc={k: v[:, :hz] for k, v in fc.items()}, info=info, y=y,
                         classes=np.where(info["status"] == MODELLED, classes, "none"), croston=cro,
                         obs=~np.isnan(y), hol=np.broadcast_to(panel.hol[o + 1: o + 1 + hz], y.shape),
                         scale=ctx.scale, noise=intervals.noise(Y0, o, ctx.scale),
                         turb=intervals.turbulence(panel.Y, o, H, lw)))
    clock.lap("backtest")

    # --- ensemble weights (chosen out of sample), metrics, choice
    ens_choice = ens.choose(members, [{k: w["fc"][k][w["obs"]] for k in members} for w in wins],
                            [w["y"][w["obs"]] for w in wins], [w["hol"][w["obs"]] for w in wins],
                            cfg.holiday_weight)
    for k, w in enumerate(wins):
        w["fc"]["ensemble"] = ens.combine({m: w["fc"][m] for m in members}, ens_choice["per_window"][k])
        w["fc"]["seasonal_naive"] = seasonal_naive(Y0, w["o"], H)[:, : w["hz"]]
        w["fc"]["last_value"] = last_value(panel.Y, w["o"], H)[:, : w["hz"]]
    names_all = [c.name for c in cands] + ["ensemble"] + BASELINES
    backtest = [{"origin": panel.dates[w["o"]].date().isoformat(), "start": panel.dates[w["o"] + 1].date().isoformat(),
                 "end": panel.dates[w["o"] + w["hz"]].date().isoformat(), "rows": int(w["obs"].sum())} for w in wins]
    y_all = np.concatenate([w["y"][w["obs"]] for w in wins])
    hol_all = np.concatenate([w["hol"][w["obs"]] for w in wins])
    metrics = {}

    def score(k):
        for b, w in zip(backtest, wins):
            obs = w["obs"]
            b[k] = full_metrics(w["y"][obs], w["fc"][k][obs], w["hol"][obs], cfg.holiday_weight)
        metrics[k] = full_metrics(y_all, np.concatenate([w["fc"][k][w["obs"]] for w in wins]), hol_all,
                                  cfg.holiday_weight)
        metrics[k]["mean_window_wmae"] = float(np.mean([b[k]["wmae"] for b in backtest]))

    for k in names_all:
        score(k)
    choices = [c.name for c in cands] + (["ensemble"] if len(members) > 1 else [])
    chosen = min(choices, key=lambda c: metrics[c]["wmae"])
    # intermittent demand: per class, Croston SBA where it beats the chosen model on the backtest; the
    # chosen model's figures are then those of what is served (its forecast with the routed classes')
    inter = intermittent.choose(wins, chosen, cfg.holiday_weight)
    if inter["routed"]:
        for w in wins:
            rows = intermittent.routable_rows(w["classes"], inter["routed"])
            w["fc"][chosen] = np.array(w["fc"][chosen], float, copy=True)
            w["fc"][chosen][rows] = w["croston"][rows]
        score(chosen)
    sn = metrics["seasonal_naive"]["wmae"]
    others = ", ".join(f"{c} {metrics[c]['wmae']:.1f}" for c in choices if c != chosen)
    reason = (f"{chosen} has the lowest backtest WMAE over {len(origins)} rolling windows of {H} weeks "
              f"({metrics[chosen]['wmae']:.1f}; {others}; seasonal naive {sn:.1f}, last value "
              f"{metrics['last_value']['wmae']:.1f}; ratio to seasonal naive "
              f"{metrics[chosen]['wmae'] / sn:.3f})")
    if inter["routed"]:
        by = inter["by_class"]
        figures = "; ".join(f"{c}: {by[c]['croston_wmae']:.1f} vs {by[c]['model_wmae']:.1f}"
                            for c in inter["routed"])
        reason += (f"; {' and '.join(inter['routed'])} series forecast by Croston SBA, lower backtest WMAE on "
                   f"them ({figures})")
    metrics["ensemble_weights"] = ens_choice

    # --- intervals: calibrated on all windows; reported leave-one-window-out
    rep = window_report(panel, wins, chosen, lw)
    imodel = rep["model"]
    for b, r in zip(backtest, rep["windows"]):
        b.update(r)
    metrics.update(rep["summary"])
    attrs = attributes if attributes is not None else hierarchy.Attributes.from_stores(stores)
    hscores = hierarchy.window_scores(panel, [dict(o=w["o"], f=w["shown"], y=w["y"], bounds=w["bounds"])
                                              for w in wins], attrs)
    hq = hierarchy.fit_quantiles(hscores, H)
    metrics["hierarchy"] = hierarchy.coverage(hscores, H)
    metrics["chosen"] = chosen
    clock.lap("choice")

    # --- final fit and forecast of every live series
    clock.step(0.8, "final fit")
    ctx, states, fc, info = at_origin(final_o, final_state)
    if states.get("mstl") is not None:  # how a refresh moves MSTL: its state updated, or refitted
        mstl_refresh = _mstl_refresh(wins, mstl_states, panel, Y0, chosen, members, ens_choice, inter, cfg)
        states["mstl"].refresh = mstl_refresh["mode"]
    clock.lap("final_fit")
    clock.step(0.9, "forecasting")
    fc["ensemble"] = ens.combine({m: fc[m] for m in members}, ens_choice["weights"])
    classes = intermittent.demand_classes(panel.Y, final_o)
    fc[chosen] = intermittent.apply(fc[chosen], panel.Y, final_o, H, classes, inter["routed"],
                                    keep=info["status"] != MODELLED)
    f = np.maximum(fc[chosen], info["floor"][:, None])
    fc["ensemble"] = np.maximum(fc["ensemble"], info["floor"][:, None])
    seg_h = panel.hol[final_o + 1: final_o + 1 + H].astype(int)
    noise = intervals.noise(Y0, final_o, ctx.scale)
    bucket = intervals.bucket_of(noise, imodel["edges"])
    turb = intervals.turbulence(panel.Y, final_o, 52, lw)
    bnd = bounds(f, ctx.scale, info["floor"], imodel, seg_h, bucket, turb)
    forecast = forecast_frame(panel, final_o, f, bnd, info["status"])
    series = series_frame(panel, final_o, info["status"])
    importance = []
    for c in cands:
        importance = importance or c.importance(states.get(c.name))
    clock.lap("forecast")

    clock.step(0.95, "saving")
    status_counts = {s: int((info["status"] == s).sum()) for s in ("modelled", "pooled", "inactive")}
    out_params = {
        "format_version": FORMAT_VERSION,
        "horizon": H,
        "backtest_windows": len(origins),
        "backtest_origins": [panel.dates[o].date().isoformat() for o in origins],
        "config": asdict(cfg),
        "candidates": {c.name: {"label": c.label, **c.params(cfg)} for c in cands},
        "ensemble": {"members": members, "method": ens_choice["method"], "weights": ens_choice["weights"],
                     "out_of_sample_wmae": ens_choice["oos"]},
        "features": names,
        "n_series": int(panel.n),
        "n_forecast_series": int(status_counts["modelled"] + status_counts["pooled"]),
        "status_counts": status_counts,
        "live_weeks": lw,
        "last_date": panel.dates[final_o].date().isoformat(),
        "intervals": imodel,
        "hierarchy": {"method": "bottom_up", "quantiles": hq},
        "intermittent": {**inter, "classes": intermittent.class_counts(classes, info["status"] == MODELLED)},
        "mstl_refresh": mstl_refresh if states.get("mstl") is not None else None,
        # where its holiday weeks came from: a refresh reads the same kind of calendar (ml/refresh.py)
        "holidays": "walmart" if events is None else "events",
    }
    if panel.own is not None:  # the retailer's own covariates, as the engine for any frequency records them
        out_params.update(covariates=panel.own.kinds, assumed=panel.own.assumed(H))
    if events is not None:  # the weeks live scoring weighs as holidays, as the backtest did
        holiday_weeks = panel.ext_dates[panel.hol[: len(panel.ext_dates)]]
        out_params["holiday_periods"] = [d.date().isoformat() for d in holiday_weeks]
    artifact = ForecastArtifact.from_training(
        panel=panel, final_state=final_state, forecasts=fc, chosen=chosen, candidates=cands, states=states,
        params=out_params, H=H, status=info["status"], floor=info["floor"], noise=noise, turb=turb, X_final=ctx.X())
    clock.lap("artifact")
    clock.timings.update({f"candidate_{k}": round(v, 3) for k, v in cand_t.items()})
    clock.step(1.0, "done")
    return TrainResult(chosen=chosen, reason=reason, params=out_params, metrics=metrics,
                       backtest=backtest, importance=importance, forecast=forecast,
                       artifact=artifact, timings=clock.timings, series=series, windows=wins)
