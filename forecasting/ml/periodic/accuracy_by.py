"""The chosen model's backtest error by location and by item for the engine for any planning frequency
(the Stores and Products tables' "Backtest error" until live periods arrive), in the weekly engine's shape
(forecasting/ml/backtest_accuracy.py): the absolute errors of every realized period of every window over
the actual sales, per location id and per item id of the grid's keys. Pure numpy."""
from __future__ import annotations

import numpy as np

from ..backtest_accuracy import by_key


def backtest_wape_by(windows: list[dict], chosen: str) -> dict:
    """``windows``: ``engine.Result.windows`` (``y``, ``f`` by candidate, ``keys`` with ``location`` and
    ``item``, ids as text) -> {"store": {"12": {wape, error, actual}}, "dept": {...}, "windows", "weeks"}."""
    if not windows:
        return {"store": {}, "dept": {}, "windows": 0, "weeks": 0}
    err = sum(np.where(np.isnan(w["y"]), 0.0, np.abs(w["f"][chosen] - w["y"])).sum(axis=1) for w in windows)
    act = sum(np.where(np.isnan(w["y"]), 0.0, np.abs(w["y"])).sum(axis=1) for w in windows)
    keys = windows[0]["keys"]
    return {"store": by_key(keys["location"].to_numpy().astype(int), err, act),
            "dept": by_key(keys["item"].to_numpy().astype(int), err, act),
            "windows": len(windows), "weeks": int(windows[0]["y"].shape[1])}
