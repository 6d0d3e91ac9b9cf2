"""Coherent forecasts for the levels total, store type, store and department.

Bottom-up: an aggregate's forecast is the sum of its live series' forecasts,
so every level adds up exactly to the series.  Its intervals are *not* sums of
series bounds (that would assume every series misses in the same direction):
they come from the backtest residuals of the aggregates themselves.  In every
backtest window the chosen candidate's series forecasts and the actuals are
summed per aggregate; the score is |actual - forecast| / U, where U is the sum
of the member series' upper 80 % half-widths (hi80 - forecast, as shown in that
window).  U only sets the unit — it carries each aggregate's size, turbulence
and number of members — while the quantile of the aggregated residuals decides
the width: q < 1 is the diversification the data shows (series errors partly
cancel), so aggregate intervals are narrower than summed bounds exactly when
the backtest says they should be.  One table per level, per calm/holiday
target week (``intervals.fit``), pooled over the steps: U already grows with
the step (measured on Walmart, per-step quantiles on top over-covered the
store level, 80 % -> 0.85; pooled 0.80).  ``aggregate`` applies them
to a forecast frame (it only needs the series' forecast and hi80).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import intervals
from .calendar_feats import holiday_flags

LEVELS = ("total", "store_type", "store", "dept")
TYPE_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def level_keys(level: str, keys: np.ndarray, stype: dict) -> np.ndarray:
    """Key of each series (rows of keys: store, dept) at a level."""
    if level == "total":
        return np.full(len(keys), "all", dtype=object)
    if level == "store_type":
        return np.array([stype.get(int(s), "?") for s in keys[:, 0]], dtype=object)
    if level == "store":
        return keys[:, 0].astype(object)
    if level == "dept":
        return keys[:, 1].astype(object)
    raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")


def panel_store_types(panel) -> dict:
    out = {}
    for s, code in zip(panel.stores, panel.stype):
        out[int(s)] = TYPE_NAMES[int(code)] if np.isfinite(code) and 0 <= code < 26 else "?"
    return out


def _sum_by(key: np.ndarray, A: np.ndarray):
    uk, inv = np.unique(key.astype(str), return_inverse=True)
    out = np.zeros((len(uk), A.shape[1]))
    np.add.at(out, inv, A)
    return uk, out


def window_scores(panel, windows: list, stype: dict) -> dict:
    """{level: arrays score, step, seg, win, y, f (= the unit U), sum_width80}
    over (aggregate, window, step) from the backtest windows: each window dict
    holds o, f (n, h) shown forecast of the chosen candidate (0 for inactive
    series), y (n, h) actuals (NaN missing), bounds (series intervals)."""
    out = {}
    for level in LEVELS:
        key = level_keys(level, panel.keys, stype)
        sc, st, sg, wn, yy, ff, sumw = [], [], [], [], [], [], []
        for wi, w in enumerate(windows):
            h = w["f"].shape[1]
            _, F = _sum_by(key, w["f"])
            _, Y = _sum_by(key, np.nan_to_num(w["y"]))
            _, W = _sum_by(key, w["bounds"]["hi80"] - w["bounds"]["lo80"])
            _, U = _sum_by(key, w["bounds"]["hi80"] - w["f"])
            seg = panel.hol[w["o"] + 1: w["o"] + 1 + h].astype(int)
            ok = U > 1e-9
            with np.errstate(invalid="ignore", divide="ignore"):
                s = np.abs(Y - F) / U
            sc.append(s[ok])
            st.append(np.broadcast_to(np.arange(h), F.shape)[ok])
            sg.append(np.broadcast_to(seg, F.shape)[ok])
            wn.append(np.full(int(ok.sum()), wi))
            yy.append(Y[ok])
            ff.append(U[ok])
            sumw.append(W[ok])
        out[level] = {k: np.concatenate(v) for k, v in
                      dict(score=sc, step=st, seg=sg, win=wn, y=yy, f=ff, sum_width80=sumw).items()}
    return out


def fit_quantiles(scores: dict, H: int) -> dict:
    """{level: interval table} on every window."""
    return {lv: intervals.fit(d["score"], d["step"], d["seg"], np.zeros(len(d["score"]), int), H, [],
                              per_step=False) for lv, d in scores.items()}


def coverage(scores: dict, H: int) -> dict:
    """Leave-one-window-out coverage of the aggregate intervals per level, and
    their mean 80 % width against the mean width of summed series bounds."""
    out = {}
    for level, d in scores.items():
        wins = np.unique(d["win"])
        hits = {lv: [] for lv in intervals.LEVELS}
        width, summed = [], []
        for w in wins:
            cal, test = d["win"] != w, d["win"] == w
            if not cal.any():
                continue
            m = intervals.fit(d["score"][cal], d["step"][cal], d["seg"][cal], np.zeros(int(cal.sum()), int), H, [],
                              per_step=False)
            for lv in intervals.LEVELS:
                q = np.asarray(m["q"][str(lv)])[d["seg"][test], 0, d["step"][test]]
                hits[lv].append(d["score"][test] <= q)
                if lv == 0.8:
                    width.append(2 * q * d["f"][test])
                    summed.append(d["sum_width80"][test])
        r = {f"coverage{int(lv * 100)}": float(np.mean(np.concatenate(hits[lv]))) if hits[lv] else None
             for lv in intervals.LEVELS}
        r["per_window80"] = [float(np.mean(h)) for h in hits[0.8]]
        r["per_window95"] = [float(np.mean(h)) for h in hits[0.95]]
        if width:
            r["mean_width80"] = float(np.mean(np.concatenate(width)))
            r["mean_sum_of_series_width80"] = float(np.mean(np.concatenate(summed)))
        r["n"] = int(len(d["score"]))
        out[level] = r
    return out


def _select(df: pd.DataFrame, stores_df: pd.DataFrame | None, level: str, key) -> pd.DataFrame:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if level == "store_type":
        if stores_df is None or "type" not in stores_df.columns:
            raise ValueError("level store_type needs stores_df with columns store, type")
        types = stores_df.drop_duplicates("store").set_index("store")["type"].astype(str).str.strip().str.upper()
        return df[df["store"].map(types) == str(key).strip().upper()]
    if level == "store":
        return df[df["store"].astype(int) == int(key)]
    if level == "dept":
        return df[df["dept"].astype(int) == int(key)]
    return df


def history_aggregate(sales_df: pd.DataFrame, stores_df: pd.DataFrame | None, level: str, key=None,
                      series: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weekly history (date, sales) of one aggregate over the *same series* as
    a forecast: pass ``series`` (e.g. the forecast frame, or its store/dept
    pairs) so that a comparison with last year is like for like."""
    df = _select(sales_df, stores_df, level, key)
    if series is not None:
        keep = series[["store", "dept"]].drop_duplicates().astype(int)
        df = df.merge(keep, on=["store", "dept"], how="inner")
    g = df.groupby(pd.to_datetime(df["date"]), sort=True)["sales"].sum()
    return pd.DataFrame({"date": g.index, "sales": g.to_numpy(float)})


