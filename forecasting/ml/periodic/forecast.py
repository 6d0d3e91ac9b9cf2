"""What forecasting from an origin needs, shared by the training (engine.py, per partition in steps.py), the
refresh and the simulator: the configuration and the fitted model, the seasonal naive rule, the features
of every series at an origin through the global model, the bands per volume segment and horizon bucket, and
the served forecast frame (the chosen model's, intermittent classes routed to Croston SBA, a closed period
0 with a zero-width band)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import intermittent
from .features import _nanmean, _take, origin_rows
from .grid import Grid
from .seasons import Seasons, seasons_of

LEVELS = {"80": (0.10, 0.90), "95": (0.025, 0.975)}
SEGMENTS = 3  # bands calibrated per volume tercile: a slow seller's relative error is wider than a fast one's
MIN_SEGMENT_ERRORS = 200  # fewer scaled errors in a segment and horizon bucket: the pooled quantiles serve
@dataclass
class Config:
    freq: str
    horizon: int
    windows: int = 4
    num_rounds: int = 600
    learning_rate: float = 0.05
    num_leaves: int = 63
    min_data_in_leaf: int = 50
    max_rows: int = 600_000
    num_threads: int = 2
    seed: int = 0

    def __post_init__(self):
        s = seasons_of(self.freq)
        if not 1 <= int(self.horizon) <= s.max_horizon:
            raise ValueError(f"horizon must be between 1 and {s.max_horizon} periods at {self.freq}")
        if int(self.windows) < 1:
            raise ValueError("windows must be >= 1")


@dataclass
class Model:
    """What forecasting from a newer origin needs (``periodic.refresh``): the fitted global model (None when
    the seasonal naive rule was chosen), the choice, the band quantiles per horizon bucket, the demand
    classes routed to Croston SBA, the feature names and the origin it was fitted at."""
    config: Config
    chosen: str
    booster: object | None
    quantiles: dict
    routed: list
    features: list
    origin: pd.Timestamp
    label: str = "start"
    edges: list = field(default_factory=list)  # the scales cutting the series into volume segments (bands)


def seasonal_naive(grid: Grid, s: Seasons, o: int, H: int, scale: np.ndarray) -> np.ndarray:
    """Daily: the same weekday's last value; otherwise the same period a year earlier; the level where
    that period has no value."""
    t = o + 1 + np.arange(H)
    back = s.short * np.ceil((t - o) / s.short).astype(int) if s.short > 1 else np.full(H, s.year)
    f = _take(grid.Y, t - back, o)
    if s.short > 1:
        f = np.where(np.isnan(f), _nanmean(np.stack([_take(grid.Y, t - back - k * s.short, o)
                                                     for k in range(1, 4)], axis=2)), f)
    return np.where(np.isnan(f), scale[:, None], f)


def _forecast(model, grid: Grid, s: Seasons, o: int, H: int, cal: np.ndarray) -> dict:
    X, scale = origin_rows(grid, s, o, H, cal)
    out = {"seasonal_naive": seasonal_naive(grid, s, o, H, scale)}
    if model is not None:
        out["lightgbm"] = model.predict(X.reshape(-1, X.shape[2])).reshape(grid.n, H) * scale[:, None]
    floor = np.where(np.nanmin(np.where(np.isnan(grid.Y[:, : o + 1]), np.inf, grid.Y[:, : o + 1]), axis=1) >= 0,
                     0.0, -np.inf)
    closed = grid.closed[:, o + 1: o + 1 + H]
    for k in out:
        out[k] = np.where(closed, 0.0, np.maximum(out[k], floor[:, None]))
    return {"f": out, "scale": scale, "closed": closed}


def segment_edges(scales: list) -> list:
    """The scales (series levels) that cut the series into ``SEGMENTS`` volume groups of equal size."""
    pooled = np.concatenate([np.asarray(sc, float) for sc in scales]) if scales else np.array([])
    pooled = pooled[np.isfinite(pooled) & (pooled > 0)]
    if len(pooled) < SEGMENTS:
        return []
    return [float(v) for v in np.quantile(pooled, [k / SEGMENTS for k in range(1, SEGMENTS)])]


def segment_of(scale: np.ndarray, edges: list) -> np.ndarray:
    """(n,) the volume segment of each series (0 without edges: one segment)."""
    return np.searchsorted(np.asarray(edges, float), np.nan_to_num(np.asarray(scale, float)), side="right") \
        if len(edges) else np.zeros(len(scale), dtype=int)


def _band(f, scale, q, buckets, closed, floor=0.0, segment=None):
    """(lo, hi) of the forecast ``f`` (n, H): ``q`` (n_segments, n_buckets, 2) scaled quantiles (an older
    model's (n_buckets, 2): one segment), each series' ``segment`` (None: 0)."""
    q = np.asarray(q, float)
    q = q[None] if q.ndim == 2 else q
    seg = np.zeros(len(scale), dtype=int) if segment is None else np.minimum(segment, q.shape[0] - 1)
    qq = q[seg][:, buckets]  # (n, H, 2)
    lo = np.maximum(f + qq[..., 0] * scale[:, None], floor)
    hi = np.maximum(f + qq[..., 1] * scale[:, None], lo)
    return np.where(closed, 0.0, lo), np.where(closed, 0.0, hi)


def served(model: Model, grid: Grid, cal: np.ndarray) -> tuple[np.ndarray, dict, np.ndarray]:
    """(forecast (n, H), the raw forecasts with scale and closures, demand classes) of every series from
    the grid's last period: the chosen model's, intermittent classes routed, a closed period 0."""
    s, H, o = seasons_of(model.config.freq), int(model.config.horizon), grid.T - 1
    fc = _forecast(model.booster, grid, s, o, H, cal)
    classes = intermittent.demand_classes(grid.Y, o)
    f = np.where(fc["closed"], 0.0, intermittent.apply(fc["f"][model.chosen], grid.Y, o, H, classes, model.routed))
    return f, fc, classes


def forecast_from(model: Model, grid: Grid, cal: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The forecast frame of every live series from the grid's last period with ``model`` (no fit), and the
    demand class of each series there."""
    s, H, o = seasons_of(model.config.freq), int(model.config.horizon), grid.T - 1
    f, fc, classes = served(model, grid, cal)
    buckets = s.bucket_of(np.arange(1, H + 1))
    seg = segment_of(fc["scale"], model.edges)
    bands = {lv: _band(f, fc["scale"], model.quantiles[lv], buckets, fc["closed"], segment=seg) for lv in LEVELS}
    return _frame(grid, o, H, f, bands, fc["closed"], s), classes


def croston_windows(grid: Grid, wins: list, H: int) -> None:
    """Each window's demand classes at its origin and Croston SBA's forecast of the intermittent and lumpy
    series (ml/intermittent.py), on the grid of the series the windows hold (one partition's)."""
    for w in wins:
        w["classes"] = intermittent.demand_classes(grid.Y, w["o"])
        w["obs"] = ~np.isnan(w["y"])
        w["hol"] = np.zeros_like(w["obs"])
        w["croston"] = np.full(w["y"].shape, np.nan)
        rows = intermittent.routable_rows(w["classes"], intermittent.ROUTABLE)
        if len(rows):
            w["croston"][rows] = np.where(w["closed"][rows], 0.0, intermittent.croston_sba(grid.Y, w["o"], H, rows))


def live(grid: Grid, s: Seasons, o: int) -> np.ndarray:
    """A series is forecast when it had a value within the last year of periods."""
    return (~np.isnan(grid.Y[:, max(0, o + 1 - s.year): o + 1])).any(1)


def _frame(grid: Grid, o: int, H: int, f: np.ndarray, bands: dict, closed: np.ndarray, s: Seasons) -> pd.DataFrame:
    keep = live(grid, s, o)
    dates = grid.ext_dates[o + 1: o + 1 + H]
    n = int(keep.sum())
    out = pd.DataFrame({
        "location": np.repeat(grid.keys["location"].to_numpy()[keep], H),
        "item": np.repeat(grid.keys["item"].to_numpy()[keep], H),
        "date": np.tile(dates, n),
        "step": np.tile(np.arange(1, H + 1), n),
        "forecast": f[keep].ravel(),
        "closed": closed[keep].ravel(),
    })
    for level, (lo, hi) in bands.items():
        out[f"lo{level}"] = lo[keep].ravel()
        out[f"hi{level}"] = hi[keep].ravel()
    return out
