"""Coherent forecasts for every level of the workspace's hierarchy: the total,
each grouping attribute of its locations (a store's type, city, state,
cluster...), the location, each grouping attribute of its items (a category, a
brand...) and the item (issue 17 item 6).

The levels come from the data (``Attributes``): a location or item attribute
is a level when it groups its members, i.e. it has at least two values, fewer
values than members (an attribute unique to each member, such as an address,
is a name, not a group) unless there are at most ``SMALL`` values (a 3-store
chain's three formats are still its formats), and its values are text, or
whole numbers that repeat, with at most ``MAX_NUMERIC_GROUPS`` distinct values (Favorita's cluster 1..17 groups;
Walmart's store size, 40 distinct square footages over 45 stores, does not).
A level is named ``total``, ``location``, ``item``, ``location.<attr>`` or
``item.<attr>``; Walmart-era names are aliases (``LEGACY``): ``store_type`` is
``location.type``, ``store`` is ``location``, ``dept`` is ``item``.  Keys are
the attribute's value as text, the location or item id as text, or ``all``.

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
to a forecast frame (it only needs the series' forecast and hi80).  A model
trained before attribute levels existed has tables under the legacy names
only: they serve their levels, and a level with no table has no interval.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import intervals
from .calendar_feats import holiday_flags
from .launches import DATE_ATTRIBUTES

SIDES = ("location", "item")
KEY_COLUMN = {"location": "store", "item": "dept"}  # the frame column holding a side's id
LEGACY = {"store_type": "location.type", "store": "location", "dept": "item"}
LEGACY_OF = {v: k for k, v in LEGACY.items()}
MAX_NUMERIC_GROUPS = 30
MAX_GROUPS = 500
SMALL = 12
TYPE_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def canonical(level: str) -> str:
    """A level's name, legacy aliases resolved."""
    return LEGACY.get(level, level)


def with_legacy_names(by_level: dict | None) -> dict | None:
    """``{level: ...}`` with the Walmart-era names beside the hierarchy's (``store_type`` for ``location.type``,
    ...): what a model's API answer carried before attribute levels, kept for integrators (deprecated)."""
    if not by_level:
        return by_level
    return {**by_level, **{old: by_level[new] for old, new in LEGACY.items() if new in by_level and old not in by_level}}


def key_text(value) -> str | None:
    """An attribute value as the hierarchy keys it: text stripped, a whole float as an integer; None unknown."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _groups(values: pd.Series, members: int) -> bool:
    known = values.dropna()
    distinct = known.unique()
    if not 2 <= len(distinct) <= MAX_GROUPS or (len(distinct) >= members and len(distinct) > SMALL):
        return False
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    if numbers.notna().all():  # a numeric attribute groups only as a small set of whole numbers that repeat
        whole = bool((numbers == numbers.round()).all())
        return whole and len(distinct) <= MAX_NUMERIC_GROUPS and len(distinct) < members
    return True


@dataclass(frozen=True)
class Attributes:
    """The attributes of a workspace's locations and items: per side, a frame
    indexed by the member's id with one text column per attribute (None:
    unknown).  ``levels()`` lists the hierarchy they make."""

    location: pd.DataFrame = field(default_factory=pd.DataFrame)
    item: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def from_records(cls, location: dict | None = None, item: dict | None = None) -> Attributes:
        """``{id: {attr: value}}`` per side (numbers and text alike)."""
        def frame(records):
            rows = {int(k): {a: key_text(v) for a, v in (attrs or {}).items()} for k, attrs in (records or {}).items()}
            if not rows:
                return pd.DataFrame()
            frame = pd.DataFrame.from_dict(rows, orient="index", dtype=object)
            return frame[sorted(frame.columns)]  # attributes in name order (a JSON object keeps none)
        return cls(location=frame(location), item=frame(item))

    @classmethod
    def from_stores(cls, stores: pd.DataFrame | None) -> Attributes:
        """Walmart's stores frame (store, type[, size]): the store type as the location attribute ``type``."""
        if stores is None or not len(stores) or "type" not in stores.columns:
            return cls()
        st = stores.drop_duplicates("store")
        types = st["type"].astype(str).str.strip().str.upper()
        return cls.from_records({int(s): {"type": t} for s, t in zip(st["store"], types)})

    def grouping(self, side: str) -> list[str]:
        """The attributes of a side that form levels, in their order."""
        frame = getattr(self, side)
        return [a for a in frame.columns if a not in DATE_ATTRIBUTES and _groups(frame[a], len(frame))]

    def levels(self) -> list[str]:
        out = ["total"]
        for side in SIDES:
            out += [f"{side}.{a}" for a in self.grouping(side)] + [side]
        return out

    def values(self, level: str) -> list[str]:
        """The keys of an attribute level (its distinct values, text order)."""
        side, _, attr = canonical(level).partition(".")
        frame = getattr(self, side) if side in SIDES else pd.DataFrame()
        if not attr or attr not in frame.columns:
            return []
        return sorted({v for v in frame[attr].tolist() if v is not None and v == v})

    def members(self, level: str, key: str) -> list[int]:
        """The ids of the locations (or items) whose attribute of ``level`` is ``key``."""
        side, _, attr = canonical(level).partition(".")
        frame = getattr(self, side) if side in SIDES else pd.DataFrame()
        if not attr or attr not in frame.columns:
            return []
        return sorted(int(i) for i in frame.index[frame[attr] == str(key)])

    def keys_of(self, level: str, location_ids, item_ids) -> np.ndarray:
        """Each series' key at ``level`` (rows: location ids, item ids); an unknown value is '?'."""
        level = canonical(level)
        n = len(location_ids)
        if level == "total":
            return np.full(n, "all", dtype=object)
        side, _, attr = level.partition(".")
        if side not in SIDES:
            raise ValueError(f"unknown level {level!r}; expected total, location, item, location.<attribute> "
                             "or item.<attribute>")
        ids = np.asarray(location_ids if side == "location" else item_ids).astype(np.int64)
        if not attr:
            return ids.astype(str).astype(object)
        frame = getattr(self, side)
        if attr not in frame.columns:
            raise ValueError(f"unknown level {level!r}: the {side}s have no attribute {attr!r}")
        values = frame[attr].reindex(ids).to_numpy(dtype=object)
        return np.array([v if v is not None and v == v else "?" for v in values], dtype=object)

    def series_keys(self, level: str, frame: pd.DataFrame) -> np.ndarray:
        """``keys_of`` for a frame with store and dept columns (location and item ids)."""
        return self.keys_of(level, frame["store"].to_numpy(), frame["dept"].to_numpy())


