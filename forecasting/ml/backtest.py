"""Rolling-origin backtest helpers and the pooled LightGBM training set."""
from __future__ import annotations

import numpy as np

from .features import OriginState
from .metrics import HOLIDAY_WEIGHT
from .panel import Panel


def window_origins(T: int, H: int, windows: int, min_history: int = 8) -> list:
    """Origins (index of the last training week) of the backtest windows, oldest
    first: the last window ends on the last week of data, each earlier window
    ends where the next one starts."""
    out = []
    for k in range(windows, 0, -1):
        o = T - 1 - k * H
        if o >= min_history - 1:
            out.append(o)
    return out


def first_train_origin(T: int) -> int:
    # origins need a year of history for the seasonal features; short panels
    # (synthetic tests, young accounts) start after a few weeks.
    return 52 if T >= 52 + 26 else max(4, T // 3)


class TrainingSet:
    """Sampled rows (series, origin o', step h) for every origin o' < last week.

    Row values depend only on data <= o' and the target week t = o' + h, so the
    rows usable for a model trained at origin o are exactly those with t <= o;
    one set of rows therefore serves every backtest window and the final fit.
    """

    def __init__(self, panel: Panel, Y0: np.ndarray, H: int, groups: list, k: int,
                 max_rows: int, seed: int, keep_states: set, stride: int = 1,
                 holiday_weight: float = HOLIDAY_WEIGHT):
        T = panel.T
        rng = np.random.default_rng(seed)
        o0 = first_train_origin(T)
        origins = list(range(o0, T - 1, stride))
        # expected candidate rows -> sampling fraction
        n_obs = (~np.isnan(panel.Y)).sum()
        approx = n_obs * H * len(origins) / max(T, 1)
        frac = min(1.0, max_rows / max(approx, 1.0))
        Xs, rs, ws, ts = [], [], [], []
        self.states = {}
        for o in origins:
            st = OriginState(panel, Y0, o, H, groups, k)
            if o in keep_states:
                self.states[o] = st
            tgt = o + 1 + np.arange(H)
            valid_t = tgt <= T - 1
            yt = np.full((panel.n, H), np.nan)
            yt[:, valid_t] = panel.Y[:, tgt[valid_t]]
            active = panel.first_obs <= o
            # sample whole series (all their steps) for this origin
            ok = ~np.isnan(yt) & (active & (rng.random(panel.n) < frac))[:, None]
            if not ok.any():
                continue
            rows = np.flatnonzero(ok.any(1))
            X = st.X(panel, Y0, rows).reshape(len(rows), H, -1)
            sel = ok[rows]
            scale = st.ser["scale"][rows][:, None]
            r = (yt[rows] - st.ser["base"][rows]) / scale
            hol_w = np.where(panel.hol[np.minimum(tgt, len(panel.hol) - 1)], holiday_weight, 1.0)[None, :]
            w = np.broadcast_to(scale, (len(rows), H)) * hol_w
            Xs.append(X[sel])
            rs.append(r[sel])
            ws.append(w[sel])
            ts.append(np.broadcast_to(tgt, (len(rows), H))[sel])
        self.X = np.concatenate(Xs) if Xs else np.zeros((0, 0), np.float32)
        self.r = np.concatenate(rs) if rs else np.zeros(0)
        self.w = np.concatenate(ws) if ws else np.zeros(0)
        self.t = np.concatenate(ts) if ts else np.zeros(0, int)

    def upto(self, o: int) -> np.ndarray:
        return np.flatnonzero(self.t <= o)
