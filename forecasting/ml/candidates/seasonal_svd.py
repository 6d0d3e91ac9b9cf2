"""Seasonal profile model: calendar-aligned same-week-last-year of the
department-SVD-smoothed history plus a damped level correction (numpy only).
The profile is computed with the features (``OriginState``), so this candidate
only reads it."""
from __future__ import annotations

import numpy as np

from ..models import LEVEL_DAMP, LEVEL_WEEKS
from .base import Candidate, Context


class SeasonalSVD(Candidate):
    name = "seasonal_svd"
    label = "Seasonal profile (same week last year, smoothed across stores)"

    def forecast(self, ctx: Context, state) -> np.ndarray:
        return np.array(ctx.base, float)

    def params(self, config) -> dict:
        return {"rank": int(config.svd_rank), "level_weeks": LEVEL_WEEKS, "level_damp": LEVEL_DAMP}
