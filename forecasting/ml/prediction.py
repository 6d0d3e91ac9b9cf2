"""On-demand prediction for one series from a loaded artifact."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .features import agg_block, assemble, series_block
from .insights import top_contributions
from .models import mstl_single, pooled_one


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
    if (ti > P.T - 1).any():
        raise ValueError(f"history goes past the last trained week {P.dates[-1].date()}; retrain the model")
    keep = ti >= 0
    y = np.full(P.T, np.nan)
    v = pd.to_numeric(h[col], errors="coerce").to_numpy(float)[keep]
    ti = ti[keep]
    ok = ~np.isnan(v)
    y[ti[ok]] = 0.0
    np.add.at(y, ti[ok], v[ok])
    return y


def _aggregates(art, H: int) -> dict:
    """Department/store aggregates at the final origin for H steps (stored for
    the trained horizon, computed once and cached for a longer one)."""
    a = art.arrays
    if H == art.horizon:
        return {k[4:]: a[k] for k in a if k.startswith("agg_")}
    cache = art.__dict__.setdefault("_agg_cache", {})
    if H not in cache:
        P = art.panel
        cache[H] = agg_block(P, np.nan_to_num(P.Y), P.T - 1, H)
    return cache[H]


def _recompute(art, store: int, dept: int, y: np.ndarray, H: int | None = None):
    """Forecasts of every candidate for one series with the given history,
    for H steps (default: the trained horizon)."""
    P = art.panel
    a = art.arrays
    H = art.horizon if H is None else int(H)
    o = P.T - 1
    y0 = np.nan_to_num(y)
    obs = np.flatnonzero(~np.isnan(y))
    if len(obs) == 0:
        raise ValueError("history has no sales values")
    first = int(obs[0])
    # department / store positions (unknown ones get a neutral extra slot)
    d = int(np.searchsorted(P.depts, dept))
    dept_known = d < len(P.depts) and P.depts[d] == dept
    s = int(np.searchsorted(P.stores, store))
    store_known = s < len(P.stores) and P.stores[s] == store
    agg = _aggregates(art, H)
    p1 = P
    if not dept_known or not store_known:
        agg = dict(agg)
        changes = {}
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
        p1 = dataclasses.replace(P, **changes)
    p1 = dataclasses.replace(p1, store_idx=np.array([s]), dept_idx=np.array([d]))
    if dept_known and a["basis_ok"][d]:
        B = a["basis"][d]
        S = (y0 @ B.T) @ B
    else:
        S = y0
    cal_shift = P.cal[:, P.cal_names.index("calendar_shift")]
    ser = series_block(y[None, :], y0[None, :], S[None, :], np.array([first]), o, H, cal_shift)
    X = assemble(p1, np.array([0]), o, H, ser, agg, y0[None, :])
    scale = float(ser["scale"][0])
    svd_f = ser["base"][0]
    booster = art.booster
    lgb_f = svd_f + scale * booster.predict(X, num_threads=1) if booster is not None else svd_f
    fc = {"lightgbm": lgb_f, "seasonal_svd": svd_f}
    if "mstl" in art.meta["candidates"]:
        fc["mstl"] = mstl_single(y0, H)
    parts = [fc[k] for k in ("lightgbm", "seasonal_svd", "mstl") if k in fc]
    fc["ensemble"] = sum(parts) / len(parts)
    pooled = first > o - 52
    if pooled:
        if dept_known:
            D = np.nan_to_num(P.Y[P.dept_idx == d]).sum(0)
        else:
            D = np.zeros(P.T)
        f = pooled_one(y, D, o, H, cal_shift)
    else:
        f = fc[art.chosen]
    return f, scale, X[0], pooled


def _extend(q: np.ndarray, n: int) -> np.ndarray:
    if n <= len(q):
        return q
    H = len(q)
    extra = q[-1] * np.sqrt(np.arange(H + 1, n + 1) / H)
    return np.concatenate([q, extra])


def predict_series(artifact, store: int, dept: int, horizon: int, history: pd.DataFrame | None = None) -> dict:
    """Forecast ``horizon`` weeks after the last trained week for one series.

    Returns {"points": [{date, forecast, lo80, hi80, lo95, hi95}],
             "drivers": [{feature, contribution, value}], "pooled": bool}.
    Drivers are the largest LightGBM pred_contrib contributions (sales units)
    for the first forecast step.  ``history`` (columns date, sales; optional
    store, dept) replaces the stored history of the series; without it the
    forecast stored at training time is returned.  ``horizon`` may exceed the
    trained horizon (up to 52): the series is then recomputed for that many
    steps, intervals past the trained horizon are extrapolated, not calibrated.
    """
    art = artifact
    H = art.horizon
    horizon = int(horizon)
    if not 1 <= horizon <= 52:
        raise ValueError("horizon must be between 1 and 52 weeks")
    store, dept = int(store), int(dept)
    a = art.arrays
    if horizon > H:
        # beyond the trained horizon: recompute this series for `horizon` steps
        # (LightGBM sees h > H as its last trained step; interval widths past H
        # grow like sqrt(h / H) from the last calibrated step)
        if history is None:
            i = art.series_index(store, dept)
            if i < 0:
                raise KeyError(f"no history for store {store} dept {dept}; pass history=")
            y = np.array(a["Y"][i], dtype=float)
        else:
            y = _history_row(art, history, store, dept)
        f, scale, x_row, pooled = _recompute(art, store, dept, y, horizon)
    elif history is None:
        i = art.series_index(store, dept)
        if i < 0:
            raise KeyError(f"no history for store {store} dept {dept}; pass history=")
        f = a[f"fc_{art.chosen}"][i]
        scale = float(a["scale"][i])
        x_row = a["X_final"][i * H]
        pooled = bool(a["short"][i])
    else:
        y = _history_row(art, history, store, dept)
        f, scale, x_row, pooled = _recompute(art, store, dept, y)
    q80 = _extend(np.asarray(art.meta["quantiles"]["0.8"]), horizon)
    q95 = _extend(np.asarray(art.meta["quantiles"]["0.95"]), horizon)
    P = art.panel
    dates = P.ext_dates[P.T: P.T + horizon]
    points = []
    for h in range(horizon):
        fv = float(f[h])
        points.append({
            "date": dates[h].date().isoformat(),
            "forecast": fv,
            "lo80": fv - float(q80[h]) * scale, "hi80": fv + float(q80[h]) * scale,
            "lo95": fv - float(q95[h]) * scale, "hi95": fv + float(q95[h]) * scale,
        })
    drivers = []
    if art.booster is not None:
        drivers = top_contributions(art.booster, x_row, art.meta["features"], scale)
    return {"points": points, "drivers": drivers, "pooled": pooled}
