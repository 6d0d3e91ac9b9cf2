"""Explanations: global LightGBM gain importance and per-forecast contributions."""
from __future__ import annotations

import numpy as np


def global_importance(model, names: list) -> list:
    gain = model.feature_importance(importance_type="gain")
    total = float(gain.sum()) or 1.0
    order = np.argsort(-gain, kind="stable")
    return [{"feature": names[i], "gain": float(gain[i]), "share": float(gain[i] / total)} for i in order]


def top_contributions(model, x_row: np.ndarray, names: list, scale: float, k: int = 5) -> list:
    """pred_contrib of one feature row, in sales units (the model predicts the
    residual over the seasonal profile divided by the series scale)."""
    contrib = model.predict(np.asarray(x_row, dtype=np.float64).reshape(1, -1), pred_contrib=True, num_threads=1)[0]
    c = contrib[:-1] * scale  # last column is the expected value
    order = np.argsort(-np.abs(c), kind="stable")[:k]
    return [{"feature": names[i], "contribution": float(c[i]), "value": _num(x_row[i])} for i in order]


def _num(v):
    v = float(v)
    return None if not np.isfinite(v) else v
