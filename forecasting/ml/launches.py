"""Items announced before their first sale (issue 18 item 5): an items file row with a launch date (an item
attribute named in ``LAUNCH_ATTRIBUTES``, e.g. ``launch_date``) and no sales yet gets a forecast from that
date, made from its peers: the items sharing its first grouping attribute (its category, say) in each
location where they sell, or every item there when it has none or too few peers. A location where the item
has sold has its own forecast; the others keep the peers' until ``GRACE`` after the launch (then, not selling
there says the item is not carried there).

A new item is, before its first sale, like any of its peers: its forecast for a period is their mean
forecast there, and its band is their spread, the 10th to 90th (2.5th to 97.5th) percentile of the peers'
forecasts, widened to hold the item's own forecast. That band is wider than a known series' (it holds which
peer the item turns out to be, not only the period's noise). Periods before the launch get no rows; the
item's status is ``new``. Pure pandas: the service reads the attributes and writes the rows."""
from __future__ import annotations

import numpy as np
import pandas as pd

LAUNCH_ATTRIBUTES = ("launch_date", "launch", "launched", "launch_day", "available_from", "introduction_date")
NEW = "new"
MIN_PEERS = 5  # fewer peers in a location: every item sold there
GRACE = pd.Timedelta(days=56)  # a launch this long before the forecast's first period: its unsold locations get none
LEVELS = {"lo80": 0.10, "hi80": 0.90, "lo95": 0.025, "hi95": 0.975}


def launch_dates(items: pd.DataFrame) -> dict[int, pd.Timestamp]:
    """{item id: launch day} of the items whose attributes name one (the first launch attribute they have
    that reads as a date). ``items``: indexed by item id, one column per attribute."""
    out = {}
    for name in LAUNCH_ATTRIBUTES:
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
    if forecast.empty:
        return _empty(forecast)
    first = pd.Timestamp(pd.to_datetime(forecast["date"]).min())
    launches = {i: d for i, d in launch_dates(items).items() if d + GRACE >= first}
    if not launches:
        return _empty(forecast)
    served = set(forecast["dept"].unique())
    ends = period_end(forecast["date"], freq)
    frames = []
    for item, day in sorted(launches.items()):
        sold = set(forecast.loc[forecast["dept"] == item, "store"].unique())
        rows = forecast[(ends >= day).to_numpy() & (forecast["dept"] != item).to_numpy()
                        & ~forecast["store"].isin(sold).to_numpy()]
        if rows.empty:
            continue
        frames.append(_from_peers(rows, _peers(item, items, grouping, served - {item}), item))
    return pd.concat(frames, ignore_index=True) if frames else _empty(forecast)


def _peers(item: int, items: pd.DataFrame, grouping: list[str], served: set) -> set:
    for attr in grouping:
        value = items.at[item, attr] if attr in items.columns and item in items.index else None
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        same = {int(i) for i in items.index[items[attr] == value]} & served
        if same:
            return same
    return set()


def _from_peers(rows: pd.DataFrame, peers: set, item: int) -> pd.DataFrame:
    """Per location and period: the peers' mean and percentiles (every item there when fewer than
    MIN_PEERS peers sell in the location)."""
    mine = rows[rows["dept"].isin(peers)]
    counts = mine.groupby("store")["dept"].nunique()
    few = set(rows["store"].unique()) - set(counts.index[counts >= MIN_PEERS])
    basis = pd.concat([mine[~mine["store"].isin(few)], rows[rows["store"].isin(few)]], ignore_index=True)
    g = basis.groupby(["store", "date"])["forecast"]
    out = g.mean().rename("forecast").reset_index()
    for col, q in LEVELS.items():
        out[col] = g.quantile(q).to_numpy()
    out[["lo80", "lo95"]] = np.minimum(out[["lo80", "lo95"]].to_numpy(), out[["forecast"]].to_numpy())
    out[["hi80", "hi95"]] = np.maximum(out[["hi80", "hi95"]].to_numpy(), out[["forecast"]].to_numpy())
    out["lo95"] = np.minimum(out["lo95"], out["lo80"])
    out["hi95"] = np.maximum(out["hi95"], out["hi80"])
    return out.assign(dept=item, pooled=False, status=NEW)[
        ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled", "status"]]


def _empty(forecast: pd.DataFrame) -> pd.DataFrame:
    cols = ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled", "status"]
    return pd.DataFrame({c: pd.Series(dtype=forecast[c].dtype if c in forecast else object) for c in cols})
