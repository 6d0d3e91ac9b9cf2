"""Live accuracy of a stored forecast run: its forecasts scored on the weeks
whose actuals have arrived since, on the realized rows only.

``evaluate_run(forecast, actuals, history, origin)``:

* ``forecast``: store, dept, date, forecast, lo80, hi80, lo95, hi95 (the run's
  stored rows);
* ``actuals``: store, dept, date, sales, is_holiday (at least the weeks the
  run predicted; other rows are ignored);
* ``history``: store, dept, date, sales (for seasonal naive: the value 52
  weeks = 364 days before the target week or day (the same weekday), 12 months
  before a month, 0 when the series has no row then, as in the backtest's baseline);
* ``origin``: the run's origin (last period of history it saw); the horizon step
  of a row is how many periods of ``freq`` (the model's planning frequency:
  weekly, ``D`` or ``MS``) it is after the origin (1 = the first forecast period).
  Each step's figures carry the ``date`` of its period.

A realized row is a (series, week) the run forecast and that has an actual.
Figures (plain floats, not rounded): WMAE (holiday weeks weigh
the model's holiday weight, 5 by default), MAE, WAPE (Σ|e| / Σ|y|), bias (mean of forecast −
actual: > 0 means over-forecasting), coverage80/95 (share of actuals within
[lo, hi], bounds included), the same point figures for seasonal naive on the
same rows, overall and per horizon step. No realized row: ``None``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .metrics import HOLIDAY_WEIGHT
from .periods import period_steps, periods_after

KEYS = ["store", "dept", "date"]
SEASON_DAYS = 364


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.normalize()


def point_figures(y, f, hol, weight: float = HOLIDAY_WEIGHT) -> dict:
    """WMAE (holiday rows weigh ``weight``), MAE, WAPE and bias of forecasts ``f`` against actuals ``y``."""
    y = np.asarray(y, float)
    f = np.asarray(f, float)
    w = np.where(np.asarray(hol, bool), weight, 1.0)
    e = np.abs(y - f)
    denom = float(np.abs(y).sum())
    return {"wmae": float((w * e).sum() / w.sum()), "mae": float(e.mean()),
            "wape": float(e.sum() / denom) if denom > 0 else None, "bias": float((f - y).mean())}


def realized_rows(forecast: pd.DataFrame, actuals: pd.DataFrame, history: pd.DataFrame, origin,
                  freq: str = "W") -> pd.DataFrame:
    """The run's rows that have an actual, with ``sales``, ``is_holiday``,
    ``step`` and ``naive`` (seasonal naive's forecast of the row)."""
    fc = forecast.copy()
    fc["date"] = _dates(fc["date"])
    act = actuals[KEYS + ["sales", "is_holiday"]].copy()
    act["date"] = _dates(act["date"])
    rows = fc.merge(act, on=KEYS, how="inner")
    rows = rows[np.isfinite(rows["sales"].to_numpy(float))]
    hist = history[KEYS + ["sales"]].copy()
    hist["date"] = _dates(hist["date"]) + (pd.DateOffset(years=1) if freq == "MS" else pd.Timedelta(days=SEASON_DAYS))
    hist = hist.groupby(KEYS, as_index=False)["sales"].sum().rename(columns={"sales": "naive"})
    rows = rows.merge(hist, on=KEYS, how="left")
    rows["naive"] = rows["naive"].fillna(0.0)
    rows["step"] = period_steps(rows["date"], origin, freq).astype(int)
    rows["is_holiday"] = rows["is_holiday"].astype(bool)
    return rows.sort_values(KEYS).reset_index(drop=True)


def _figures(rows: pd.DataFrame, weight: float) -> dict:
    y, hol = rows["sales"].to_numpy(float), rows["is_holiday"].to_numpy(bool)
    out = point_figures(y, rows["forecast"].to_numpy(float), hol, weight)
    for tag in ("80", "95"):
        inside = (y >= rows[f"lo{tag}"].to_numpy(float)) & (y <= rows[f"hi{tag}"].to_numpy(float))
        out[f"coverage{tag}"] = float(inside.mean())
    out["seasonal_naive"] = point_figures(y, rows["naive"].to_numpy(float), hol, weight)
    out["rows"] = int(len(rows))
    out["weeks"] = int(rows["date"].nunique())
    return out


def evaluate_run(forecast: pd.DataFrame, actuals: pd.DataFrame, history: pd.DataFrame, origin,
                 weight: float = HOLIDAY_WEIGHT, freq: str = "W") -> dict | None:
    """``weight``: of a holiday row in the WMAE (the model's training measure, so live and backtest compare)."""
    rows = realized_rows(forecast, actuals, history, origin, freq)
    if not len(rows):
        return None
    out = _figures(rows, weight)
    out["first_week"] = rows["date"].min().date()
    out["last_week"] = rows["date"].max().date()
    out["per_step"] = [{"step": int(step), "date": periods_after(origin, step, freq).date().isoformat(),
                        **_figures(part, weight)} for step, part in rows.groupby("step", sort=True)]
    return out
