"""Items announced before their first sale (issue 18 item 5): an items file row with a launch date (an item
attribute named in ``LAUNCH_ATTRIBUTES``, e.g. ``launch_date``) and no sales yet gets a forecast from that
date, made from its peers in each location where they sell: the items sharing its value of the grouping
attribute that best tells items' levels apart (``peer_attribute``: its category, say, when a category's
items sell alike), or every item there when none does, it has none, or it has too few peers there. A location where the item
has sold has its own forecast; the others keep the peers' until ``GRACE`` after the launch (then, not selling
there says the item is not carried there).

A new item is, before its first sale, like any one of its peers: its demand in a period is a draw from the
mixture of the peers' forecast distributions there (each read from its forecast and bands as a piecewise
linear distribution through its 2.5th, 10th, 50th, 90th and 97.5th percentiles). Its forecast is that
mixture's median (the figure with the least absolute error: a category's mean is led by its best sellers,
while most new products sell like its typical one), its bands the mixture's 10th-90th and 2.5th-97.5th
percentiles: wider than a known series' (they hold which peer the item turns out to be, not only the
period's noise). Periods before the launch get no rows; the item's status is ``new``.

A location announced with an opening date (a location attribute named in ``OPENING_ATTRIBUTES``) is the same
rule with the sides swapped (``opening_forecast``): each item its peers sell is forecast from the same item
in the similar locations (those sharing the location attribute that best tells locations' levels apart, e.g.
their format or region), from the opening day on, with two differences (``OPENING``): its forecast is the
peers' mean (the same product sells alike in stores of a kind: no ramp-up to allow for, and a new product's
skew toward its typical peer does not apply), and an item no similar location sells gets no forecast (a
chain's assortment goes by its kind of store: an express store does not carry what only hypermarkets sell).
bench/launches.py measures both choices. Pure pandas: the service reads the attributes and writes the rows."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LAUNCH_ATTRIBUTES = ("launch_date", "launch", "launched", "launch_day", "available_from", "introduction_date")
OPENING_ATTRIBUTES = ("opening_date", "open_date", "opened", "opening", "opening_day", "opened_on")
DATE_ATTRIBUTES = LAUNCH_ATTRIBUTES + OPENING_ATTRIBUTES  # days, not groups: never a hierarchy level
NEW = "new"
MIN_PEERS = 5  # fewer peers in a location: every item sold there
GRACE = pd.Timedelta(days=56)  # a launch this long before the forecast's first period: its unsold locations get none
LEVELS = {"lo95": 0.025, "lo80": 0.10, "forecast": 0.5, "hi80": 0.90, "hi95": 0.975}  # a forecast's points


@dataclass(frozen=True)
class Rule:
    """How announced members of one side are forecast from their peers."""

    names: tuple[str, ...]   # the attributes that announce a member with a date
    min_peers: int           # fewer peers selling there: every member selling there (fallback) or none
    center: str              # "median": the mixture's median; "mean": the peers' mean forecast
    fallback: bool           # too few peers: every member selling there (True), or no forecast (False)


LAUNCH = Rule(LAUNCH_ATTRIBUTES, MIN_PEERS, "median", True)
OPENING = Rule(OPENING_ATTRIBUTES, 1, "mean", False)


def launch_dates(items: pd.DataFrame, names: tuple[str, ...] = LAUNCH_ATTRIBUTES) -> dict[int, pd.Timestamp]:
    """{item id: launch day} of the items whose attributes name one (the first of ``names`` they have that
    reads as a date). ``items``: indexed by item id, one column per attribute (locations alike)."""
    out = {}
    for name in names:
        if name not in items.columns:
            continue
        days = pd.to_datetime(items[name], errors="coerce", format="mixed")
        for item, day in days.dropna().items():
            out.setdefault(int(item), pd.Timestamp(day).normalize())
    return out


def period_end(dates: pd.Series, freq: str) -> pd.Series:
    """The last day of each stored period (a week is stored by its last day, a month by its first)."""
    dates = pd.to_datetime(dates)
    if freq == "MS":
        return dates + pd.offsets.MonthEnd(0)
    return dates


def launch_forecast(forecast: pd.DataFrame, items: pd.DataFrame, freq: str, grouping: list[str]) -> pd.DataFrame:
    """Rows (``store``, ``dept``, ``date``, ``forecast``, ``lo80`` .. ``hi95``, ``pooled``, ``status``) of the
    items announced with a launch date, in every location their peers sell in and they have no row of
    ``forecast`` (the served frame of the same columns), from their launch period to the horizon's end.
    ``grouping``: the item attributes that form hierarchy levels, in order (the first the item has chooses
    its peers)."""
    return _announced(forecast, items, freq, grouping, LAUNCH)


def opening_forecast(forecast: pd.DataFrame, locations: pd.DataFrame, freq: str,
                     grouping: list[str]) -> pd.DataFrame:
    """The same rows for the locations announced with an opening date: each item their peers sell, forecast
    from the same item in the similar locations (``grouping``: the location attributes that form levels)."""
    swapped = _announced(swap(forecast), locations, freq, grouping, OPENING)
    return swap(swapped)[list(swapped.columns)]


def opening_peer_attribute(forecast: pd.DataFrame, locations: pd.DataFrame, grouping: list[str]) -> str | None:
    """The location attribute an announced location's peers share (``peer_attribute`` along the locations)."""
    return peer_attribute(swap(forecast), locations, grouping, OPENING.min_peers)


