"""Synthetic data generator for the ML tests."""
import os

import numpy as np
import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def make_data(n_stores=5, n_depts=5, weeks=130, seed=0, start="2010-02-05", extras=False):
    """Synthetic weekly sales with yearly seasonality, holiday peaks, trend,
    negative values (returns), a short (new) series and a series with gaps.
    ``extras``: also a seasonal series (store 4, dept 6) that only sells in
    weeks 45..52 (no row in the latest week, live) and a series (store 5,
    dept 6) that stopped selling more than a year before the end (inactive)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=weeks, freq="7D")
    woy = dates.isocalendar().week.to_numpy()
    from forecasting.ml.calendar_feats import holiday_flags
    hol = holiday_flags(dates)
    rows = []
    for s in range(1, n_stores + 1):
        for d in range(1, n_depts + 1):
            level = rng.uniform(200, 20000) * (1 + 0.3 * (d == 1))
            season = 1 + 0.3 * np.sin(2 * np.pi * woy / 52.0 + d) + 0.8 * (woy >= 47) * (d % 2)
            trend = 1 + 0.002 * np.arange(weeks) * (s % 3 - 1)
            y = level * season * trend * (1 + 0.6 * hol) + rng.normal(0, 0.08 * level, weeks)
            y[rng.random(weeks) < 0.01] *= -0.1  # returns
            keep = np.ones(weeks, bool)
            if s == 2 and d == 3:  # gaps
                keep[rng.random(weeks) < 0.2] = False
                keep[-1] = True
            if s == 3 and d == 4:  # new series: only the last 20 weeks
                keep[: weeks - 20] = False
            for t in np.flatnonzero(keep):
                rows.append((s, d, dates[t], float(y[t]), bool(hol[t])))
    if extras:
        for t in np.flatnonzero(woy >= 45):
            rows.append((4, 6, dates[t], float(3000 + 500 * (woy[t] - 45) + rng.normal(0, 100)), bool(hol[t])))
        for t in range(0, weeks - 60):
            rows.append((5, 6, dates[t], float(800 + rng.normal(0, 50)), bool(hol[t])))
    sales = pd.DataFrame(rows, columns=["store", "dept", "date", "sales", "is_holiday"])
    fdates = pd.date_range(start, periods=weeks + 40, freq="7D")
    feats = []
    for s in range(1, n_stores + 1):
        md = np.where(np.arange(len(fdates)) > 90, rng.uniform(0, 5000, len(fdates)), np.nan)
        feats.append(pd.DataFrame({
            "store": s, "date": fdates, "temperature": rng.normal(60, 15, len(fdates)),
            "fuel_price": 3 + rng.normal(0, 0.1, len(fdates)),
            "markdown1": md, "markdown2": np.nan, "markdown3": md * 0.3, "markdown4": np.nan, "markdown5": md,
            "cpi": 210 + np.arange(len(fdates)) * 0.1, "unemployment": 7.5,
            "is_holiday": holiday_flags(fdates),
        }))
    features = pd.concat(feats, ignore_index=True)
    stores = pd.DataFrame({"store": range(1, n_stores + 1), "type": list("ABCAB")[:n_stores],
                           "size": rng.integers(40000, 200000, n_stores)})
    return sales, features, stores
