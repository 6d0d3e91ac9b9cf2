"""Leakage-free feature rows of the global model, direct multi-horizon: one row per (series, origin o,
step h), target period t = o + h. Everything from the history is read at or before o: the level (the
mean of the last ``level`` periods, which also scales the target), recent means, the same weekday's
last values (daily), the value a year earlier relative to the level a year earlier (the seasonal shape
the series showed then, and its growth since), how much of the recent history was open. The calendar,
events (the period itself, the one before and after, the distance to the nearest ones, by the
location's scope), the attributes and the ``known`` covariates describe the target period (a known
covariate also relative to its own mean over the last year: a price against the series' normal price);
``past`` covariates are their value at the origin."""
from __future__ import annotations

import numpy as np

from .grid import Grid
from .seasons import Seasons, calendar

EVENT_REACH = 14  # periods over which the distance to an event is told apart


def _nanmean(a: np.ndarray, axis: int = -1) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (~np.isnan(a)).sum(axis)
        return np.where(c > 0, np.nansum(a, axis) / np.maximum(c, 1), np.nan)


def _take(Y: np.ndarray, idx: np.ndarray, o: int) -> np.ndarray:
    """Y[:, idx] where 0 <= idx <= o, NaN elsewhere; ``idx`` of any shape."""
    ok = (idx >= 0) & (idx <= o)
    out = Y[:, np.clip(idx, 0, Y.shape[1] - 1)]
    return np.where(ok, out, np.nan)


def scale_at(Y: np.ndarray, o: int, s: Seasons) -> np.ndarray:
    lvl = _nanmean(Y[:, max(0, o + 1 - s.level): o + 1])
    wider = _nanmean(Y[:, max(0, o + 1 - s.year): o + 1])
    out = np.where(np.isnan(lvl), wider, lvl)
    out = np.where(np.isnan(out) | (out <= 0), 1.0, out)
    return np.maximum(out, 1e-6)


def _distance(flags: np.ndarray, t: np.ndarray, forward: bool) -> np.ndarray:
    """(rows, len(t)) periods from each t to the nearest flagged period after (or before) it, capped."""
    out = np.full((flags.shape[0], len(t)), float(EVENT_REACH + 1))
    for k in range(EVENT_REACH, 0, -1):
        idx = t + k if forward else t - k
        ok = (idx >= 0) & (idx < flags.shape[1])
        hit = np.where(ok, flags[:, np.clip(idx, 0, flags.shape[1] - 1)] > 0, False)
        out = np.where(hit, float(k), out)
    return out


def feature_names(grid: Grid, s: Seasons) -> list[str]:
    cal, _ = calendar(grid.ext_dates[:1], grid.freq)
    names = ["h", *cal, "last_n", "recent_n", "growth", "year_n", "year_smooth_n", "open_frac", "history"]
    if s.short > 1:
        names += ["phase_last_n", "phase_mean_n"]
    if grid.events is not None:
        names += ["event", "event_before", "event_after", "to_event", "from_event"]
    names += list(grid.attrs)
    for name in grid.known:
        names += [name, f"{name}_rel"]
    names += list(grid.past)
    return names


