"""Split-conformal prediction intervals from backtest residuals.

Residuals are scaled by the series level (mean |sales| of the 52 weeks before
the origin) so one set of quantiles gives sensible widths for big and small
series: interval = forecast +- q_h * scale, with q_h the empirical quantile of
|actual - forecast| / scale at horizon step h over all backtest windows.
"""
from __future__ import annotations

import numpy as np

LEVELS = (0.80, 0.95)


def step_quantiles(abs_err: np.ndarray, steps: np.ndarray, H: int, level: float) -> np.ndarray:
    """abs_err: scaled absolute residuals, steps: their 0-based horizon step."""
    q = np.full(H, np.nan)
    allq = np.quantile(abs_err, level) if len(abs_err) else 1.0
    for h in range(H):
        e = abs_err[steps == h]
        # finite-sample conformal quantile
        q[h] = np.quantile(e, min(1.0, level * (1 + 1 / len(e)))) if len(e) >= 20 else allq
    # wider for later steps: enforce non-decreasing widths along the horizon
    return np.maximum.accumulate(q)


def fit_quantiles(abs_err, steps, H) -> dict:
    return {str(lv): step_quantiles(abs_err, steps, H, lv).tolist() for lv in LEVELS}


def cross_window_coverage(abs_err, steps, win, H) -> dict:
    """Coverage of each window's actuals by intervals calibrated on the *other*
    windows (leave-one-window-out), so the reported figure is out-of-sample."""
    wins = np.unique(win)
    out = {}
    for lv in LEVELS:
        hits, total, per = 0, 0, []
        for w in wins:
            cal = win != w
            if not cal.any():
                continue
            q = step_quantiles(abs_err[cal], steps[cal], H, lv)
            test = win == w
            c = abs_err[test] <= q[steps[test]]
            hits += int(c.sum())
            total += int(c.size)
            per.append(float(c.mean()) if c.size else None)
        out[str(lv)] = {"coverage": (hits / total) if total else None, "per_window": per}
    return out