def swap(frame: pd.DataFrame) -> pd.DataFrame:
    """Locations as items and items as locations: the launch rule read along the other side."""
    return frame.rename(columns={"store": "dept", "dept": "store"})


def _announced(forecast: pd.DataFrame, items: pd.DataFrame, freq: str, grouping: list[str],
               rule: Rule) -> pd.DataFrame:
    if forecast.empty:
        return _empty(forecast)
    first = pd.Timestamp(pd.to_datetime(forecast["date"]).min())
    launches = {i: d for i, d in launch_dates(items, rule.names).items() if d + GRACE >= first}
    if not launches:
        return _empty(forecast)
    served = set(forecast["dept"].unique())
    chosen = peer_attribute(forecast, items, grouping, rule.min_peers)
    ends = period_end(forecast["date"], freq)
    frames = []
    for item, day in sorted(launches.items()):
        sold = set(forecast.loc[forecast["dept"] == item, "store"].unique())
        rows = forecast[(ends >= day).to_numpy() & (forecast["dept"] != item).to_numpy()
                        & ~forecast["store"].isin(sold).to_numpy()]
        if rows.empty:
            continue
        peers = _peers(item, items, [chosen], served - {item}) if chosen else set()
        frames.append(_from_peers(rows, peers, item, rule))
    return pd.concat(frames, ignore_index=True) if frames else _empty(forecast)


def peer_attribute(forecast: pd.DataFrame, items: pd.DataFrame, grouping: list[str],
                   min_peers: int = MIN_PEERS) -> str | None:
    """The grouping attribute whose peers best predict an item's level, or None (every item of the location):
    each item with a forecast is taken as new, its mean forecast in a location predicted by the median of
    its peers' there (leave it out; fewer than MIN_PEERS peers: every other item there), and the attribute
    with the least absolute error wins (ties: none, the simpler rule)."""
    level = forecast.groupby(["store", "dept"], as_index=False)["forecast"].mean()
    best, best_error = None, _loo_error(level, _values(level, items, None), min_peers=min_peers)
    for attr in grouping:
        if attr not in items.columns:
            continue
        error = _loo_error(level, _values(level, items, attr), min_peers=min_peers)
        if error < best_error - 1e-9:
            best, best_error = attr, error
    return best


def _values(level: pd.DataFrame, items: pd.DataFrame, attr: str | None) -> pd.Series:
    if attr is None:
        return pd.Series("all", index=level.index)
    value = level["dept"].map(items[attr]).astype(object)
    return value.where(value.notna(), None)


def _loo_error(level: pd.DataFrame, value: pd.Series, min_peers: int = MIN_PEERS) -> float:
    """Sum over (location, item) of |the median of the other items of its group there - its level|; an item with no value, or in a group of fewer than ``min_peers`` others, is predicted by every
    other item there."""
    total = 0.0
    for _, part in level.assign(group=value.to_numpy()).groupby("store"):
        v = part["forecast"].to_numpy(float)
        pred = _loo_medians(v)  # every other item of the location
        groups = part["group"].to_numpy(object)
        for g in {x for x in groups if x is not None}:
            rows = np.flatnonzero(groups == g)
            if len(rows) - 1 >= min_peers:
                pred[rows] = _loo_medians(v[rows])
        total += float(np.nansum(np.abs(pred - v)))
    return total


