"""Wide (series x week) representation of the input frames.

The pipeline works on dense numpy arrays: one row per (store, dept) series, one
column per week on a regular 7-day grid from the first to the last sales date,
NaN where a series has no row.  Covariates are kept per store on an *extended*
grid that also covers up to 52 future weeks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar_feats import calendar_frame, holiday_flags
from .events import panel_events
from .own_covariates import OwnCovariates, own_covariates

MARKDOWNS = [f"markdown{i}" for i in range(1, 6)]
ECON = ["temperature", "fuel_price", "cpi", "unemployment"]
MAX_FUTURE = 52


@dataclass
class Panel:
    keys: np.ndarray  # (n, 2) int64: store, dept
    dates: pd.DatetimeIndex  # history grid (T)
    ext_dates: pd.DatetimeIndex  # history + MAX_FUTURE weeks
    Y: np.ndarray  # (n, T) float64, NaN = no row
    hol: np.ndarray  # (T + MAX_FUTURE,) bool
    cal: np.ndarray  # (T + MAX_FUTURE, n_cal) calendar features
    cal_names: list
    stores: np.ndarray  # (n_stores,) store ids
    store_idx: np.ndarray  # (n,) index into stores
    depts: np.ndarray  # (n_depts,) dept ids
    dept_idx: np.ndarray  # (n,)
    md: np.ndarray  # (n_stores, T+F, 5) markdowns, 0 = no promotion
    econ: np.ndarray  # (n_stores, T+F, 4) forward-filled, NaN = unknown
    stype: np.ndarray  # (n_stores,) float code (A=0, B=1, ...) NaN unknown
    ssize: np.ndarray  # (n_stores,) float NaN unknown
    first_obs: np.ndarray  # (n,) index of first observed week
    # (n_stores, T+F) bool: a regional or local event of the location's (a state's, a city's, its own);
    # None when the workspace has none. The ``is_holiday`` feature of a series is the national flag or this.
    local_hol: np.ndarray | None = None
    # the workspace's own covariates by series and week (ml/own_covariates.py); None without any
    own: OwnCovariates | None = None

    @property
    def n(self) -> int:
        return self.Y.shape[0]

    @property
    def T(self) -> int:
        return self.Y.shape[1]

    def series_index(self, store: int, dept: int) -> int:
        m = np.where((self.keys[:, 0] == store) & (self.keys[:, 1] == dept))[0]
        return int(m[0]) if len(m) else -1


def _norm_sales(sales: pd.DataFrame) -> pd.DataFrame:
    need = {"store", "dept", "date", "sales"}
    missing = need - set(sales.columns)
    if missing:
        raise ValueError(f"sales frame lacks columns {sorted(missing)}")
    s = sales.loc[:, [c for c in ["store", "dept", "date", "sales", "is_holiday"] if c in sales.columns]].copy()
    s["date"] = pd.to_datetime(s["date"]).dt.normalize()
    s["store"] = s["store"].astype(np.int64)
    s["dept"] = s["dept"].astype(np.int64)
    s["sales"] = pd.to_numeric(s["sales"], errors="coerce").astype(float)
    s = s.dropna(subset=["sales"])
    if s.empty:
        raise ValueError("sales frame is empty")
    # duplicates (same series, same week): sum them
    if s.duplicated(["store", "dept", "date"]).any():
        agg = {"sales": "sum"}
        if "is_holiday" in s.columns:
            agg["is_holiday"] = "max"
        s = s.groupby(["store", "dept", "date"], as_index=False).agg(agg)
    return s


def build_panel(sales: pd.DataFrame, features: pd.DataFrame | None = None,
                stores: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                own: tuple[list, dict] | None = None) -> Panel:
    """``own``: the workspace's own covariates, ``(frames, kinds)`` (ml/own_covariates.py). ``events``: the workspace's event days (``date``, ``store``: a location's id, missing when national;
    forecasting/ml/events.py). With them a week is a holiday week when it holds a national event day (and
    a location's own week when it holds one of its scoped events); without them, or without a national
    one among them, the national weeks are Walmart's four holidays'."""
    s = _norm_sales(sales)
    start, end = s["date"].min(), s["date"].max()
    dates = pd.date_range(start, end, freq="7D")
    # snap rows to the grid (dates that are not on the weekday of the grid are
    # mapped to the grid week that contains them)
    ti = ((s["date"] - start).dt.days.to_numpy() + 6) // 7
    ti = np.clip(ti, 0, len(dates) - 1)
    ext_dates = pd.date_range(start, periods=len(dates) + MAX_FUTURE, freq="7D")
    keys_df = s[["store", "dept"]].drop_duplicates().sort_values(["store", "dept"]).reset_index(drop=True)
    keys = keys_df.to_numpy(np.int64)
    kidx = pd.MultiIndex.from_frame(keys_df).get_indexer(pd.MultiIndex.from_frame(s[["store", "dept"]]))
    Y = np.full((len(keys), len(dates)), np.nan)
    Y[kidx, ti] = 0.0
    np.add.at(Y, (kidx, ti), s["sales"].to_numpy())

    local_hol = None
    if events is None:
        hol = holiday_flags(ext_dates)
        if "is_holiday" in s.columns:
            given = s.groupby(ti)["is_holiday"].max()
            hol[given.index.to_numpy()] = given.to_numpy().astype(bool)

    store_ids = np.unique(keys[:, 0])
    if features is not None and len(features) and "store" in features.columns:
        store_ids = np.union1d(store_ids, features["store"].astype(np.int64).unique())
    store_idx = np.searchsorted(store_ids, keys[:, 0])
    if events is not None:
        hol, local_hol = panel_events(events, store_ids, ext_dates)
        if not events["store"].isna().any():  # scoped events only, no national calendar: Walmart's rule
            hol = holiday_flags(ext_dates)
        if "is_holiday" in s.columns:  # the retailer's own flags on its rows (Walmart's IsHoliday) count too
            given = s.groupby(ti)["is_holiday"].max()
            hol[given.index.to_numpy()] |= given.to_numpy().astype(bool)
    dept_ids = np.unique(keys[:, 1])
    dept_idx = np.searchsorted(dept_ids, keys[:, 1])

    F = len(ext_dates)
    md = np.zeros((len(store_ids), F, len(MARKDOWNS)))
    econ = np.full((len(store_ids), F, len(ECON)), np.nan)
    if features is not None and len(features):
        f = features.copy()
        f["date"] = pd.to_datetime(f["date"]).dt.normalize()
        f = f[(f["date"] >= start - pd.Timedelta(days=6)) & (f["date"] <= ext_dates[-1])]
        fi = np.clip(((f["date"] - start).dt.days.to_numpy() + 6) // 7, 0, F - 1)
        si = np.searchsorted(store_ids, f["store"].astype(np.int64).to_numpy())
        for j, c in enumerate(MARKDOWNS):
            if c in f.columns:
                v = pd.to_numeric(f[c], errors="coerce").to_numpy(float)
                md[si, fi, j] = np.nan_to_num(v, nan=0.0)
        for j, c in enumerate(ECON):
            if c in f.columns:
                v = pd.to_numeric(f[c], errors="coerce").to_numpy(float)
                econ[si, fi, j] = v
        if "is_holiday" in f.columns:
            fh = pd.Series(f["is_holiday"].astype(bool).to_numpy()).groupby(fi).max()
            fut = fh.index.to_numpy() >= len(dates)
            hol[fh.index.to_numpy()[fut]] |= fh.to_numpy()[fut]
        # forward fill the covariates along time (values only ever flow forward)
        for j in range(len(ECON)):
            econ[:, :, j] = pd.DataFrame(econ[:, :, j].T).ffill().to_numpy().T

    stype = np.full(len(store_ids), np.nan)
    ssize = np.full(len(store_ids), np.nan)
    if stores is not None and len(stores) and "store" in stores.columns:
        st = stores.drop_duplicates("store")
        pos = np.searchsorted(store_ids, st["store"].astype(np.int64).to_numpy())
        ok = (pos < len(store_ids)) & (store_ids[np.minimum(pos, len(store_ids) - 1)] == st["store"].astype(np.int64).to_numpy())
        if "type" in st.columns:
            t = st["type"].astype(str).str.strip().str.upper().to_numpy()
            code = np.array([float(ord(x[0]) - ord("A")) if x and x[0].isalpha() else np.nan for x in t])
            stype[pos[ok]] = code[ok]
        if "size" in st.columns:
            ssize[pos[ok]] = pd.to_numeric(st["size"], errors="coerce").to_numpy(float)[ok]

    cal_df = calendar_frame(ext_dates, hol)
    obs = ~np.isnan(Y)
    first_obs = np.where(obs.any(1), obs.argmax(1), len(dates))
    return Panel(keys=keys, dates=dates, ext_dates=ext_dates, Y=Y, hol=hol,
                 cal=cal_df.to_numpy(float), cal_names=list(cal_df.columns),
                 stores=store_ids, store_idx=store_idx, depts=dept_ids, dept_idx=dept_idx,
                 md=md, econ=econ, stype=stype, ssize=ssize, first_obs=first_obs, local_hol=local_hol,
                 own=own_covariates(*own, keys, start, F, len(dates)) if own else None)