def _sum_by(key: np.ndarray, A: np.ndarray):
    uk, inv = np.unique(key.astype(str), return_inverse=True)
    out = np.zeros((len(uk), A.shape[1]))
    np.add.at(out, inv, A)
    return uk, out


def window_scores(panel, windows: list, attributes: Attributes) -> dict:
    """{level: arrays score, step, seg, win, y, f (= the unit U), sum_width80}
    over (aggregate, window, step) from the backtest windows: each window dict
    holds o, f (n, h) shown forecast of the chosen candidate (0 for inactive
    series), y (n, h) actuals (NaN missing), bounds (series intervals)."""
    out = {}
    for level in attributes.levels():
        key = attributes.keys_of(level, panel.keys[:, 0], panel.keys[:, 1])
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


def _table(quantiles: dict | None, level: str):
    """A level's interval table; a model trained before attribute levels has legacy names."""
    if not quantiles:
        return None
    return quantiles.get(level) or quantiles.get(LEGACY_OF.get(level, ""))


def _select(df: pd.DataFrame, attributes: Attributes | None, level: str, key) -> pd.DataFrame:
    level = canonical(level)
    if level == "total":
        return df
    keys = (attributes or Attributes()).series_keys(level, df)
    return df[keys == str(key).strip()]


def history_aggregate(sales_df: pd.DataFrame, attributes: Attributes | None, level: str, key=None,
                      series: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weekly history (date, sales) of one aggregate over the *same series* as
    a forecast: pass ``series`` (e.g. the forecast frame, or its store/dept
    pairs) so that a comparison with last year is like for like."""
    df = _select(sales_df, attributes, level, key)
    if series is not None:
        keep = series[["store", "dept"]].drop_duplicates().astype(int)
        df = df.merge(keep, on=["store", "dept"], how="inner")
    g = df.groupby(pd.to_datetime(df["date"]), sort=True)["sales"].sum()
    return pd.DataFrame({"date": g.index, "sales": g.to_numpy(float)})


def aggregate(forecast_df: pd.DataFrame, attributes: Attributes | None, level: str, key=None,
              quantiles: dict | None = None, holidays: set | None = None) -> pd.DataFrame:
    """Coherent forecast of one aggregate: DataFrame date, forecast, lo80, hi80,
    lo95, hi95 (one row per forecast week).

    ``forecast_df``: the series forecast frame (store, dept, date, forecast,
    hi80, optional status: inactive rows are ignored); ``attributes``: the
    locations' and items' attributes (needed for an attribute level); ``key``:
    the attribute's value, the location or item id (ignored for total);
    ``quantiles``: the level tables from training
    (``params["hierarchy"]["quantiles"]``).  Without a table for the level the
    bounds are NaN (no calibration, no made-up interval).
    """
    level = canonical(level)
    df = forecast_df
    if "status" in df.columns:
        df = df[df["status"] != "inactive"]
    df = _select(df, attributes, level, key)
    dd = df.assign(_u=df["hi80"] - df["forecast"])
    g = dd.groupby(pd.to_datetime(dd["date"]), sort=True)[["forecast", "_u"]].sum()
    out = pd.DataFrame({"date": g.index, "forecast": g["forecast"].to_numpy(float)})
    unit = g["_u"].to_numpy(float)
    all_dates = np.sort(pd.to_datetime(forecast_df["date"]).unique())
    step = np.searchsorted(all_dates, out["date"].to_numpy())
    # the holiday segment of each week: the model's own flags (``holidays``: the dates of its holiday
    # periods, from the workspace's events), else Walmart's four holidays (a caller without them)
    seg = (out["date"].dt.date.isin(holidays) if holidays is not None else holiday_flags(out["date"])).astype(int)
    table = _table(quantiles, level)
    for lv, tag in ((0.8, "80"), (0.95, "95")):
        if table:
            q = np.asarray(table["q"][str(lv)])
            qq = q[seg, 0, np.minimum(step, q.shape[2] - 1)]
            half = qq * unit
            lo = out["forecast"].to_numpy() - half
            out["lo" + tag] = np.maximum(lo, np.minimum(out["forecast"].to_numpy(), 0.0))
            out["hi" + tag] = out["forecast"].to_numpy() + half
        else:
            out["lo" + tag] = np.nan
            out["hi" + tag] = np.nan
    return out[["date", "forecast", "lo80", "hi80", "lo95", "hi95"]]
