"""On-demand prediction for one series from a loaded artifact.

Without ``history`` (and within the trained horizon) the stored forecast of
the final origin is returned.  With ``history`` — or a horizon past the
trained one — every candidate of the model is recomputed for that one series
through the registry (same routes, floors and interval tables as training).
The history may run past the stored grid (a refresh for one series): the
origin becomes its last week, the features are anchored there and the model
is not refitted; department/store aggregates for the weeks the artifact has
not seen use the stored forecasts of the other series.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd

from . import candidates as registry
from . import intermittent, intervals
from .ensemble import combine
from .features import OriginState, agg_block, series_block
from .models import pooled_one
from .status import INACTIVE, MODELLED, POOLED, live_mask, series_floor, series_status


def _history_row(art, history: pd.DataFrame, store: int, dept: int) -> np.ndarray:
    P = art.panel
    h = history
    if "store" in h.columns and "dept" in h.columns:
        h = h[(h["store"].astype(int) == int(store)) & (h["dept"].astype(int) == int(dept))]
    col = "sales" if "sales" in h.columns else ("y" if "y" in h.columns else None)
    if col is None or "date" not in h.columns:
        raise ValueError("history needs columns 'date' and 'sales'")
    d = pd.to_datetime(h["date"]).dt.normalize()
    ti = ((d - P.dates[0]).dt.days.to_numpy() + 6) // 7
    keep = ti >= 0
    v = pd.to_numeric(h[col], errors="coerce").to_numpy(float)[keep]
    ti = ti[keep]
    ok = ~np.isnan(v)
    if not ok.any():
        raise ValueError("history has no sales values")
    y = np.full(max(P.T, int(ti[ok].max()) + 1), np.nan)
    y[ti[ok]] = 0.0
    np.add.at(y, ti[ok], v[ok])
    return y


def _extended_panel(art, o: int, H: int):
    """The stored panel on the grid up to origin o (>= stored origin) and its
    aggregates at o; weeks past the stored grid hold the stored forecasts."""
    cache = art.__dict__.setdefault("_ext_cache", {})
    if (o, H) in cache:
        return cache[(o, H)]
    P = art.panel
    k = o - (P.T - 1)
    Y = P.Y
    if k > 0:
        fc = art.arrays[f"fc_{art.chosen}"]
        if k > fc.shape[1]:
            raise ValueError(f"history runs {k} weeks past the model's last week {P.dates[-1].date()}: "
                             f"more than its {fc.shape[1]}-week forecast; refresh the forecasts first")
        Y = np.concatenate([Y, fc[:, :k]], axis=1)
    Pe = dataclasses.replace(P, Y=Y, dates=P.ext_dates[: o + 1])
    agg = agg_block(Pe, np.nan_to_num(Y), o, H)
    turb = intervals.turbulence(Y, o, 52, art.meta.get("live_weeks", 52))
    if len(cache) > 8:
        cache.clear()
    cache[(o, H)] = (Pe, agg, turb)
    return Pe, agg, turb


def _series_context(art, store: int, dept: int, y: np.ndarray, H: int):
    """Context (one row) at the last week of y, or at the stored origin."""
    P = art.panel
    o = max(P.T - 1, len(y) - 1)
    if o + H >= len(P.ext_dates):
        raise ValueError("history and horizon run past the model's calendar; retrain the model")
    y = np.concatenate([y, np.full(o + 1 - len(y), np.nan)]) if len(y) < o + 1 else y
    y0 = np.nan_to_num(y)
    Pe, agg, turb = _extended_panel(art, o, H)
    d = int(np.searchsorted(P.depts, dept))
    dept_known = d < len(P.depts) and P.depts[d] == dept
    s = int(np.searchsorted(P.stores, store))
    store_known = s < len(P.stores) and P.stores[s] == store
    changes = {}
    if not dept_known or not store_known:
        agg = dict(agg)
        if not dept_known:
            d = len(P.depts)
            agg["dept_season"] = np.vstack([agg["dept_season"], np.full((1, H), np.nan)])
            agg["dept_growth"] = np.append(agg["dept_growth"], np.nan)
        if not store_known:
            s = len(P.stores)
            agg["store_growth"] = np.append(agg["store_growth"], np.nan)
            agg["store_mean52"] = np.append(agg["store_mean52"], np.nan)
            changes.update(md=np.concatenate([P.md, np.zeros((1,) + P.md.shape[1:])]),
                           econ=np.concatenate([P.econ, np.full((1,) + P.econ.shape[1:], np.nan)]),
                           stype=np.append(P.stype, np.nan), ssize=np.append(P.ssize, np.nan))
            if P.local_hol is not None:
                changes["local_hol"] = np.vstack([P.local_hol, np.zeros((1, P.local_hol.shape[1]), bool)])
    first = int(np.flatnonzero(~np.isnan(y))[0])
    p1 = dataclasses.replace(Pe, store_idx=np.array([s]), dept_idx=np.array([d]), keys=np.array([[store, dept]]),
                             Y=y[None, :], first_obs=np.array([first]), **changes)
    a = art.arrays
    S = y0.copy()
    if dept_known and a["basis_ok"][d]:
        B = a["basis"][d]
        n = min(B.shape[1], len(y0))
        S[:n] = (y0[:n] @ B[:, :n].T) @ B[:, :n]
    cal_shift = P.cal[:, P.cal_names.index("calendar_shift")]
    ser = series_block(y[None, :], y0[None, :], S[None, :], np.array([first]), o, H, cal_shift)
    state = OriginState.from_parts(o, H, ser, agg)
    ctx = registry.Context(panel=p1, Y0=y0[None, :], o=o, H=H, state=state,
                           active=live_mask(y[None, :], o, art.meta.get("live_weeks", 52)))
    dept_rows = (P.dept_idx == d) if dept_known else np.zeros(P.n, bool)
    D = np.nan_to_num(Pe.Y[dept_rows]).sum(0)
    return ctx, D, cal_shift, turb


def _recompute(art, store: int, dept: int, y: np.ndarray, H: int, candidate: str | None):
    ctx, D, cal_shift, turb = _series_context(art, store, dept, y, H)
    o, lw = ctx.o, art.meta.get("live_weeks", 52)
    Yr = ctx.panel.Y
    status = series_status(Yr, ctx.panel.first_obs, o, lw)[0]
    floor = series_floor(Yr, o, lw)
    names = art.meta["candidates"]
    fc = {}
    for name in names:
        c = registry.get(name)
        if c is None:
            raise LookupError(f"candidate {name!r} of this model is not registered in this process")
        fc[name] = np.asarray(c.forecast(ctx, art.state(name)), float)
    fc["ensemble"] = combine({m: fc[m] for m in art.meta["ensemble"]["members"]}, art.meta["ensemble"]["weights"])
    routed = status == MODELLED and bool(intermittent.routed_mask(art.meta["params"], Yr, o)[0])
    if status == POOLED:
        f = pooled_one(Yr[0], D, o, H, cal_shift)
    elif candidate in (None, art.chosen) and routed:
        f = intermittent.croston_sba(Yr, o, H, np.array([0]))[0]  # its class is forecast by Croston SBA
    else:
        f = fc[candidate or art.chosen][0]
    f = np.maximum(f, floor[0]) if status != INACTIVE else np.zeros(H)
    noise = float(intervals.noise(ctx.Y0, o, ctx.scale)[0])
    return dict(f=f, scale=float(ctx.scale[0]), noise=noise, floor=float(floor[0]), status=str(status), o=o,
                ctx=ctx, turb=turb, croston=routed and candidate in (None, art.chosen))


def _drivers(art, ctx, candidate: str | None) -> list:
    for name in art.meta["candidates"]:
        c = registry.get(name)
        if c is None:
            continue
        out = c.explain(ctx, art.state(name), 0)
        if out is not None:
            return out
    return []


def predict_series(artifact, store: int, dept: int, horizon: int, history: pd.DataFrame | None = None,
                   candidate: str | None = None) -> dict:
    """Forecast ``horizon`` weeks (1..52) of one series.

    Returns {"points": [{date, forecast, lo80, hi80, lo95, hi95}], "drivers":
    [{feature, contribution, value}], "pooled": bool, "status", "origin"}.
    ``history`` (columns date, sales; optional store, dept) replaces the stored
    history of the series and may run past the stored grid (the forecast then
    starts after its last week).  ``candidate`` picks one registered candidate
    (or "ensemble") instead of the chosen one.  An inactive series (no sale in
    the last 52 weeks) gets no points.  Intervals past the trained horizon are
    extrapolated as q_H * sqrt(h / H), not calibrated.
    """
    art = artifact
    H = art.horizon
    horizon = int(horizon)
    if not 1 <= horizon <= 52:
        raise ValueError("horizon must be between 1 and 52 weeks")
    if candidate is not None and candidate not in art.meta["candidates"] + ["ensemble"]:
        raise ValueError(f"unknown candidate {candidate!r}")
    store, dept = int(store), int(dept)
    a = art.arrays
    P = art.panel
    i = art.series_index(store, dept)
    if history is None and i < 0:
        raise KeyError(f"no history for store {store} dept {dept}; pass history=")
    if history is None and horizon <= H:
        o = P.T - 1
        f = a[f"fc_{candidate or art.chosen}"][i][:horizon]
        status = str(a["status"][i])
        if status == POOLED:
            f = a[f"fc_{art.chosen}"][i][:horizon]
        r = dict(f=f, scale=float(a["scale"][i]), noise=float(a["noise"][i]), floor=float(a["floor"][i]),
                 status=status, o=o, turb=a["turb"],
                 croston=candidate in (None, art.chosen) and status == MODELLED and bool(
                     intermittent.routed_mask(art.meta["params"], P.Y[i: i + 1], o)[0]))
        xs = a["X_final"][i * H: (i + 1) * H]
        ctx = registry.Context(panel=None, Y0=np.zeros((1, o + 1)), o=o, H=H,
                               state=SimpleNamespace(ser={"scale": np.array([r["scale"]])}),
                               active=np.array([True]), _X=xs)
    else:
        y = np.array(a["Y"][i], float) if history is None else _history_row(art, history, store, dept)
        r = _recompute(art, store, dept, y, max(horizon, H), candidate)
        ctx = r["ctx"]
    o = r["o"]
    origin = art.panel.ext_dates[o].date().isoformat()
    if r["status"] == INACTIVE:
        return {"points": [], "drivers": [], "pooled": False, "status": INACTIVE, "origin": origin}
    imodel = art.meta["intervals"]
    seg_h = P.hol[o + 1: o + 1 + horizon].astype(int)
    bucket = intervals.bucket_of(np.array([r["noise"]]), imodel["edges"])
    f = np.asarray(r["f"], float)[:horizon]
    dates = P.ext_dates[o + 1: o + 1 + horizon]
    points = []
    q = {lv: intervals.widths(imodel, lv, seg_h, bucket, horizon)[0] * r["scale"] * r["turb"][:horizon]
         for lv in (0.8, 0.95)}
    for h in range(horizon):
        fv = float(f[h])
        points.append({
            "date": dates[h].date().isoformat(), "forecast": fv,
            "lo80": max(fv - float(q[0.8][h]), r["floor"]), "hi80": fv + float(q[0.8][h]),
            "lo95": max(fv - float(q[0.95][h]), r["floor"]), "hi95": fv + float(q[0.95][h]),
        })
    # a series forecast by Croston SBA has no drivers: its forecast reads no feature
    drivers = [] if r["croston"] else _drivers(art, ctx, candidate)
    return {"points": points, "drivers": drivers, "pooled": r["status"] == POOLED,
            "status": r["status"], "origin": origin}
