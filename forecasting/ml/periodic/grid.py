"""Series x periods at a planning frequency: the history ``Y`` (NaN where a series has no value: no row,
or every day of the period closed), the known closures (history and future), the events of each
location by period, the attributes of each series as numbers, and the covariates by series and period
(``known``: the value at the period, forward-filled where the retailer gave none, and counted; ``past``:
forward-filled, read as of the origin only)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..periods import period_days, period_start, to_periods

STEP = {"D": "D", "MS": "MS"}  # weekly grids step by 7 days from their first period start
KINDS = ("known", "past")


@dataclass
class Grid:
    freq: str
    keys: pd.DataFrame          # location, item (strings), one row per series
    dates: pd.DatetimeIndex     # first day of each history period (T)
    ext_dates: pd.DatetimeIndex  # history + future periods (T + F)
    Y: np.ndarray               # (n, T) float, NaN = no value (no row or closed)
    closed: np.ndarray          # (n, T + F) bool: the retailer says closed
    loc_idx: np.ndarray         # (n,) index into ``locations``
    locations: np.ndarray       # location codes
    events: np.ndarray | None   # (n_locations, T + F) event days in the period, None without events
    attrs: dict = field(default_factory=dict)   # "location.<a>" / "item.<a>" -> (n,) float codes
    known: dict = field(default_factory=dict)   # name -> (n, T + F)
    past: dict = field(default_factory=dict)    # name -> (n, T + F)
    assumed: dict = field(default_factory=dict)  # known name -> future periods with no uploaded value
    unset: dict = field(default_factory=dict)  # known name -> (F,) True where no series has an uploaded value

    @property
    def n(self) -> int:
        return self.Y.shape[0]

    @property
    def T(self) -> int:
        return self.Y.shape[1]

    def take(self, rows: np.ndarray) -> Grid:
        """The grid of some series only: every feature of a series reads its own rows (and its location's
        events), so their forecasts are the same as in the whole grid, at a fraction of the cost."""
        rows = np.asarray(rows, int)
        return Grid(freq=self.freq, keys=self.keys.iloc[rows].reset_index(drop=True), dates=self.dates,
                    ext_dates=self.ext_dates, Y=self.Y[rows], closed=self.closed[rows], loc_idx=self.loc_idx[rows],
                    locations=self.locations, events=self.events,
                    attrs={k: v[rows] for k, v in self.attrs.items()},
                    known={k: v[rows] for k, v in self.known.items()},
                    past={k: v[rows] for k, v in self.past.items()}, assumed=dict(self.assumed),
                    unset=dict(self.unset))

    @cached_property  # read at every training origin; the history does not change once built
    def first_obs(self) -> np.ndarray:
        obs = ~np.isnan(self.Y)
        return np.where(obs.any(1), obs.argmax(1), self.T)


def _periods(start: pd.Timestamp, count: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=count, freq=STEP.get(freq, "7D"))


def _index(ext: pd.DatetimeIndex, dates, freq: str) -> np.ndarray:
    """Position of each date's period on the grid, -1 when outside it."""
    p = pd.DatetimeIndex(period_start(pd.Series(pd.to_datetime(dates)), freq))
    pos = ext.get_indexer(p)
    return pos


def _series_keys(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"location": frame["location"].astype(str) if "location" in frame else "",
                        "item": frame["item"].astype(str) if "item" in frame else ""}, index=frame.index)
    return out


def build_grid(history: pd.DataFrame, *, freq: str, future: int, label: str = "start",
               events: pd.DataFrame | None = None, locations: pd.DataFrame | None = None,
               items: pd.DataFrame | None = None, covariates: pd.DataFrame | list | None = None,
               kinds: dict | None = None, closures: pd.DataFrame | None = None, span: tuple | None = None) -> Grid:
    """``history``: ``location`` and/or ``item``, ``date``, ``value`` [, ``open``], at the frequency or
    finer (summed into it). ``events``: ``location``, ``date`` (every location an event applies to:
    ``ml.events.event_days``). ``locations`` / ``items``: a code column and one column per attribute.
    ``covariates``: ``date`` [, ``location``] [, ``item``] and one column per name in ``kinds``
    ({name: "known" | "past"}); or a list of such frames, one per level the covariates are given at. ``closures``: ``location``, ``date`` (days the retailer is closed,
    history or future). ``span``: the (first, last) period of the grid when it holds some series of a larger
    history (a partition, periodic/partitions.py); None: those of ``history``."""
    h = history.copy()
    keys = _series_keys(h)
    h["location"], h["item"] = keys["location"], keys["item"]
    p = to_periods(h, keys=["location", "item"], freq=freq, label=label, measure="value")
    start, end = span if span is not None else (p["period"].min(), p["period"].max())
    dates = pd.date_range(start, end, freq=STEP.get(freq, "7D"))
    ext = _periods(start, len(dates) + future, freq)
    series = p[["location", "item"]].drop_duplicates().sort_values(["location", "item"], ignore_index=True)
    sidx = pd.MultiIndex.from_frame(series).get_indexer(pd.MultiIndex.from_frame(p[["location", "item"]]))
    Y = np.full((len(series), len(dates)), np.nan)
    Y[sidx, dates.get_indexer(p["period"])] = p["value"].to_numpy(float)
    closed = np.zeros((len(series), len(ext)), dtype=bool)
    shut = p["open_days"].to_numpy() == 0
    closed[sidx[shut], dates.get_indexer(p["period"][shut])] = True
    loc_codes = np.unique(series["location"].to_numpy())
    loc_idx = np.searchsorted(loc_codes, series["location"].to_numpy())
    grid = Grid(freq=freq, keys=series, dates=dates, ext_dates=ext, Y=Y, closed=closed, loc_idx=loc_idx,
                locations=loc_codes, events=None)
    if closures is not None and len(closures):
        _closures(grid, closures)
    if events is not None and len(events):
        grid.events = _events(ext, loc_codes, events, freq)
    grid.attrs = {**_attributes(series, "location", locations), **_attributes(series, "item", items)}
    if covariates is not None and kinds:
        for frame in covariates if isinstance(covariates, list) else [covariates]:
            given = {name: kind for name, kind in kinds.items() if name in frame}
            if given:
                _covariates(grid, frame, given, last_history=len(dates) - 1)
    return grid


