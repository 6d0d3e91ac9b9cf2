"""Holiday calendar and calendar features for week-ending dates.

Everything here is a pure function of the *target* date, so it is known in
advance and cannot leak.  The Walmart holiday flag marks the week (the seven
days ending on the week-ending date) that contains Super Bowl Sunday, Labor Day,
Thanksgiving or Christmas Day; the same rule generates flags for future weeks.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> _dt.date:
    d = _dt.date(year, month, 1)
    d += _dt.timedelta(days=(weekday - d.weekday()) % 7)
    return d + _dt.timedelta(weeks=n - 1)


def super_bowl(year: int) -> _dt.date:
    # first Sunday of February until 2021, second Sunday since 2022
    return _nth_weekday(year, 2, 6, 1 if year <= 2021 else 2)


def labor_day(year: int) -> _dt.date:
    return _nth_weekday(year, 9, 0, 1)


def thanksgiving(year: int) -> _dt.date:
    return _nth_weekday(year, 11, 3, 4)


def christmas(year: int) -> _dt.date:
    return _dt.date(year, 12, 25)


def holiday_flags(dates) -> np.ndarray:
    """True when the week ending on each date contains one of the four holidays."""
    d = pd.DatetimeIndex(dates)
    out = np.zeros(len(d), dtype=bool)
    for i, end in enumerate(d):
        end = end.date()
        start = end - _dt.timedelta(days=6)
        for y in {start.year, end.year}:
            for f in (super_bowl, labor_day, thanksgiving, christmas):
                h = f(y)
                if start <= h <= end:
                    out[i] = True
    return out


def _signed_weeks_to(dates: pd.DatetimeIndex, fn) -> np.ndarray:
    out = np.empty(len(dates))
    for i, end in enumerate(dates):
        e = end.date()
        best = None
        for y in (e.year - 1, e.year, e.year + 1):
            # weeks from the week ending `e` to the week containing the event
            days = (fn(y) - e).days
            w = int(np.ceil(days / 7.0))
            if best is None or abs(w) < abs(best):
                best = w
        out[i] = best
    return np.clip(out, -26, 26)


def pre_christmas_days(dates) -> np.ndarray:
    """Number of days of the week (ending on date) that fall on Dec 18..Dec 24."""
    d = pd.DatetimeIndex(dates)
    out = np.zeros(len(d))
    for i, end in enumerate(d):
        for k in range(7):
            day = (end - pd.Timedelta(days=k))
            if day.month == 12 and 18 <= day.day <= 24:
                out[i] += 1
    return out


def calendar_shift(dates) -> np.ndarray:
    """Days by which the week 52 weeks earlier is later in the calendar than the
    same calendar week one year earlier (1, or 2 across a 29 February)."""
    d = pd.DatetimeIndex(dates)
    out = np.zeros(len(d))
    for i, end in enumerate(d):
        base = end - pd.Timedelta(days=364)
        try:
            prev = end.replace(year=end.year - 1)
        except ValueError:  # 29 February
            prev = end - pd.Timedelta(days=365)
        out[i] = (base - prev).days
    return out


def calendar_frame(dates, flags=None) -> pd.DataFrame:
    """Calendar features of target week-ending dates (all known in advance)."""
    d = pd.DatetimeIndex(dates)
    hol = holiday_flags(d) if flags is None else np.asarray(flags, dtype=bool)
    return pd.DataFrame(
        {
            "week_of_year": d.isocalendar().week.to_numpy().astype(float),
            "month": d.month.to_numpy().astype(float),
            "year": d.year.to_numpy().astype(float),
            "is_holiday": hol.astype(float),
            "weeks_to_thanksgiving": _signed_weeks_to(d, thanksgiving),
            "weeks_to_christmas": _signed_weeks_to(d, christmas),
            "pre_christmas_days": pre_christmas_days(d),
            "calendar_shift": calendar_shift(d),
        },
        index=d,
    )
