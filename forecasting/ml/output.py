"""From the candidates' raw forecasts at one origin to what is shown.

Shared by training, the backtest windows, the refresh and the on-demand
prediction, so they all apply the same routes and floors:

1. every registered candidate forecasts the rows of the context;
2. ``pooled`` series (live, less than a year of history) get the pooled route
   in every candidate, ``inactive`` ones 0 (they are not shown);
3. every forecast is clipped at the series floor (``status.series_floor``);
4. intervals: forecast +- conformal width x scale, lower bounds clipped at the
   floor; rows for every live series (``forecast_frame``).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from . import intervals
from .models import pooled_forecast
from .status import INACTIVE, POOLED, clip_floor, series_floor, series_status

COLUMNS = ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled", "status"]


def run_candidates(cands: list, states: dict, ctx, timings: dict | None = None) -> dict:
    out = {}
    for c in cands:
        t = time.perf_counter()
        out[c.name] = np.asarray(c.forecast(ctx, states.get(c.name)), float)
        if timings is not None:
            timings[c.name] = timings.get(c.name, 0.0) + time.perf_counter() - t
    return out


def route(fc: dict, panel, Y0: np.ndarray, o: int, H: int, groups: list, cal_shift: np.ndarray,
          live_weeks: int) -> dict:
    """Apply statuses (pooled route, inactive = 0) and floors to every forecast
    in ``fc`` in place; return {"status", "floor", "pooled_rows"}."""
    status = series_status(panel.Y, panel.first_obs, o, live_weeks)
    floor = series_floor(panel.Y, o, live_weeks)
    pooled_rows = np.flatnonzero(status == POOLED)
    pooled = pooled_forecast(Y0, panel.Y, o, H, groups, pooled_rows, cal_shift, panel.dept_idx[pooled_rows])
    inactive = status == INACTIVE
    for k, v in fc.items():
        v = np.array(v, float)
        v[pooled_rows] = pooled
        v[inactive] = 0.0
        fc[k] = clip_floor(v, floor)
    return {"status": status, "floor": floor, "pooled_rows": pooled_rows}


def bounds(f: np.ndarray, scale: np.ndarray, floor: np.ndarray, model: dict, seg_h: np.ndarray,
           bucket: np.ndarray, turb: np.ndarray) -> dict:
    """lo80/hi80/lo95/hi95 arrays shaped like f (n, steps); ``turb``: the
    target weeks' turbulence (steps,)."""
    out = {}
    for lv, tag in ((0.8, "80"), (0.95, "95")):
        w = intervals.widths(model, lv, seg_h, bucket, f.shape[1]) * scale[:, None] * turb[None, : f.shape[1]]
        out["lo" + tag] = clip_floor(f - w, floor)
        out["hi" + tag] = f + w
    return out


def forecast_frame(panel, o: int, f: np.ndarray, b: dict, status: np.ndarray) -> pd.DataFrame:
    """Rows for every live series (status modelled or pooled), H weeks after o."""
    H = f.shape[1]
    rows = np.flatnonzero(status != INACTIVE)
    fut = panel.ext_dates[o + 1: o + 1 + H]
    m = len(rows)
    return pd.DataFrame({
        "store": np.repeat(panel.keys[rows, 0], H),
        "dept": np.repeat(panel.keys[rows, 1], H),
        "date": np.tile(fut.to_numpy(), m),
        "forecast": f[rows].ravel(),
        "lo80": b["lo80"][rows].ravel(), "hi80": b["hi80"][rows].ravel(),
        "lo95": b["lo95"][rows].ravel(), "hi95": b["hi95"][rows].ravel(),
        "pooled": np.repeat(status[rows] == POOLED, H),
        "status": np.repeat(status[rows].astype(str), H),
    }, columns=COLUMNS)


def series_frame(panel, o: int, status: np.ndarray) -> pd.DataFrame:
    """Every series with data and its status at the origin (inactive included)."""
    Y = panel.Y[:, : o + 1]
    obs = ~np.isnan(Y)
    has = obs.any(1)
    last = np.where(has, o - np.argmax(obs[:, ::-1], axis=1), -1)
    sale = np.nan_to_num(Y) > 0
    last_sale = np.where(sale.any(1), o - np.argmax(sale[:, ::-1], axis=1), -1)
    dates = panel.dates

    def to_date(ix):
        return pd.Series([dates[i] if i >= 0 else pd.NaT for i in ix], dtype="datetime64[ns]")

    df = pd.DataFrame({"store": panel.keys[:, 0], "dept": panel.keys[:, 1], "status": status.astype(str)})
    df["last_week"] = to_date(last)
    df["last_sale_week"] = to_date(last_sale)
    return df[has].reset_index(drop=True)