def origin_rows(grid: Grid, s: Seasons, o: int, H: int, cal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, H, k) features of every series at origin o, and the (n,) scale of each series there.
    ``cal``: the calendar features of the grid's extended dates (``seasons.calendar``)."""
    Y, n = grid.Y, grid.n
    h = np.arange(1, H + 1)
    t = o + h
    scale = scale_at(Y, o, s)
    cols = [np.broadcast_to(h.astype(float), (n, H))]
    tc = np.minimum(t, cal.shape[0] - 1)
    cols += [np.broadcast_to(cal[tc, j], (n, H)) for j in range(cal.shape[1])]
    cols.append(np.broadcast_to((Y[:, o] / scale)[:, None], (n, H)))
    cols.append(np.broadcast_to((_nanmean(Y[:, max(0, o + 1 - s.recent): o + 1]) / scale)[:, None], (n, H)))
    oy = o - s.year
    then = _nanmean(Y[:, max(0, oy + 1 - s.level): oy + 1]) if oy >= 0 else np.full(n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols.append(np.broadcast_to(np.where(then > 0, scale / then, np.nan)[:, None], (n, H)))
        year = _take(Y, t - s.year, o)
        cols.append(np.where(then[:, None] > 0, year / then[:, None], np.nan))
        near = np.stack([_take(Y, t - s.year + d * s.short, o) for d in (-1, 0, 1)], axis=2)
        cols.append(np.where(then[:, None] > 0, _nanmean(near) / then[:, None], np.nan))
    recent = Y[:, max(0, o + 1 - s.level): o + 1]
    cols.append(np.broadcast_to((~np.isnan(recent)).mean(1)[:, None], (n, H)))
    cols.append(np.broadcast_to(np.minimum(o - grid.first_obs + 1, 3 * s.year).astype(float)[:, None], (n, H)))
    if s.short > 1:
        back = s.short * np.ceil(h / s.short).astype(int)
        cols.append(_take(Y, t - back, o) / scale[:, None])
        same = np.stack([_take(Y, t - back - k * s.short, o) for k in range(4)], axis=2)
        cols.append(_nanmean(same) / scale[:, None])
    if grid.events is not None:
        ev = grid.events[grid.loc_idx]
        tt = np.minimum(t, ev.shape[1] - 1)
        cols.append(ev[:, tt])
        cols.append(ev[:, np.clip(t - 1, 0, ev.shape[1] - 1)])
        cols.append(ev[:, np.minimum(t + 1, ev.shape[1] - 1)])
        cols.append(_distance(ev, t, forward=True))
        cols.append(_distance(ev, t, forward=False))
    for v in grid.attrs.values():
        cols.append(np.broadcast_to(v[:, None], (n, H)))
    for arr in grid.known.values():
        at = arr[:, np.minimum(t, arr.shape[1] - 1)]
        normal = _nanmean(arr[:, max(0, o + 1 - s.year): o + 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            cols += [at, np.where(np.abs(normal)[:, None] > 0, at / normal[:, None], np.nan)]
    for arr in grid.past.values():
        cols.append(np.broadcast_to(arr[:, min(o, arr.shape[1] - 1)][:, None], (n, H)))
    X = np.stack([np.asarray(c, dtype=np.float32) for c in cols], axis=2)
    return X, scale


class Rows:
    """Training rows of every origin o' (every ``stride`` periods, from a year and a level in), sampled to
    ``max_rows``; a row's values depend only on data <= o' and on its target t, so a model fitted at origin
    o uses the rows with t <= o: one set serves every backtest window and the final fit. A partition of the
    series (periodic/partitions.py) samples its share of ``max_rows`` with its own ``seed``; ``joined`` puts
    the partitions' rows together in their order."""

    def __init__(self, grid: Grid, s: Seasons, H: int, cal: np.ndarray, max_rows: float, seed):
        T = grid.T
        first = s.year + s.level if T > 2 * (s.year + s.level) else max(s.level, T // 3)
        origins = list(range(T - 2, first - 1, -s.stride))[::-1]
        n_obs = (~np.isnan(grid.Y[:, first:])).sum()
        frac = min(1.0, max_rows / max(n_obs * H / s.stride, 1.0))
        rng = np.random.default_rng(seed)
        Xs, rs, ws, ts = [], [], [], []
        for o in origins:
            t = o + 1 + np.arange(H)
            y = np.full((grid.n, H), np.nan)
            inside = t <= T - 1
            y[:, inside] = grid.Y[:, t[inside]]
            ok = ~np.isnan(y) & (grid.first_obs <= o - s.recent)[:, None] & (rng.random((grid.n, H)) < frac)
            if not ok.any():
                continue
            X, scale = origin_rows(grid, s, o, H, cal)
            Xs.append(X[ok])
            rs.append((y / scale[:, None])[ok])
            ws.append(np.broadcast_to(scale[:, None], (grid.n, H))[ok])
            ts.append(np.broadcast_to(t, (grid.n, H))[ok])
        k = len(feature_names(grid, s))
        self.X = np.concatenate(Xs) if Xs else np.zeros((0, k), np.float32)
        self.r = np.concatenate(rs) if rs else np.zeros(0)
        self.w = np.concatenate(ws) if ws else np.zeros(0)
        self.t = np.concatenate(ts) if ts else np.zeros(0, int)

    @classmethod
    def joined(cls, parts: list) -> Rows:
        out = cls.__new__(cls)
        out.X = np.concatenate([p.X for p in parts])
        out.r = np.concatenate([p.r for p in parts])
        out.w = np.concatenate([p.w for p in parts])
        out.t = np.concatenate([p.t for p in parts])
        return out

    def upto(self, o: int) -> np.ndarray:
        return np.flatnonzero(self.t <= o)
