"""Accuracy metrics.  WMAE weights holiday weeks ``weight`` (the workspace's setting; 5 by default, as
Walmart's competition did) and other weeks 1."""
from __future__ import annotations

import numpy as np

HOLIDAY_WEIGHT = 5.0


def _f(x) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else round(x, 4)


def point_metrics(y: np.ndarray, f: np.ndarray, hol: np.ndarray, weight: float = HOLIDAY_WEIGHT) -> dict:
    """y, f, hol: 1-d arrays over the evaluated rows (observed actuals only)."""
    y = np.asarray(y, float)
    f = np.asarray(f, float)
    hol = np.asarray(hol, bool)
    if len(y) == 0:
        return {"n": 0, "wmae": None, "mae": None, "rmse": None, "wape": None}
    e = y - f
    w = np.where(hol, weight, 1.0)
    denom = np.abs(y).sum()
    return {
        "n": int(len(y)),
        "wmae": _f((w * np.abs(e)).sum() / w.sum()),
        "mae": _f(np.abs(e).mean()),
        "rmse": _f(np.sqrt((e ** 2).mean())),
        "wape": _f(np.abs(e).sum() / denom) if denom > 0 else None,
    }


def full_metrics(y, f, hol, weight: float = HOLIDAY_WEIGHT) -> dict:
    y = np.asarray(y, float)
    f = np.asarray(f, float)
    hol = np.asarray(hol, bool)
    out = point_metrics(y, f, hol, weight)
    out["holiday"] = point_metrics(y[hol], f[hol], hol[hol], weight)
    out["non_holiday"] = point_metrics(y[~hol], f[~hol], hol[~hol], weight)
    return out


def wmae(y, f, hol, weight: float = HOLIDAY_WEIGHT) -> float:
    y = np.asarray(y, float)
    w = np.where(np.asarray(hol, bool), weight, 1.0)
    return float((w * np.abs(y - np.asarray(f, float))).sum() / w.sum())
