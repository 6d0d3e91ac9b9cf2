"""What a planning frequency's seasons are: the short cycle (the week of a daily series), the year in
periods (364 days, so that a year ago falls on the same weekday; 52 weeks; 12 months), the window that
sets a series' level, and the calendar features of a target period."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import check_frequency


@dataclass(frozen=True)
class Seasons:
    freq: str
    short: int        # periods of the short cycle (7 for days; 1 when there is none)
    year: int         # periods in a year, aligned on the short cycle
    level: int        # periods that set a series' level (its scale)
    recent: int       # periods of the "recent" mean
    stride: int       # periods between training origins (co-prime with ``short``: every weekday is an origin)
    bucket: int       # horizon steps per band bucket (a week of days; one week; one month)
    max_horizon: int  # the longest horizon the year lag still covers

    def bucket_of(self, steps: np.ndarray) -> np.ndarray:
        return (np.asarray(steps) - 1) // self.bucket


def seasons_of(freq: str) -> Seasons:
    check_frequency(freq)
    if freq == "D":
        return Seasons(freq, short=7, year=364, level=28, recent=7, stride=3, bucket=7, max_horizon=182)
    if freq == "MS":
        return Seasons(freq, short=1, year=12, level=12, recent=3, stride=1, bucket=1, max_horizon=12)
    return Seasons(freq, short=1, year=52, level=13, recent=4, stride=1, bucket=1, max_horizon=52)


WEEKDAY_NAMES = ("mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays")


def _weekday_counts(months: pd.DatetimeIndex) -> np.ndarray:
    """(len(months), 7) how many Mondays .. Sundays each month (given by its first day) holds."""
    first = months.dayofweek.to_numpy()[:, None]
    extra = (months.days_in_month.to_numpy() - 28)[:, None]
    return (4 + (((np.arange(7)[None, :] - first) % 7) < extra)).astype(float)


def calendar(dates: pd.DatetimeIndex, freq: str) -> tuple[list[str], np.ndarray]:
    """Calendar features of each period (known in advance): names and a (len(dates), k) array."""
    d = pd.DatetimeIndex(dates)
    cols: dict[str, np.ndarray] = {"month": d.month.to_numpy(float)}
    if freq == "D":
        cols.update({
            "day_of_week": d.dayofweek.to_numpy(float),
            "day_of_month": d.day.to_numpy(float),
            "days_to_month_end": (d.days_in_month - d.day).to_numpy(float),
            "day_of_year": d.dayofyear.to_numpy(float),
        })
    elif freq.startswith("W-"):
        cols["week_of_year"] = d.isocalendar().week.to_numpy(float)
    else:  # trading days: how many of each weekday the month holds (a month with five Fridays sells more),
        # and against the same month a year earlier (what the year-ago value it is compared with held)
        cols["days_in_month"] = d.days_in_month.to_numpy(float)
        now, then = _weekday_counts(d), _weekday_counts(d - pd.DateOffset(years=1))
        for wd, name in enumerate(WEEKDAY_NAMES):
            cols[name] = now[:, wd]
            cols[f"{name}_vs_year_ago"] = now[:, wd] - then[:, wd]
    names = list(cols)
    return names, np.stack([cols[n] for n in names], axis=1)
