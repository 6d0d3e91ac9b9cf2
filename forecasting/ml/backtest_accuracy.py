"""The backtest's accuracy by store and by department (issue 19, item 8): WAPE of the chosen model over
the backtest windows' observed cells, summed per key, so the Stores and Departments tables show the
accuracy a model earned on each store before any live week arrives. Pure numpy, no Django."""
from __future__ import annotations

import numpy as np


def by_key(keys: np.ndarray, err: np.ndarray, act: np.ndarray) -> dict[str, dict]:
    """{key: {wape, error, actual}}: the errors and actuals of the series summed per key."""
    uniq, inverse = np.unique(keys, return_inverse=True)  # one pass over the series, whatever the key count
    e_sum, a_sum = np.bincount(inverse, weights=err), np.bincount(inverse, weights=act)
    return {str(int(k)): {"wape": (float(e) / float(a)) if a > 0 else None, "error": round(float(e), 2),
                          "actual": round(float(a), 2)} for k, e, a in zip(uniq, e_sum, a_sum)}


def backtest_accuracy_by(panel, windows: list[dict], chosen: str) -> dict:
    """{"store": {"1": {wape, error, actual}}, "dept": {...}, "windows": n, "weeks": weeks scored per window}
    over the cells each window observed (weeks with an actual)."""
    if not windows:
        return {"store": {}, "dept": {}, "windows": 0, "weeks": 0}
    err = np.zeros(panel.n)
    act = np.zeros(panel.n)
    for w in windows:
        obs = np.asarray(w["obs"], bool)
        y = np.where(obs, w["y"], 0.0)
        fc = np.where(obs, w["fc"][chosen], 0.0)
        err += np.abs(fc - y).sum(axis=1)
        act += np.abs(y).sum(axis=1)
    keys = np.asarray(panel.keys)
    return {"store": by_key(keys[:, 0], err, act), "dept": by_key(keys[:, 1], err, act), "windows": len(windows),
            "weeks": int(np.asarray(windows[0]["obs"]).shape[1])}
