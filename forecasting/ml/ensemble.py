"""Ensemble of the registered candidates: plain mean or backtest weights.

Weights are only ever scored on windows they were not chosen on: for window k
(k >= 1) the weights minimising WMAE on windows 0..k-1 (simplex grid, step
``GRID``) forecast window k.  Summed over windows 1..K-1 this out-of-sample
WMAE is compared with the plain mean's on the same windows; the better method
is kept (a tie keeps the mean).  With the mean kept, the ensemble is the mean
everywhere; with the weights kept, window 0 uses the mean, window k the weights
of the windows before it, and the final model the weights fitted on all
windows.
"""
from __future__ import annotations

import itertools

import numpy as np

from .metrics import HOLIDAY_WEIGHT, wmae

GRID = 0.05


def simplex(m: int, step: float = GRID) -> np.ndarray:
    n = int(round(1 / step))
    pts = [c for c in itertools.product(range(n + 1), repeat=m - 1) if sum(c) <= n]
    return np.array([list(c) + [n - sum(c)] for c in pts], float) / n


def combine(fcs: dict, weights: dict) -> np.ndarray:
    return sum(float(weights[k]) * np.asarray(fcs[k], float) for k in weights)


def mean_weights(members: list) -> dict:
    return {k: 1.0 / len(members) for k in members}


def best_weights(members: list, fcs: list, ys: list, hols: list, weight: float = HOLIDAY_WEIGHT) -> dict:
    """Simplex weights with the lowest pooled WMAE over the given windows.
    fcs: per window {member: 1-d forecasts of the scored rows}."""
    if len(members) == 1:
        return {members[0]: 1.0}
    F = np.stack([np.concatenate([f[k] for f in fcs]) for k in members], 1)
    y, hol = np.concatenate(ys), np.concatenate(hols)
    w = np.where(hol, weight, 1.0)
    W = simplex(len(members))
    # chunked to keep memory small
    best, best_s = None, np.inf
    for i in range(0, len(W), 64):
        P = F @ W[i: i + 64].T
        s = (w[:, None] * np.abs(y[:, None] - P)).sum(0)
        j = int(np.argmin(s))
        if s[j] < best_s - 1e-9:
            best, best_s = W[i + j], s[j]
    return {k: float(v) for k, v in zip(members, best)}


def choose(members: list, fcs: list, ys: list, hols: list, weight: float = HOLIDAY_WEIGHT) -> dict:
    """Compare the plain mean with earlier-window weights, out of sample.

    Returns {"method": "mean" | "weighted", "weights": final weights,
    "per_window": weights used for each window, "oos": {"mean", "weighted",
    "windows"}} where oos figures are WMAE pooled over windows 1..K-1."""
    K = len(fcs)
    mw = mean_weights(members)
    per_w = [mw] + [best_weights(members, fcs[:k], ys[:k], hols[:k], weight) for k in range(1, K)]
    if K < 2 or len(members) < 2:
        return {"method": "mean", "weights": mw, "per_window": [mw] * K,
                "oos": {"mean": None, "weighted": None, "windows": 0}}
    y = np.concatenate(ys[1:])
    hol = np.concatenate(hols[1:])
    f_mean = np.concatenate([combine(fcs[k], mw) for k in range(1, K)])
    f_w = np.concatenate([combine(fcs[k], per_w[k]) for k in range(1, K)])
    oos = {"mean": wmae(y, f_mean, hol, weight), "weighted": wmae(y, f_w, hol, weight), "windows": K - 1}
    if oos["weighted"] < oos["mean"]:
        return {"method": "weighted", "weights": best_weights(members, fcs, ys, hols, weight), "per_window": per_w,
                "oos": oos}
    return {"method": "mean", "weights": mw, "per_window": [mw] * K, "oos": oos}
