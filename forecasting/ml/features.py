"""Leakage-free feature rows for the global LightGBM model (direct multi-horizon).

One row per (series, forecast origin o, horizon step h), target week t = o + h.
Every history-derived value is computed from columns <= o only: lags are taken
relative to the *target* week only when they are older than the origin
(``lag51`` exists only for h <= 51, ``lag52`` for h <= 52 ...), rolling
statistics are anchored at the origin.  Calendar features and markdowns
(planned promotions) describe the target week and are known in advance; the
economic covariates are the last values known at the origin.

Sales-derived values are divided by the series scale (mean |sales| over the
52 weeks before the origin) so one model serves series of any size.
"""
from __future__ import annotations

import numpy as np

from .models import seasonal_profile, svd_smooth
from .own_covariates import OwnCovariates
from .panel import ECON, MARKDOWNS, Panel

SERIES_FEATURES = [
    "base_n", "lag52_n", "lag53_n", "lag51_n", "lag104_n", "last_n", "mean4_n", "mean13_n",
    "std13_n", "growth13_n", "zero_frac52", "hist_weeks", "log_scale",
]
AGG_FEATURES = ["dept_season", "dept_growth", "store_growth", "dept_share"]
STORE_FEATURES = ["store_type", "store_size"]
PROMO_FEATURES = MARKDOWNS + ["markdown_any"]


def feature_names(cal_names: list, own: OwnCovariates | None = None) -> list:
    """Every column of ``assemble``; the workspace's own covariates last (none in Walmart's layout)."""
    return (["h"] + list(cal_names) + SERIES_FEATURES + AGG_FEATURES + STORE_FEATURES + PROMO_FEATURES + ECON
            + (own.names() if own is not None else []))


def _nanmean(a, axis=1):
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (~np.isnan(a)).sum(axis)
        s = np.nansum(a, axis)
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def series_scale(Y: np.ndarray, o: int) -> np.ndarray:
    lo = max(0, o - 51)
    s = _nanmean(np.abs(Y[:, lo: o + 1]))
    s_all = _nanmean(np.abs(Y[:, : o + 1]))
    s = np.where(np.isnan(s), s_all, s)
    return np.maximum(np.nan_to_num(s, nan=1.0), 1.0)


def series_block(Yr: np.ndarray, Y0r: np.ndarray, Sr: np.ndarray, first_obs: np.ndarray, o: int, H: int,
                 cal_shift: np.ndarray) -> dict:
    """Per-series quantities at origin o (rows of Y / zero-filled Y / smoothed)."""
    m = Yr.shape[0]
    scale = series_scale(Yr, o)
    base = seasonal_profile(Y0r[:, : o + 1], Sr, o, H, cal_shift)
    lags = {}
    for name, lag in (("lag52_n", 52), ("lag53_n", 53), ("lag51_n", 51), ("lag104_n", 104)):
        a = np.full((m, H), np.nan)
        for h in range(H):
            t = o + 1 + h - lag
            if 0 <= t <= o:
                a[:, h] = Y0r[:, t]
        lags[name] = a / scale[:, None]
    w13 = Y0r[:, max(0, o - 12): o + 1]
    mean13 = w13.mean(1)
    if o - 12 - 52 >= 0:
        growth = (mean13 - Y0r[:, o - 12 - 52: o + 1 - 52].mean(1)) / scale
    else:
        growth = np.full(m, np.nan)
    out = {
        "scale": scale,
        "base": base,
        "base_n": base / scale[:, None],
        **lags,
        "last_n": Y0r[:, o] / scale,
        "mean4_n": Y0r[:, max(0, o - 3): o + 1].mean(1) / scale,
        "mean13_n": mean13 / scale,
        "std13_n": w13.std(1) / scale,
        "growth13_n": growth,
        "zero_frac52": (Y0r[:, max(0, o - 51): o + 1] == 0).mean(1),
        "hist_weeks": np.minimum(o - first_obs + 1, 260).astype(float),
        "log_scale": np.log(scale),
    }
    return out


