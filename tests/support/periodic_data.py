"""Small sales exports at a daily, weekly or monthly frequency, as a retailer's till system writes them
(``store,sku,date,units``): a weekly cycle, a yearly season, a level per series, noise; a store closed on
Sundays has no Sunday rows."""
from __future__ import annotations

import numpy as np
import pandas as pd

STORES = ("BER-01", "BER-02", "HAM-01")
SKUS = ("A-100", "B-200")
CLOSED_SUNDAYS = "HAM-01"


def daily_export(days: int = 420, end: str = "2026-10-31", seed: int = 3, promo: bool = False) -> pd.DataFrame:
    """With ``promo``: a ``promo`` column (1 on about one day in eight of each series, when it sells 1.8x)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=end, periods=days, freq="D")
    week = np.array([0.9, 0.85, 0.9, 1.0, 1.2, 1.5, 0.7])[dates.weekday]
    year = 1 + 0.2 * np.sin(2 * np.pi * dates.dayofyear / 365.25)
    rows = []
    for i, store in enumerate(STORES):
        for j, sku in enumerate(SKUS):
            level = 20 + 10 * i + 5 * j
            on = (rng.random(len(dates)) < 0.125).astype(int) if promo else np.zeros(len(dates), int)
            units = rng.poisson(level * week * year * np.where(on == 1, 1.8, 1.0))
            frame = pd.DataFrame({"store": store, "sku": sku, "date": dates.strftime("%Y-%m-%d"), "units": units})
            if promo:
                frame["promo"] = on
            if store == CLOSED_SUNDAYS:
                frame = frame[dates.weekday != 6]
            rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def monthly_export(months: int = 48, end: str = "2026-10-01", seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=end, periods=months, freq="MS")
    season = 1 + 0.3 * np.sin(2 * np.pi * (dates.month - 3) / 12)
    rows = []
    for i, store in enumerate(STORES):
        for j, sku in enumerate(SKUS):
            level = 600 + 200 * i + 100 * j
            units = np.round(level * season * rng.normal(1, 0.05, len(dates)))
            rows.append(pd.DataFrame({"store": store, "sku": sku, "date": dates.strftime("%Y-%m-%d"), "units": units}))
    return pd.concat(rows, ignore_index=True)


def weekly_export_by_start(weeks: int = 120, end: str = "2026-10-25", seed: int = 5) -> pd.DataFrame:
    """Weeks ending on Saturday, each labelled by its first day (a Sunday)."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range(end=end, periods=weeks, freq="W-SUN")
    season = 1 + 0.25 * np.sin(2 * np.pi * starts.dayofyear / 365.25)
    rows = []
    for i, store in enumerate(STORES):
        for j, sku in enumerate(SKUS):
            level = 150 + 40 * i + 20 * j
            units = rng.poisson(level * season)
            rows.append(pd.DataFrame({"store": store, "sku": sku, "week_start": starts.strftime("%Y-%m-%d"),
                                      "units": units}))
    return pd.concat(rows, ignore_index=True)