def _closures(grid: Grid, closures: pd.DataFrame) -> None:
    """A period is closed when every one of its days is (a day for daily planning)."""
    c = closures.assign(location=closures["location"].astype(str), date=pd.to_datetime(closures["date"]))
    c = c.drop_duplicates(["location", "date"])
    c["period"] = period_start(c["date"], grid.freq)
    days = c.groupby(["location", "period"]).size().rename("days").reset_index()
    full = days["days"].to_numpy() >= period_days(days["period"], grid.freq)
    days = days[full]
    for loc, per in zip(days["location"], days["period"]):
        t = grid.ext_dates.get_indexer([per])[0]
        if t >= 0:
            grid.closed[grid.keys["location"].to_numpy() == loc, t] = True
    in_history = grid.closed[:, : grid.T]
    grid.Y[in_history] = np.nan


def _events(ext: pd.DatetimeIndex, loc_codes: np.ndarray, events: pd.DataFrame, freq: str) -> np.ndarray:
    out = np.zeros((len(loc_codes), len(ext)))
    e = events.drop_duplicates(["location", "date"])
    li = np.searchsorted(loc_codes, e["location"].astype(str).to_numpy())
    li = np.minimum(li, len(loc_codes) - 1)
    ok = loc_codes[li] == e["location"].astype(str).to_numpy()
    ti = _index(ext, e["date"], freq)
    ok &= ti >= 0
    np.add.at(out, (li[ok], ti[ok]), 1.0)
    return out


def _attributes(series: pd.DataFrame, side: str, table: pd.DataFrame | None) -> dict:
    if table is None or not len(table) or side not in table:
        return {}
    t = table.assign(**{side: table[side].astype(str)}).drop_duplicates(side).set_index(side)
    out = {}
    for col in t.columns:
        values = t[col].reindex(series[side].to_numpy())
        num = pd.to_numeric(values, errors="coerce")
        if num.notna().sum() == values.notna().sum():
            out[f"{side}.{col}"] = num.to_numpy(float)
        else:
            cats = sorted(values.dropna().astype(str).unique())
            out[f"{side}.{col}"] = values.astype(str).map({c: float(i) for i, c in enumerate(cats)}).to_numpy(float)
    return out


def _covariates(grid: Grid, cov: pd.DataFrame, kinds: dict, last_history: int) -> None:
    c = cov.copy()
    c["period"] = period_start(pd.to_datetime(c["date"]), grid.freq)
    by = [k for k in ("location", "item") if k in c]
    for k in by:
        c[k] = c[k].astype(str)
    for name, kind in kinds.items():
        if kind not in KINDS:
            raise ValueError(f"covariate {name!r}: kind is 'known' or 'past', not {kind!r}")
        m = c.groupby([*by, "period"])[name].mean().reset_index()
        t = grid.ext_dates.get_indexer(m["period"])
        keep = t >= 0
        m, t = m[keep], t[keep]
        if by:
            table = np.full((len(pd.MultiIndex.from_frame(m[by]).unique()), len(grid.ext_dates)), np.nan)
            groups = pd.MultiIndex.from_frame(m[by])
            uniq = groups.unique()
            table[uniq.get_indexer(groups), t] = m[name].to_numpy(float)
            rows = uniq.get_indexer(pd.MultiIndex.from_frame(grid.keys[by]))
            arr = np.where(rows[:, None] >= 0, table[np.maximum(rows, 0)], np.nan)
        else:
            line = np.full(len(grid.ext_dates), np.nan)
            line[t] = m[name].to_numpy(float)
            arr = np.broadcast_to(line, (grid.n, len(line))).copy()
        given = ~np.isnan(arr)
        arr = pd.DataFrame(arr.T).ffill().to_numpy().T
        if kind == "known":
            future = ~given[:, last_history + 1:]
            grid.unset[name] = future.all(0)
            grid.assumed[name] = int(grid.unset[name].sum()) if future.size else 0
            grid.known[name] = arr
        else:
            grid.past[name] = arr
