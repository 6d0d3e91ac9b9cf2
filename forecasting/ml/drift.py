"""Drift report of newly arrived weeks against a stored forecast and the
training period (pure pandas).

``drift_report(new_weeks=, actuals=, history=, forecast=, features=, train_end=)``

* ``new_weeks``: the week-ending dates the upload added;
* ``actuals``: store, dept, date, sales of (at least) those weeks;
* ``history``: store, dept, date, sales up to ``train_end`` (what the
  reference forecast was trained / refreshed on);
* ``forecast``: the reference run's rows (store, dept, date, forecast, lo95,
  hi95) or None when no stored run predicted the new weeks;
* ``features``: store, date and covariates (temperature, fuel_price,
  markdown1..5, cpi, unemployment), or None.

Figures:

* **band**: per series, the share of its realized new weeks whose actual fell
  outside its 95 % band. A series is *outside* when that happened in more than
  half of its realized weeks (one week: that week; four: three or more), so a
  persistent departure counts, not the 5 % of single weeks a calibrated band
  leaves out by design. ``share_series_outside95`` = outside series / series
  with a realized week; ``share_rows_outside95`` is the per-week rate (≈ 0.05
  when calibrated).
* **level shift** per store and per department on the realized rows: Σ actual,
  Σ forecast and their ratio (1 = on level; None when Σ forecast is 0).
* **new / vanished**: stores, departments and series with sales in the new
  weeks but none up to ``train_end``; and those the reference forecast
  covered (or, without one, that sold in the last 52 weeks up to
  ``train_end``) with no row in the new weeks.
* **covariates**: per covariate, the mean over the new weeks against the mean
  and standard deviation over the training period (store-weeks ≤
  ``train_end``); ``z`` = (new − train mean) / train std. Markdowns: missing =
  0 (no promotion), as in the features; the others ignore missing values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .labels import feature_label_with_unit

COVARIATES = ("temperature", "fuel_price", "markdown1", "markdown2", "markdown3", "markdown4", "markdown5",
              "cpi", "unemployment")
MARKDOWNS = {f"markdown{i}" for i in range(1, 6)}
# plain words with units, for pages and reports
COVARIATE_LABELS = {c: feature_label_with_unit(c) for c in COVARIATES}  # from the one label map
KEYS = ["store", "dept", "date"]
LIVE_DAYS = 52 * 7


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize()


def _num(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def _level(rows: pd.DataFrame, by: str) -> list[dict]:
    g = rows.groupby(by, sort=True)[["sales", "forecast"]].sum()
    return [{by: int(k), "actual": float(a), "forecast": float(f), "ratio": (float(a / f) if f != 0 else None)}
            for k, (a, f) in zip(g.index, g.to_numpy())]


def band_figures(forecast: pd.DataFrame | None, actuals: pd.DataFrame) -> dict:
    rows = None
    if forecast is not None and len(forecast):
        fc = forecast.copy()
        fc["date"] = _dates(fc["date"])
        rows = fc.merge(actuals[KEYS + ["sales"]], on=KEYS, how="inner")
    if rows is None or not len(rows):
        return {"series": 0, "rows": 0, "series_outside95": 0, "share_series_outside95": None,
                "share_rows_outside95": None, "per_store": [], "level_shift": {"store": [], "dept": []}}
    y = rows["sales"].to_numpy(float)
    rows["outside"] = (y < rows["lo95"].to_numpy(float)) | (y > rows["hi95"].to_numpy(float))
    per = rows.groupby(["store", "dept"])["outside"].agg(["sum", "count"])
    outside = int((per["sum"] * 2 > per["count"]).sum())
    # the same counts per store, so a store-restricted reader gets them over its stores only
    per["majority"] = per["sum"] * 2 > per["count"]
    by_store = per.groupby(level="store").agg(series=("count", "size"), rows=("count", "sum"),
                                              series_outside95=("majority", "sum"), rows_outside95=("sum", "sum"))
    return {"series": int(len(per)), "rows": int(len(rows)), "series_outside95": outside,
            "share_series_outside95": outside / len(per), "share_rows_outside95": float(rows["outside"].mean()),
            "per_store": [{"store": int(k), **{c: int(v) for c, v in r.items()}} for k, r in by_store.iterrows()],
            "level_shift": {"store": _level(rows, "store"), "dept": _level(rows, "dept")}}


def _pairs(df: pd.DataFrame) -> set:
    return set(map(tuple, df[["store", "dept"]].drop_duplicates().to_numpy().astype(int).tolist()))


def membership(new: pd.DataFrame, history: pd.DataFrame, reference: set) -> dict:
    """New and vanished stores, departments and series (sorted lists)."""
    seen, arrived = _pairs(history), _pairs(new)
    ref_stores, ref_depts = {s for s, _ in reference}, {d for _, d in reference}
    seen_stores, seen_depts = {s for s, _ in seen}, {d for _, d in seen}
    got_stores, got_depts = {s for s, _ in arrived}, {d for _, d in arrived}
    return {
        "new": {"stores": sorted(got_stores - seen_stores), "depts": sorted(got_depts - seen_depts),
                "series": [list(p) for p in sorted(arrived - seen)]},
        "vanished": {"stores": sorted(ref_stores - got_stores), "depts": sorted(ref_depts - got_depts),
                     "series": [list(p) for p in sorted(reference - arrived)]},
    }


def covariate_shifts(features: pd.DataFrame | None, new_weeks, train_end) -> list[dict]:
    if features is None or not len(features):
        return []
    f = features.copy()
    f["date"] = _dates(f["date"])
    new_mask = f["date"].isin(pd.DatetimeIndex(new_weeks))
    old_mask = f["date"] <= pd.Timestamp(train_end)
    out = []
    for col in COVARIATES:
        if col not in f:
            continue
        v = f[col].astype(float)
        if col in MARKDOWNS:
            v = v.fillna(0.0)
        old, cur = v[old_mask].dropna(), v[new_mask].dropna()
        if not len(old) or not len(cur):
            out.append({"covariate": col, "label": COVARIATE_LABELS[col], "new_mean": _num(cur.mean()) if len(cur) else None,
                        "train_mean": _num(old.mean()) if len(old) else None, "train_std": None, "z": None})
            continue
        mean, std, now = float(old.mean()), float(old.std(ddof=0)), float(cur.mean())
        out.append({"covariate": col, "label": COVARIATE_LABELS[col], "new_mean": now, "train_mean": mean, "train_std": std,
                    "z": (now - mean) / std if std > 0 else None})
    return out


def drift_report(*, new_weeks, actuals: pd.DataFrame, history: pd.DataFrame, forecast: pd.DataFrame | None,
                 features: pd.DataFrame | None, train_end) -> dict:
    weeks = pd.DatetimeIndex(sorted(pd.to_datetime(list(new_weeks)))).normalize()
    act = actuals[KEYS + ["sales"]].copy()
    act["date"] = _dates(act["date"])
    act = act[act["date"].isin(weeks)]
    hist = history[KEYS].copy()
    hist["date"] = _dates(hist["date"])
    hist = hist[hist["date"] <= pd.Timestamp(train_end)]
    if forecast is not None:
        reference = _pairs(forecast)
        band = band_figures(forecast, act)
    else:
        reference = _pairs(hist[hist["date"] > pd.Timestamp(train_end) - pd.Timedelta(days=LIVE_DAYS)])
        band = band_figures(None, act)
    return {"new_weeks": [d.date().isoformat() for d in weeks], "train_end": pd.Timestamp(train_end).date().isoformat(),
            "band": band, **membership(act, hist, reference),
            "covariates": covariate_shifts(features, weeks, train_end)}