def aggregate(forecast_df: pd.DataFrame, stores_df: pd.DataFrame | None, level: str, key=None,
              quantiles: dict | None = None) -> pd.DataFrame:
    """Coherent forecast of one aggregate: DataFrame date, forecast, lo80, hi80,
    lo95, hi95 (one row per forecast week).

    ``forecast_df``: the series forecast frame (store, dept, date, forecast,
    hi80, optional status: inactive rows are ignored); ``stores_df``: store, type
    (needed for level store_type); ``key``: the store type letter, store id
    or dept id (ignored for total); ``quantiles``: the level tables from
    training (``params["hierarchy"]["quantiles"]``).  Without tables the
    bounds are NaN (no calibration, no made-up interval).
    """
    df = forecast_df
    if "status" in df.columns:
        df = df[df["status"] != "inactive"]
    df = _select(df, stores_df, level, key)
    dd = df.assign(_u=df["hi80"] - df["forecast"])
    g = dd.groupby(pd.to_datetime(dd["date"]), sort=True)[["forecast", "_u"]].sum()
    out = pd.DataFrame({"date": g.index, "forecast": g["forecast"].to_numpy(float)})
    unit = g["_u"].to_numpy(float)
    all_dates = np.sort(pd.to_datetime(forecast_df["date"]).unique())
    step = np.searchsorted(all_dates, out["date"].to_numpy())
    seg = holiday_flags(out["date"]).astype(int)
    for lv, tag in ((0.8, "80"), (0.95, "95")):
        if quantiles and level in quantiles:
            q = np.asarray(quantiles[level]["q"][str(lv)])
            qq = q[seg, 0, np.minimum(step, q.shape[2] - 1)]
            half = qq * unit
            lo = out["forecast"].to_numpy() - half
            out["lo" + tag] = np.maximum(lo, np.minimum(out["forecast"].to_numpy(), 0.0))
            out["hi" + tag] = out["forecast"].to_numpy() + half
        else:
            out["lo" + tag] = np.nan
            out["hi" + tag] = np.nan
    return out[["date", "forecast", "lo80", "hi80", "lo95", "hi95"]]
