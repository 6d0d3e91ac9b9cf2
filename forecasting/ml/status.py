"""Which series are forecast, by which route, and the floor of their forecasts.

At an origin ``o`` (index of the last week of history) every series gets one
status:

* ``inactive`` — no sale (a week with sales > 0) in the ``live_weeks`` weeks
  up to the origin (default 52).  It gets no forecast; it is listed with its
  status so nothing disappears silently.
* ``pooled`` — live, but its own history is too short for the seasonal models:
  its first observed week is less than a year (52 weeks) before the origin,
  so there is no same-week-last-year value to build on.  Every candidate is
  replaced by the pooled route (recent level x the department's seasonal index,
  see ``models.pooled_one``).
* ``modelled`` — every other live series: forecast by the chosen candidate,
  whatever its latest week holds (a missing or zero latest week is a normal
  week of a seasonal or intermittent series, not a reason to drop it).

Floor: forecasts and interval bounds are never below 0 for a series without
negative weeks among its last ``live_weeks`` weeks; a series with returns
(negative weeks) is floored at its own observed minimum over those weeks.
"""
from __future__ import annotations

import numpy as np

LIVE_WEEKS = 52
SHORT_WEEKS = 52
MODELLED, POOLED, INACTIVE = "modelled", "pooled", "inactive"
STATUSES = (MODELLED, POOLED, INACTIVE)


def live_mask(Y: np.ndarray, o: int, live_weeks: int = LIVE_WEEKS) -> np.ndarray:
    """True for series with a sale (> 0) in the ``live_weeks`` weeks up to o."""
    w = Y[:, max(0, o - live_weeks + 1): o + 1]
    with np.errstate(invalid="ignore"):
        return (np.nan_to_num(w, nan=0.0) > 0).any(1)


def short_mask(first_obs: np.ndarray, o: int, short_weeks: int = SHORT_WEEKS) -> np.ndarray:
    """True for series observed at or before o but first seen less than a year before it."""
    return (first_obs <= o) & (first_obs > o - short_weeks)


def series_status(Y: np.ndarray, first_obs: np.ndarray, o: int, live_weeks: int = LIVE_WEEKS) -> np.ndarray:
    """Array of status strings (n,) at origin o."""
    live = live_mask(Y, o, live_weeks)
    short = short_mask(first_obs, o)
    out = np.full(Y.shape[0], MODELLED, dtype=object)
    out[live & short] = POOLED
    out[~live] = INACTIVE
    return out


def series_floor(Y: np.ndarray, o: int, live_weeks: int = LIVE_WEEKS) -> np.ndarray:
    """Lowest value a forecast or bound may take: 0, or the observed minimum
    (< 0) of a series with negative weeks among its last ``live_weeks`` weeks."""
    w = Y[:, max(0, o - live_weeks + 1): o + 1]
    with np.errstate(invalid="ignore"):
        mn = np.nanmin(np.where(np.isnan(w), np.inf, w), axis=1)
    mn = np.where(np.isfinite(mn), mn, 0.0)
    return np.minimum(mn, 0.0)


def clip_floor(a: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Clip an (n, H) array (or (n,)) at each row's floor."""
    a = np.asarray(a, float)
    return np.maximum(a, floor[:, None] if a.ndim == 2 else floor)
