"""statsforecast MSTL (season 52, simple exponential smoothing of the trend) per series on the zero-filled
history, fitted at every origin of the training.

Its state (``MSTLState``: per live series, the smoothing weight of its level and its forecast of the next
52 weeks) lets a refresh move it to a newer origin without refitting (``models.mstl_update``: the level
takes the new weeks' surprises, the seasonal part stays), when the training found on its backtest that
the served model forecasts as well with the moved state as with a refit (``choose_refresh``); otherwise, and on demand with a
history that may differ from the stored one, it is refitted per series."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics import HOLIDAY_WEIGHT, wmae
from ..models import mstl_fit, mstl_forecast, mstl_single, mstl_update
from ..status import live_mask
from .base import Candidate, Context, FitData

SEASON = 52
UPDATE, REFIT = "update", "refit"
TOLERANCE = 1.02  # the moved state may be this much worse than a refit on the backtest and still be used


@dataclass
class MSTLState:
    keys: np.ndarray     # (m, 2) store, dept of the series fitted
    origin: pd.Timestamp  # the week the forecast starts after
    alpha: np.ndarray    # (m,) smoothing weight of the level
    f: np.ndarray        # (m, 52) forecast of the next 52 weeks
    refresh: str = REFIT  # how a refresh moves it: UPDATE or REFIT (choose_refresh)

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """Index of each (store, dept) of ``keys`` in the state, -1 when it was not fitted."""
        index = {(int(a), int(b)): i for i, (a, b) in enumerate(self.keys)}
        return np.array([index.get((int(a), int(b)), -1) for a, b in keys], dtype=int)

    def moved(self, dates: pd.DatetimeIndex, o: int, Y0: np.ndarray, pos: np.ndarray) -> np.ndarray | None:
        """(len(pos), 52) forecasts from origin ``o`` of ``dates`` for the state rows ``pos``, the level moved
        over the weeks since the state's origin; None when that origin is not on the grid or is later."""
        i0 = dates.get_indexer([self.origin])[0]
        if i0 < 0 or i0 > o:
            return None
        return mstl_update(self.alpha[pos], self.f[pos], Y0[:, i0 + 1: o + 1])


def moved_forecasts(states: list, Y0: np.ndarray, dates: pd.DatetimeIndex, H: int, keys: np.ndarray) -> list:
    """For each backtest window after the first: ``(rows, forecast)``, the panel rows whose MSTL state of
    the previous window exists and their (len(rows), H) forecast moved from it to this window's origin (None
    when nothing can be moved)."""
    out = [None]
    panel_rows = MSTLState(keys=keys, origin=dates[0], alpha=np.zeros(0), f=np.zeros((0, SEASON)))
    for prev, cur in zip(states, states[1:]):
        if prev is None or cur is None:
            out.append(None)
            continue
        o = dates.get_indexer([cur.origin])[0]
        pos = prev.rows_of(cur.keys)
        have = pos >= 0
        rows = panel_rows.rows_of(cur.keys[have])
        moved = prev.moved(dates, o, Y0[rows], pos[have])
        out.append(None if moved is None else (rows, moved[:, :H]))
    return out


def choose_refresh(served_update: list, served_refit: list, y: list, hol: list,
                   holiday_weight: float = HOLIDAY_WEIGHT) -> dict:
    """The served model's backtest forecasts with MSTL moved from the previous window's state against those
    with MSTL refitted at each origin, over the windows' realised weeks (flattened arrays per window):
    ``mode`` UPDATE when the moved one's WMAE is within ``TOLERANCE`` of the refit's (a refresh then costs
    no MSTL fit), else REFIT."""
    if not y:
        return {"mode": REFIT, "reason": "no two backtest windows to compare"}
    yy, hh = np.concatenate(y), np.concatenate(hol)
    e_upd = wmae(yy, np.concatenate(served_update), hh, holiday_weight)
    e_ref = wmae(yy, np.concatenate(served_refit), hh, holiday_weight)
    mode = UPDATE if e_upd <= TOLERANCE * e_ref else REFIT
    return {"mode": mode, "update_wmae": round(e_upd, 4), "refit_wmae": round(e_ref, 4), "windows": len(y)}


class MSTLCandidate(Candidate):
    name = "mstl"
    label = "Per-series seasonal decomposition (statsforecast MSTL)"

    def enabled(self, config) -> bool:
        return bool(getattr(config, "use_mstl", True)) and super().enabled(config)

    def fit(self, data: FitData, o: int) -> MSTLState:
        panel = data.panel
        rows = np.flatnonzero(live_mask(panel.Y, o, int(data.config.live_weeks)))
        alpha, f = mstl_fit(data.Y0[rows, : o + 1], n_jobs=int(data.config.num_threads), steps=SEASON)
        return MSTLState(keys=panel.keys[rows], origin=panel.dates[o], alpha=alpha, f=f)

    def forecast(self, ctx: Context, state) -> np.ndarray:
        out = np.zeros((ctx.n, ctx.H))
        rows = np.flatnonzero(ctx.active)
        todo = rows
        if state is not None and ctx.stateful and len(rows) and ctx.H <= SEASON:
            pos = state.rows_of(ctx.panel.keys[rows])
            have = pos >= 0
            if ctx.panel.dates[ctx.o] == state.origin:
                out[rows[have]] = state.f[pos[have], : ctx.H]
                todo = rows[~have]
            elif state.refresh == UPDATE:
                moved = state.moved(ctx.panel.dates, ctx.o, ctx.Y0[rows[have]], pos[have])
                if moved is not None:
                    out[rows[have]] = moved[:, : ctx.H]
                    todo = rows[~have]
        if len(todo) == 1:
            out[todo[0]] = mstl_single(ctx.Y0[todo[0], : ctx.o + 1], ctx.H)
        elif len(todo):
            out[todo] = mstl_forecast(ctx.Y0[todo, : ctx.o + 1], ctx.H, n_jobs=ctx.n_jobs)
        return out

    def dump_state(self, state) -> dict:
        if state is None:
            return {}
        return {"keys": state.keys, "origin": np.array([state.origin.value]), "alpha": state.alpha, "f": state.f,
                "refresh": np.array([state.refresh])}

    def load_state(self, blob: dict):
        if "f" not in blob:
            return None  # a model trained before MSTL kept a state: refitted at every refresh
        return MSTLState(keys=np.asarray(blob["keys"]), origin=pd.Timestamp(int(blob["origin"][0])),
                         alpha=np.asarray(blob["alpha"], float), f=np.asarray(blob["f"], float),
                         refresh=str(blob["refresh"][0]))

    def params(self, config) -> dict:
        return {"model": "statsforecast MSTL(season_length=52, trend_forecaster=AutoETS('ANN'))"}