def agg_block(panel: Panel, Y0: np.ndarray, o: int, H: int) -> dict:
    """Hierarchical aggregates at origin o: department seasonal profile pooled
    over stores, department and store growth, store totals (for shares)."""
    nd, ns = len(panel.depts), len(panel.stores)
    D = np.zeros((nd, o + 1))
    np.add.at(D, panel.dept_idx, Y0[:, : o + 1])
    St = np.zeros((ns, o + 1))
    np.add.at(St, panel.store_idx, Y0[:, : o + 1])
    lo = max(0, o - 51)
    Dm = D[:, lo: o + 1].mean(1)
    season = np.full((nd, H), np.nan)
    for h in range(H):
        t = o + 1 + h - 52
        if 0 <= t <= o:
            with np.errstate(invalid="ignore", divide="ignore"):
                season[:, h] = np.where(Dm > 0, D[:, t] / Dm, np.nan)

    def growth(A):
        if o - 12 - 52 < 0:
            return np.full(A.shape[0], np.nan)
        a = A[:, o - 12: o + 1].mean(1)
        b = A[:, o - 12 - 52: o + 1 - 52].mean(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(b > 0, a / b, np.nan)

    return {
        "dept_season": season,
        "dept_growth": growth(D),
        "store_growth": growth(St),
        "store_mean52": St[:, lo: o + 1].mean(1),
    }


def assemble(panel: Panel, rows: np.ndarray, o: int, H: int, ser: dict, agg: dict,
             Y0r: np.ndarray) -> np.ndarray:
    """Feature matrix (len(rows) * H, n_features), row-major by (series, h).
    ``ser`` holds arrays for exactly ``rows`` (same order)."""
    m = len(rows)
    t = o + 1 + np.arange(H)
    cal = panel.cal[np.minimum(t, panel.cal.shape[0] - 1)]  # (H, C)
    sidx = panel.store_idx[rows]
    didx = panel.dept_idx[rows]
    cols = []
    cols.append(np.broadcast_to(np.arange(1, H + 1, dtype=float), (m, H)))
    for c in range(cal.shape[1]):
        cols.append(np.broadcast_to(cal[:, c], (m, H)))
    if panel.local_hol is not None:  # a series' holiday: the national one or its location's own
        c = panel.cal_names.index("is_holiday")
        local = panel.local_hol[sidx][:, np.minimum(t, panel.local_hol.shape[1] - 1)]
        cols[1 + c] = np.maximum(cols[1 + c], local.astype(float))
    for name in SERIES_FEATURES:
        v = ser[name]
        cols.append(v if v.ndim == 2 else np.broadcast_to(v[:, None], (m, H)))
    cols.append(agg["dept_season"][didx])
    cols.append(np.broadcast_to(agg["dept_growth"][didx][:, None], (m, H)))
    cols.append(np.broadcast_to(agg["store_growth"][sidx][:, None], (m, H)))
    sm = agg["store_mean52"][sidx]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(sm > 0, Y0r[:, max(0, o - 51): o + 1].mean(1) / sm, np.nan)
    cols.append(np.broadcast_to(share[:, None], (m, H)))
    cols.append(np.broadcast_to(panel.stype[sidx][:, None], (m, H)))
    cols.append(np.broadcast_to(panel.ssize[sidx][:, None], (m, H)))
    tt = np.minimum(t, panel.md.shape[1] - 1)
    md = panel.md[sidx][:, tt, :]  # (m, H, 5)
    for j in range(md.shape[2]):
        cols.append(md[:, :, j])
    cols.append((md > 0).any(2).astype(float))
    ec = panel.econ[sidx, min(o, panel.econ.shape[1] - 1), :]  # (m, 4) last known at origin
    for j in range(ec.shape[1]):
        cols.append(np.broadcast_to(ec[:, j][:, None], (m, H)))
    if panel.own is not None:  # the workspace's own covariates (a panel saved before them has none: the default)
        cols += panel.own.columns(rows, o, t)
    X = np.stack([np.asarray(c, dtype=np.float32) for c in cols], axis=2)
    return X.reshape(m * H, -1)


class OriginState:
    """Everything computed at one origin for all series (shared by the models)."""

    def __init__(self, panel: Panel, Y0: np.ndarray, o: int, H: int, groups: list, k: int):
        self.o, self.H = o, H
        S, bases = svd_smooth(Y0[:, : o + 1], groups, k)
        self.bases = bases
        cal_shift = panel.cal[:, panel.cal_names.index("calendar_shift")]
        self.ser = series_block(panel.Y[:, : o + 1], Y0[:, : o + 1], S, panel.first_obs, o, H, cal_shift)
        self.agg = agg_block(panel, Y0, o, H)
        self.rows = np.arange(panel.n)

    @classmethod
    def from_parts(cls, o: int, H: int, ser: dict, agg: dict, bases=None) -> "OriginState":
        """A state built from precomputed blocks (one series on demand)."""
        st = cls.__new__(cls)
        st.o, st.H, st.ser, st.agg, st.bases = o, H, ser, agg, bases or []
        st.rows = np.arange(len(ser["scale"]))
        return st

    def X(self, panel: Panel, Y0: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        if rows is None:
            return assemble(panel, self.rows, self.o, self.H, self.ser, self.agg, Y0[:, : self.o + 1])
        ser = {k: v[rows] for k, v in self.ser.items()}
        return assemble(panel, rows, self.o, self.H, ser, self.agg, Y0[rows, : self.o + 1])
