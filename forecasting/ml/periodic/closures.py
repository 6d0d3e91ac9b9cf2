"""The days a location will be closed, read from its daily history when the retailer sent no calendar of
closures (issue 17 item 2: a closed day is not a zero-demand day, and a known one forecasts 0):

* a weekday on which the location sold nothing in the last ``weeks`` weeks while it sold on its other
  days (an express store shut on Sundays) is closed on that weekday ahead;
* a day of the year on which the location sold nothing in every earlier year of its history, two at least
  (25 December, 1 January), is closed on that day ahead.

Pure pandas, no Django; the result is ``engine.train``'s ``closures`` (location, date)."""
from __future__ import annotations

import pandas as pd

WEEKS = 8
AHEAD_DAYS = 366


def inferred_closures(history: pd.DataFrame, *, weeks: int = WEEKS, ahead: int = AHEAD_DAYS) -> pd.DataFrame:
    """``history``: location, date (one row per series and open day, any number of items)."""
    days = history[["location", "date"]].assign(date=pd.to_datetime(history["date"]).dt.normalize())
    days = days.drop_duplicates(ignore_index=True)
    if days.empty:
        return pd.DataFrame(columns=["location", "date"])
    last = days["date"].max()
    future = pd.DataFrame({"date": pd.date_range(last + pd.Timedelta(days=1), periods=ahead, freq="D")})
    future["weekday"], future["md"] = future["date"].dt.weekday, future["date"].dt.month * 100 + future["date"].dt.day
    parts = []
    # a weekday with no sale lately, while the other days sold
    recent = days[days["date"] > last - pd.Timedelta(weeks=weeks)]
    open_days = recent.assign(weekday=recent["date"].dt.weekday).groupby("location")["weekday"].agg(set)
    for loc, weekdays in open_days.items():
        if len(weekdays) < 7:
            shut = future[~future["weekday"].isin(sorted(weekdays))]
            parts.append(pd.DataFrame({"location": loc, "date": shut["date"]}))
    # a day of the year with no sale in every one of at least two earlier years of the location's history
    span = days.groupby("location")["date"].agg(["min", "max"])
    full = pd.concat([pd.DataFrame({"location": loc, "date": pd.date_range(a, b, freq="D")})
                      for loc, (a, b) in span.iterrows()], ignore_index=True)
    full["sold"] = pd.MultiIndex.from_frame(full[["location", "date"]]).isin(
        pd.MultiIndex.from_frame(days[["location", "date"]]))
    full["md"] = full["date"].dt.month * 100 + full["date"].dt.day
    years = full.groupby(["location", "md"])["sold"].agg(["size", "sum"])
    annual = years[(years["size"] >= 2) & (years["sum"] == 0)].reset_index()[["location", "md"]]
    if len(annual):
        parts.append(annual.merge(future[["md", "date"]], on="md")[["location", "date"]])
    if not parts:
        return pd.DataFrame(columns=["location", "date"])
    return pd.concat(parts, ignore_index=True).drop_duplicates().sort_values(["location", "date"], ignore_index=True)
