"""Periods of the planning frequency (issue 17 item 2): finer rows summed into D, W-<DAY> or MS periods
stored by their first day; a closed day is not a zero of demand. Pure pandas."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from forecasting.ml.periods import (
    check_frequency,
    label_to_start,
    period_start,
    period_steps,
    periods_after,
    periods_as_weeks,
    to_periods,
    weeks_as_periods,
)


def _days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


@pytest.mark.parametrize("freq,day,start", [
    ("D", date(2024, 3, 6), date(2024, 3, 6)),
    ("W-SUN", date(2024, 3, 6), date(2024, 3, 4)),  # weeks Monday..Sunday
    ("W-FRI", date(2010, 2, 5), date(2010, 1, 30)),  # Walmart's week ending Friday 5 Feb starts Saturday 30 Jan
    ("W-FRI", date(2010, 1, 30), date(2010, 1, 30)),
    ("MS", date(2024, 2, 29), date(2024, 2, 1)),
])
def test_period_start(freq, day, start):
    assert period_start(pd.Series([day]), freq).iloc[0].date() == start


def test_labels_by_start_or_end_name_the_same_period():
    end = label_to_start(pd.Series([date(2010, 2, 5)]), "W-FRI", "end").iloc[0]
    begin = label_to_start(pd.Series([date(2010, 1, 30)]), "W-FRI", "start").iloc[0]
    assert end == begin == pd.Timestamp(2010, 1, 30)
    assert label_to_start(pd.Series([date(2024, 1, 31)]), "MS", "end").iloc[0] == pd.Timestamp(2024, 1, 1)
    with pytest.raises(ValueError):
        check_frequency("W")


def test_daily_rows_summed_into_weeks_with_a_closed_day_and_a_closed_week():
    days = _days(date(2024, 3, 4), 21)  # three weeks, Monday to Sunday
    frame = pd.DataFrame({"location": "BER-01", "date": days, "value": 10.0, "open": True})
    frame.loc[frame["date"] == date(2024, 3, 10), "open"] = False  # closed on Sunday 10 March
    frame.loc[frame["date"] == date(2024, 3, 10), "value"] = 0.0  # the till wrote 0: not demand
    frame = frame[~frame["date"].between(date(2024, 3, 11), date(2024, 3, 17))]  # the second week: no rows
    weeks = to_periods(frame, keys=["location"], freq="W-SUN")
    by_week = weeks.set_index("period")
    assert by_week.loc[pd.Timestamp(2024, 3, 4), "value"] == 60.0  # six open days
    assert by_week.loc[pd.Timestamp(2024, 3, 4), "open_days"] == 6
    assert pd.Timestamp(2024, 3, 11) not in by_week.index  # a gap stays a gap, not a zero row
    assert by_week.loc[pd.Timestamp(2024, 3, 18), "value"] == 70.0


def test_a_period_with_no_open_day_has_no_value_and_months_have_their_length():
    frame = pd.DataFrame({"store": [1, 1, 1], "date": [date(2024, 2, 1), date(2024, 2, 2), date(2024, 3, 5)],
                          "units": [0.0, 0.0, 4.0], "open": [False, False, True]})
    months = to_periods(frame, keys=["store"], freq="MS", measure="units")
    assert np.isnan(months.loc[0, "value"]) and months.loc[0, "open_days"] == 0
    assert months.loc[1, "value"] == 4.0 and list(months["days"]) == [29, 31]


@pytest.mark.parametrize("freq,origin,n,expected", [
    ("D", "2026-10-31", 1, "2026-11-01"), ("D", "2026-10-31", 28, "2026-11-28"),
    ("W-FRI", "2012-10-26", 2, "2012-11-09"), ("MS", "2026-10-01", 3, "2027-01-01"),
    ("MS", "2026-01-01", -12, "2025-01-01"),
])
def test_periods_after_and_steps_agree(freq, origin, n, expected):
    assert periods_after(origin, n, freq) == pd.Timestamp(expected)
    assert list(period_steps([expected], origin, freq)) == [n]


def test_settings_in_weeks_as_periods_and_back():
    assert [weeks_as_periods(4, f) for f in ("D", "W-SUN", "MS")] == [28, 4, 1]
    assert weeks_as_periods(13, "MS") == 3 and weeks_as_periods(0, "D") == 1  # never less than one period
    assert [periods_as_weeks(n, "D") for n in (6, 7, 15)] == [0, 1, 2]  # whole weeks of new days
    assert periods_as_weeks(1, "MS") == 4 and periods_as_weeks(3, "W-FRI") == 3
