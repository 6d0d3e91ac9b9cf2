"""Periods of a workspace's planning frequency (issue 17 item 2): ``D``, ``W-<DAY>`` (weeks ending on DAY,
pandas' name) or ``MS`` (months). A period is stored as its first day, whatever the retailer labels it by;
finer rows are summed into it; a closed day (``open`` false, or no row at all) is not a zero of demand: a
period with no open day has no value (NaN), never 0. Pure pandas, no Django."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def check_frequency(freq: str) -> str:
    if freq in ("D", "MS") or (freq.startswith("W-") and freq[2:] in WEEKDAYS):
        return freq
    raise ValueError(f"{freq!r} is not a planning frequency (D, W-MON .. W-SUN, MS)")


def is_weekly(freq: str) -> bool:
    """Whether the weekly engine (forecasting/ml/pipeline.py) plans this frequency; daily and monthly
    planning is the engine for any frequency's (forecasting/ml/periodic/). Blank (no sales yet) is weekly."""
    return not freq or freq.startswith("W-")


def period_noun(freq: str, plural: bool = True) -> str:
    """The word of one period: day(s), week(s), month(s)."""
    word = {"D": "day", "MS": "month"}.get(freq, "week")
    return word + "s" if plural else word


def span_periods(freq: str, horizon: int, origin=None, weeks: int = 13) -> int:
    """How many periods of a forecast of ``horizon`` periods from ``origin`` fall within ``weeks`` weeks of
    it (the Stores tables' and the Dashboard's "next 13 weeks", in the workspace's own periods)."""
    if freq == "D":
        return min(int(horizon), 7 * weeks)
    if freq == "MS":
        if origin is None:
            return min(int(horizon), round(weeks * 12 / 52))
        starts = pd.date_range(pd.Timestamp(origin) + pd.Timedelta(days=1),
                               pd.Timestamp(origin) + pd.Timedelta(weeks=weeks), freq="MS")
        return min(int(horizon), len(starts))
    return min(int(horizon), weeks)


def horizon_weeks(horizon: int, freq: str) -> int:
    """A horizon of ``freq`` periods in the weeks a plan's limit is set in: 13 weeks = 91 days = 3 months."""
    if freq == "D":
        return -(-int(horizon) // 7)
    if freq == "MS":
        return -(-int(horizon) * 13 // 3)
    return int(horizon)


def periods_after(origin, n: int, freq: str) -> pd.Timestamp:
    """The first day of the ``n``-th period after the period starting on ``origin`` (n may be 0 or negative)."""
    o = pd.Timestamp(origin).normalize()
    if freq == "D":
        return o + pd.Timedelta(days=int(n))
    if freq == "MS":
        return o + pd.DateOffset(months=int(n))
    return o + pd.Timedelta(weeks=int(n))


def period_steps(dates, origin, freq: str) -> np.ndarray:
    """How many periods after ``origin`` each date is (1 = the first period forecast from ``origin``)."""
    d, o = pd.to_datetime(pd.Series(dates)).dt.normalize(), pd.Timestamp(origin).normalize()
    if freq == "D":
        return (d - o).dt.days.to_numpy()
    if freq == "MS":
        return ((d.dt.year - o.year) * 12 + (d.dt.month - o.month)).to_numpy()
    return ((d - o).dt.days // 7).to_numpy()


def weeks_as_periods(weeks: int, freq: str) -> int:
    """A span a setting states in weeks (a shadow period, the weeks a degradation is read on), in periods of
    ``freq``: 4 weeks = 28 days = 1 month; never less than one period."""
    if freq == "D":
        return max(1, 7 * int(weeks))
    if freq == "MS":
        return max(1, round(int(weeks) * 12 / 52))
    return max(1, int(weeks))


def periods_as_weeks(periods: int, freq: str) -> int:
    """Whole weeks in ``periods`` periods of ``freq`` (an upload's new days counted against a setting in weeks)."""
    if freq == "D":
        return int(periods) // 7
    if freq == "MS":
        return int(periods) * 52 // 12
    return int(periods)


def periods_for_weeks(weeks: int, freq: str) -> int:
    """The fewest new periods of ``freq`` whose whole weeks (``periods_as_weeks``) reach ``weeks``: 4 weeks
    are 28 days or 1 month, 5 weeks 35 days or 2 months (a month counts 4 weeks, two 8)."""
    if freq == "D":
        return 7 * int(weeks)
    if freq == "MS":
        return -(-12 * int(weeks) // 52)
    return int(weeks)


YEAR_DAYS = 364  # 52 weeks: a week or a day a year before is the same weekday


def year_before(day, freq: str):
    """The period a period's last-year figure is of: 52 weeks earlier (a week, or a day: the same weekday, so
    25 Dec 2025, a Thursday, compares with Thu 26 Dec 2024), or the same month a year earlier (a month)."""
    return day.replace(year=day.year - 1) if freq == "MS" else day - timedelta(days=YEAR_DAYS)


def year_before_sql(expr: str, freq: str) -> str:
    """``year_before`` of a date column or expression, in PostgreSQL."""
    return f"({expr} - interval '1 year')::date" if freq == "MS" else f"({expr} - {YEAR_DAYS})"


def period_start(dates: pd.Series, freq: str) -> pd.Series:
    """The first day of the period holding each date."""
    d = pd.to_datetime(dates).dt.normalize()
    check_frequency(freq)
    if freq == "D":
        return d
    if freq == "MS":
        return d - pd.to_timedelta(d.dt.day - 1, unit="D")
    first = (WEEKDAYS.index(freq[2:]) + 1) % 7  # a week ending on Friday starts on Saturday
    return d - pd.to_timedelta((d.dt.weekday - first) % 7, unit="D")


def label_to_start(dates: pd.Series, freq: str, label: str) -> pd.Series:
    """A period's date as the retailer wrote it (its first or its last day) -> its first day."""
    if label not in ("start", "end"):
        raise ValueError("period_label is 'start' or 'end'")
    d = pd.to_datetime(dates).dt.normalize()
    if label == "end" and freq.startswith("W-"):
        d = d - pd.Timedelta(days=6)
    return period_start(d, freq)


def period_days(starts: pd.Series, freq: str) -> np.ndarray:
    """Days in each period (1, 7, or the month's length)."""
    if freq == "D":
        return np.ones(len(starts), dtype=int)
    if freq == "MS":
        return pd.to_datetime(starts).dt.days_in_month.to_numpy()
    return np.full(len(starts), 7)


def to_periods(frame: pd.DataFrame, *, keys: list[str], freq: str, label: str = "start",
               measure: str = "value", open_col: str | None = "open") -> pd.DataFrame:
    """Rows (``keys``, ``date``, ``measure``[, ``open``]) -> one row per key and period: ``value`` (the sum
    over open days; NaN when no day of the period was open or reported), ``open_days`` and ``days``.
    A date already at the planning frequency keeps its period (``label`` says which day names it)."""
    f = frame.copy()
    f["period"] = label_to_start(f["date"], freq, label)
    is_open = f[open_col].astype(bool) if open_col and open_col in f else pd.Series(True, index=f.index)
    f["_value"] = pd.to_numeric(f[measure]).where(is_open)
    f["_open"] = is_open.astype(int)
    g = f.groupby([*keys, "period"], sort=True)
    out = pd.concat([g["_value"].sum(min_count=1).rename("value"), g["_open"].sum().rename("open_days")],
                    axis=1).reset_index()
    out["days"] = period_days(out["period"], freq)
    return out