def _loo_medians(v: np.ndarray) -> np.ndarray:
    """Each value's leave-one-out median of ``v`` (the median of the others; NaN when there are none)."""
    n = len(v)
    if n < 2:
        return np.full(n, np.nan)
    order = np.argsort(v, kind="stable")
    s = v[order]
    rank = np.empty(n, int)
    rank[order] = np.arange(n)
    m = n - 1  # the others

    def nth(i: int) -> np.ndarray:  # the i-th smallest of the others, for each value left out
        return s[np.where(i < rank, i, i + 1)]
    return nth(m // 2) if m % 2 else (nth(m // 2 - 1) + nth(m // 2)) / 2


def _peers(item: int, items: pd.DataFrame, grouping: list[str], served: set) -> set:
    for attr in grouping:
        value = items.at[item, attr] if attr in items.columns and item in items.index else None
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        same = {int(i) for i in items.index[items[attr] == value]} & served
        if same:
            return same
    return set()


def _from_peers(rows: pd.DataFrame, peers: set, item: int, rule: Rule) -> pd.DataFrame:
    """Per location and period: the mixture of the peers' distributions (fewer than the rule's minimum of
    peers selling in the location: every item there, or none); the forecast its median, or the peers' mean
    forecast (within the 80 % band)."""
    mine = rows[rows["dept"].isin(peers)] if peers else rows
    counts = mine.groupby("store")["dept"].nunique()
    few = set(rows["store"].unique()) - set(counts.index[counts >= rule.min_peers])
    kept = [mine[~mine["store"].isin(few)]] + ([rows[rows["store"].isin(few)]] if rule.fallback else [])
    basis = pd.concat(kept, ignore_index=True)
    if basis.empty:
        return _empty(rows)
    basis = basis.sort_values(["store", "date", "dept"], kind="stable")
    cols = list(LEVELS)
    points = np.sort(basis[cols].to_numpy(float), axis=1)  # a peer's five points, in order
    keys = basis[["store", "date"]].drop_duplicates().reset_index(drop=True)
    group = pd.MultiIndex.from_frame(basis[["store", "date"]]).map(
        {k: i for i, k in enumerate(pd.MultiIndex.from_frame(keys))}).to_numpy()
    out = keys.copy()
    for col, q in zip(cols, mixture_quantiles(points, group, len(keys), list(LEVELS.values())).T):
        out[col] = q
    if rule.center == "mean":
        mean = np.bincount(group, weights=basis["forecast"].to_numpy(float), minlength=len(keys)) / np.bincount(
            group, minlength=len(keys))
        out["forecast"] = np.clip(mean, out["lo80"].to_numpy(), out["hi80"].to_numpy())
    return out.assign(dept=item, pooled=False, status=NEW)[
        ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled", "status"]]


def mixture_quantiles(points: np.ndarray, group: np.ndarray, groups: int, levels: list[float]) -> np.ndarray:
    """(groups, len(levels)) quantiles of each group's equal mixture of distributions, each given by its
    (n, 5) points at the probabilities of ``LEVELS`` (a piecewise linear CDF between them, no mass outside).
    ``group``: (n,) the group of each row. The answer is one of the rows' points (the smallest with the
    mixture's CDF at or above the level), so exact for the points themselves."""
    probs = np.array(list(LEVELS.values()))
    order = np.argsort(group, kind="stable")
    points, group = points[order], group[order]
    starts = np.searchsorted(group, np.arange(groups))
    ends = np.searchsorted(group, np.arange(groups), side="right")
    out = np.zeros((groups, len(levels)))
    for g in range(groups):
        p = points[starts[g]: ends[g]]  # (k, 5)
        xs = np.unique(p)
        cdf = np.zeros(len(xs))
        for row in p:
            cdf += _cdf(row, probs, xs)
        cdf /= len(p)
        for j, level in enumerate(levels):
            out[g, j] = xs[min(np.searchsorted(cdf, level - 1e-12), len(xs) - 1)]
    return out


def _cdf(row: np.ndarray, probs: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """One distribution's CDF at ``xs``: 0 below its lowest point, 1 from its highest, linear between."""
    if row[-1] <= row[0]:  # a point mass (a closed day: 0, 0, 0, 0, 0)
        return (xs >= row[0]).astype(float)
    last = np.r_[row[1:] != row[:-1], True]  # a repeated point holds the mass up to its last probability
    return np.where(xs >= row[-1], 1.0, np.interp(xs, row[last], probs[last], left=0.0))


def _empty(forecast: pd.DataFrame) -> pd.DataFrame:
    cols = ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled", "status"]
    return pd.DataFrame({c: pd.Series(dtype=forecast[c].dtype if c in forecast else object) for c in cols})
