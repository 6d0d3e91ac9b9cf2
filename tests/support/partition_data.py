"""A small generated daily retailer for the partition tests (tests/forecasting/ml/test_partitions.py, bench/scale.py): stores x
SKUs from tests/support/periodic_data.py's shape (a weekly cycle, a season, a Sunday-closed store), with
what a partition must read the same as the whole grid: a promotion covariate by series, a price by item,
events by location, a known closure ahead, and location and item attributes (a category and a number)."""
from __future__ import annotations

import numpy as np
import pandas as pd

END = "2026-10-31"


def retailer(stores: int = 6, skus: int = 4, days: int = 420, seed: int = 11) -> tuple[pd.DataFrame, dict]:
    """(history, the engine's other inputs)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=END, periods=days, freq="D")
    future = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=21, freq="D")
    week = np.array([0.9, 0.85, 0.9, 1.0, 1.2, 1.5, 0.7])[dates.weekday]
    year = 1 + 0.2 * np.sin(2 * np.pi * dates.dayofyear / 365.25)
    rows, promos = [], []
    for i in range(stores):
        for j in range(skus):
            loc, item = f"ST-{i + 1:02d}", f"SKU-{100 + j}"
            on = (rng.random(len(dates) + len(future)) < 0.1).astype(int)
            level = 5 + 7 * i + 3 * j
            units = rng.poisson(level * week * year * np.where(on[: len(dates)] == 1, 1.6, 1.0)).astype(float)
            frame = pd.DataFrame({"location": loc, "item": item, "date": dates, "value": units})
            if i == 0:  # closed on Sundays: no Sunday rows
                frame = frame[dates.weekday != 6]
            rows.append(frame)
            promos.append(pd.DataFrame({"location": loc, "item": item, "date": dates.append(future), "promo": on}))
    history = pd.concat(rows, ignore_index=True)
    all_days = dates.append(future)
    price = pd.DataFrame({"item": np.repeat([f"SKU-{100 + j}" for j in range(skus)], len(all_days)),
                          "date": np.tile(all_days, skus), "price": np.round(rng.uniform(2, 9, skus * len(all_days)), 2)})
    locs = [f"ST-{i + 1:02d}" for i in range(stores)]
    events = pd.DataFrame({"location": np.repeat(locs, 2),
                           "date": np.tile(pd.to_datetime(["2025-12-24", "2026-11-11"]), stores)})
    sundays = future[future.weekday == 6]
    closures = pd.DataFrame({"location": locs[0], "date": sundays})
    locations = pd.DataFrame({"location": locs, "region": [("north", "south", "east")[i % 3] for i in range(stores)],
                              "area": [100.0 + 50 * i for i in range(stores)]})
    items = pd.DataFrame({"item": [f"SKU-{100 + j}" for j in range(skus)],
                          "family": [("food", "toys")[j % 2] for j in range(skus)]})
    return history, {"covariates": [pd.concat(promos, ignore_index=True), price],
                     "kinds": {"promo": "known", "price": "known"}, "events": events, "closures": closures,
                     "locations": locations, "items": items}
