"""The backtest's accuracy by store and by department (issue 19, item 8): WAPE of the chosen model over
the backtest windows' observed cells, summed per key, so the Stores and Departments tables show the
accuracy a model earned on each store before any live week arrives. Pure numpy, no Django."""
from __future__ import annotations

import numpy as np


def _by(keys: np.ndarray, err: np.ndarray, act: np.ndarray) -> dict[str, dict]:
    out = {}
    for k in np.unique(keys):
        mask = keys == k
        e, a = float(err[mask].sum()), float(act[mask].sum())
        out[str(int(k))] = {"wape": (e / a) if a > 0 else None, "error": round(e, 2), "actual": round(a, 2)}
    return out


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
    return {"store": _by(keys[:, 0], err, act), "dept": _by(keys[:, 1], err, act), "windows": len(windows),
            "weeks": int(np.asarray(windows[0]["obs"]).shape[1])}
