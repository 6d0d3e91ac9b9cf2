"""statsforecast MSTL (season 52, simple exponential smoothing of the trend)
per series on the zero-filled history.  Stateless: it is refitted per series at
every origin (a few seconds for every series), which is also what a forecast
refresh does."""
from __future__ import annotations

import numpy as np

from ..models import mstl_forecast, mstl_single
from .base import Candidate, Context


class MSTLCandidate(Candidate):
    name = "mstl"
    label = "Per-series seasonal decomposition (statsforecast MSTL)"

    def enabled(self, config) -> bool:
        return bool(getattr(config, "use_mstl", True)) and super().enabled(config)

    def forecast(self, ctx: Context, state) -> np.ndarray:
        out = np.zeros((ctx.n, ctx.H))
        rows = np.flatnonzero(ctx.active)
        if len(rows) == 1:
            out[rows[0]] = mstl_single(ctx.Y0[rows[0], : ctx.o + 1], ctx.H)
        elif len(rows):
            out[rows] = mstl_forecast(ctx.Y0[rows, : ctx.o + 1], ctx.H, n_jobs=ctx.n_jobs)
        return out

    def params(self, config) -> dict:
        return {"model": "statsforecast MSTL(season_length=52, trend_forecaster=AutoETS('ANN'))"}
