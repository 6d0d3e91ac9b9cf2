"""Forecast refresh without retraining.

When new weeks arrive, the trained model forecasts from the newest week: the
panel is rebuilt from the new history, the features are anchored at the new
origin, every candidate of the model forecasts with its *stored* state (no new
LightGBM fit; the per-series statistical model MSTL moves its stored level over
the new weeks when its training chose so on the backtest, else it is re-run per
series, candidates/mstl.py), and the stored ensemble
weights, interval tables and hierarchy tables apply unchanged.  Statuses and
floors are recomputed at the new origin, so a series that came alive since
training is forecast (pooled when it is young).
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import candidates as registry
from . import intermittent, intervals
from .artifact import ForecastArtifact
from .ensemble import combine
from .features import OriginState
from .models import dept_groups
from .output import bounds, forecast_frame, route, run_candidates, series_frame
from .panel import build_panel
from .status import MODELLED, live_mask


@dataclass
class RefreshResult:
    origin: str
    forecast: pd.DataFrame        # same columns as TrainResult.forecast
    series: pd.DataFrame          # every series with data and its status
    artifact: ForecastArtifact    # the model with its state moved to the new origin
    timings: dict = field(default_factory=dict)


def refresh_forecast(artifact: ForecastArtifact, sales: pd.DataFrame, features: pd.DataFrame | None = None,
                     stores: pd.DataFrame | None = None, origin=None, num_threads: int = 1,
                     events: pd.DataFrame | None = None, own: tuple[list, dict] | None = None) -> RefreshResult:
    """Forecast every live series from the newest week of ``sales`` (or from
    ``origin``: rows after it are ignored) with the trained model; ``events``:
    the workspace's event days (``build_panel``), used when the model was
    trained with the workspace's events (``params["holidays"]``), else its
    weeks stay Walmart's four holidays' until the next training. ``own``: the workspace's own covariate frames
    (``(frames, kinds)``); the model reads the ones it was trained with, in its order and kinds."""
    t0 = time.perf_counter()
    tm = {}
    art = artifact
    meta = art.meta
    H = art.horizon
    s = sales
    if origin is not None:
        s = s[pd.to_datetime(s["date"]) <= pd.Timestamp(origin)]
    if meta["params"].get("holidays", "walmart") == "walmart":
        events = None  # trained on Walmart's four holidays (or before events existed): its features stay so
    trained = meta.get("own_covariates") or {}
    panel = build_panel(s, features, stores, events, own=(own[0] if own else [], trained) if trained else None)
    if list(panel.cal_names) != list(meta["cal_names"]):
        raise ValueError("calendar features differ from the trained model's; retrain the model")
    if panel.dates[-1] < pd.Timestamp(meta["origin"]):
        raise ValueError(f"history ends {panel.dates[-1].date()}, before the model's origin {meta['origin']}")
    o = panel.T - 1
    cfg = meta["params"]["config"]
    lw = int(meta.get("live_weeks", 52))
    Y0 = np.nan_to_num(panel.Y)
    groups = dept_groups(panel.dept_idx)
    state = OriginState(panel, Y0, o, H, groups, int(cfg["svd_rank"]))
    tm["features"] = time.perf_counter() - t0
    cands = []
    for name in meta["candidates"]:
        c = registry.get(name)
        if c is None:
            raise LookupError(f"candidate {name!r} of this model is not registered in this process")
        cands.append(c)
    states = {c.name: art.state(c.name) for c in cands}
    ctx = registry.Context(panel=panel, Y0=Y0, o=o, H=H, state=state, active=live_mask(panel.Y, o, lw),
                           n_jobs=int(num_threads), stateful=True)
    cand_t = {}
    fc = run_candidates(cands, states, ctx, cand_t)
    tm.update({f"candidate_{k}": v for k, v in cand_t.items()})
    t = time.perf_counter()
    cal_shift = panel.cal[:, panel.cal_names.index("calendar_shift")]
    info = route(fc, panel, Y0, o, H, groups, cal_shift, lw)
    e = meta["ensemble"]
    fc["ensemble"] = np.maximum(combine({m: fc[m] for m in e["members"]}, e["weights"]), info["floor"][:, None])
    inter = meta["params"].get("intermittent") or {}  # the classes routed to Croston SBA at training
    classes = intermittent.demand_classes(panel.Y, o)
    fc[art.chosen] = intermittent.apply(fc[art.chosen], panel.Y, o, H, classes, inter.get("routed"),
                                        keep=info["status"] != MODELLED)
    f = fc[art.chosen]
    imodel = meta["intervals"]
    noise = intervals.noise(Y0, o, ctx.scale)
    seg_h = panel.hol[o + 1: o + 1 + H].astype(int)
    turb = intervals.turbulence(panel.Y, o, 52, lw)
    b = bounds(f, ctx.scale, info["floor"], imodel, seg_h, intervals.bucket_of(noise, imodel["edges"]), turb)
    forecast = forecast_frame(panel, o, f, b, info["status"])
    series = series_frame(panel, o, info["status"])
    params = copy.deepcopy(meta["params"])
    params.update(last_date=panel.dates[o].date().isoformat(), refreshed_from=meta["origin"],
                  n_series=int(panel.n), n_forecast_series=int(forecast[["store", "dept"]].drop_duplicates().shape[0]),
                  status_counts={k: int((info["status"] == k).sum()) for k in ("modelled", "pooled", "inactive")})
    if events is not None:
        holiday_weeks = panel.ext_dates[panel.hol[: len(panel.ext_dates)]]
        params["holiday_periods"] = [d.date().isoformat() for d in holiday_weeks]
    if panel.own is not None:
        params["assumed"] = panel.own.assumed(H)
    if inter:
        params["intermittent"] = {**inter, "classes": intermittent.class_counts(classes, info["status"] == MODELLED)}
    new_art = ForecastArtifact.from_training(
        panel=panel, final_state=state, forecasts=fc, chosen=art.chosen, candidates=cands, states=states,
        params=params, H=H, status=info["status"], floor=info["floor"], noise=noise, turb=turb, X_final=ctx.X())
    tm["forecast"] = time.perf_counter() - t
    tm["total"] = time.perf_counter() - t0
    return RefreshResult(origin=panel.dates[o].date().isoformat(), forecast=forecast, series=series,
                         artifact=new_art, timings={k: round(v, 3) for k, v in tm.items()})
