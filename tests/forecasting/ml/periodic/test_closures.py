"""Closed days ahead read from a daily history (forecasting/ml/periodic/closures.py): a store that sold on
no Sunday lately is closed on Sundays ahead, a day closed in every earlier year (two at least) is closed
again, a store that sells every day has no closure, and one year of history is not enough for a yearly one."""
import pandas as pd

from forecasting.ml.periodic.closures import inferred_closures


def _days(location: str, start: str, end: str, skip=lambda d: False) -> pd.DataFrame:
    dates = pd.date_range(start, end, freq="D")
    return pd.DataFrame({"location": location, "date": [d for d in dates if not skip(d)]})


def test_weekday_and_yearly_closures():
    christmas = lambda d: d.month == 12 and d.day == 25  # noqa: E731
    history = pd.concat([
        _days("EXPRESS", "2024-01-01", "2026-11-29", lambda d: d.weekday() == 6 or christmas(d)),
        _days("HYPER", "2024-01-01", "2026-11-29", christmas),
        _days("ALWAYS", "2024-01-01", "2026-11-29"),
        _days("YOUNG", "2025-12-01", "2026-11-29", christmas),
    ])
    closed = inferred_closures(history, ahead=60)
    by = {loc: set(g["date"]) for loc, g in closed.groupby("location")}
    ahead = pd.date_range("2026-11-30", periods=60, freq="D")
    sundays = set(ahead[ahead.weekday == 6])
    assert by["EXPRESS"] == sundays | {pd.Timestamp("2026-12-25")}
    assert by["HYPER"] == {pd.Timestamp("2026-12-25")}
    assert "ALWAYS" not in by and "YOUNG" not in by  # one Christmas in its history: not yet a rule
