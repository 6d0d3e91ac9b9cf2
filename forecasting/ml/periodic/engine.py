"""Backtest, choice, bands and the final forecast of the engine for any planning frequency.

Rolling origins: ``windows`` windows of ``horizon`` periods ending on the last period. At each origin the
global LightGBM model (fitted on the training rows whose target is at or before the origin) and the
seasonal naive baseline forecast every series; the error is measured on the periods with a value only (a
closed period is not a miss) and the model with the lower MAE over all windows is chosen. Bands are split
conformal: quantiles of the scaled errors of the chosen model per horizon bucket over the windows (their
coverage reported leave one window out). The final model is fitted on every row and forecasts from the
last period; a known closure forecasts 0 with a zero-width band."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import intermittent
from ..models import lgb_fit, lgb_params
from .features import Rows, _nanmean, _take, feature_names, origin_rows, scale_at
from .grid import Grid, build_grid
from .seasons import Seasons, calendar, seasons_of

LEVELS = {"80": (0.10, 0.90), "95": (0.025, 0.975)}
SEGMENTS = 3  # bands calibrated per volume tercile: a slow seller's relative error is wider than a fast one's
MIN_SEGMENT_ERRORS = 200  # fewer scaled errors in a segment and horizon bucket: the pooled quantiles serve
CANDIDATES = ("lightgbm", "seasonal_naive")


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


@dataclass
class Result:
    chosen: str
    reason: str
    forecast: pd.DataFrame
    backtest: list
    metrics: dict
    coverage: dict
    assumed: dict
    importance: list
    timings: dict = field(default_factory=dict)
    windows: list = field(default_factory=list, repr=False)  # raw arrays per window (for benches)
    model: Model | None = field(default=None, repr=False)


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


def _params(cfg: Config) -> dict:
    p = lgb_params(cfg.num_threads, cfg.seed)
    p.update({"objective": "l2", "learning_rate": cfg.learning_rate, "num_leaves": cfg.num_leaves,
              "min_data_in_leaf": cfg.min_data_in_leaf})
    return p


def _fit(rows: Rows, upto: int, names: list, cfg: Config):
    sel = rows.upto(upto)
    if not len(sel):
        return None
    return lgb_fit(rows.X[sel], rows.r[sel], rows.w[sel], names, _params(cfg), cfg.num_rounds)


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


def _score(y: np.ndarray, f: np.ndarray) -> dict:
    obs = ~np.isnan(y)
    e = np.abs(y[obs] - f[obs])
    total = np.abs(y[obs]).sum()
    return {"n": int(obs.sum()), "mae": float(e.mean()) if obs.any() else None,
            "wape": float(e.sum() / total) if total > 0 else None}


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


def _quantiles(resid: list, buckets: np.ndarray, segments: list | None = None, n_segments: int = 1) -> dict:
    """Per level, (n_segments, n_buckets, 2) lower/upper quantiles of the scaled errors pooled over ``resid``
    windows, per volume segment (``segments``: each window's (n,) segment of each series) and horizon bucket;
    a segment and bucket with too few errors takes the bucket's pooled quantiles."""
    nb = int(buckets.max()) + 1
    segments = segments or [np.zeros(r.shape[0], dtype=int) for r in resid]
    out = {}
    for level, (lo, hi) in LEVELS.items():
        q = np.zeros((n_segments, nb, 2))
        for b in range(nb):
            parts = [(r[:, buckets == b], g) for r, g in zip(resid, segments)]
            pooled = np.concatenate([e[~np.isnan(e)] for e, _ in parts])
            base = np.quantile(pooled, [lo, hi]) if len(pooled) else np.zeros(2)
            for k in range(n_segments):
                if n_segments == 1:
                    q[k, b] = base
                    continue
                e = np.concatenate([e[g == k][~np.isnan(e[g == k])] for e, g in parts])
                q[k, b] = np.quantile(e, [lo, hi]) if len(e) >= MIN_SEGMENT_ERRORS else base
        out[level] = q
    return out


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


def train(history: pd.DataFrame, config: Config, *, label: str = "start", events=None, locations=None,
          items=None, covariates=None, kinds=None, closures=None) -> Result:
    """``history``, ``events``, ``locations``, ``items``, ``covariates`` / ``kinds``, ``closures``: see
    ``grid.build_grid``."""
    cfg = config
    s, H = seasons_of(cfg.freq), int(cfg.horizon)
    clock = {"start": time.perf_counter()}
    grid = build_grid(history, freq=cfg.freq, future=H, label=label, events=events, locations=locations,
                      items=items, covariates=covariates, kinds=kinds, closures=closures)
    T = grid.T
    origins = [T - 1 - k * H for k in range(cfg.windows, 0, -1) if T - 1 - k * H >= s.level]
    if not origins:
        raise ValueError(f"not enough history: {T} periods cannot hold one backtest window of {H}")
    _, cal = calendar(grid.ext_dates, cfg.freq)
    names = feature_names(grid, s)
    rows = Rows(grid, s, H, cal, cfg.max_rows, cfg.seed)
    clock["features"] = time.perf_counter()
    wins = []
    for o in origins:
        model = _fit(rows, o, names, cfg)
        fc = _forecast(model, grid, s, o, H, cal)
        y = grid.Y[:, o + 1: o + 1 + H]
        wins.append({"o": o, "y": y, **fc})
    clock["backtest"] = time.perf_counter()
    present = [c for c in CANDIDATES if all(c in w["f"] for w in wins)]
    backtest = []
    for w in wins:
        backtest.append({"origin": grid.dates[w["o"]].date().isoformat(),
                         "start": grid.dates[w["o"] + 1].date().isoformat(),
                         "end": grid.dates[w["o"] + H].date().isoformat(),
                         **{c: _score(w["y"], w["f"][c]) for c in present}})
    y_all = np.concatenate([w["y"].ravel() for w in wins])
    metrics = {c: _score(y_all, np.concatenate([w["f"][c].ravel() for w in wins])) for c in present}
    for c in present:
        metrics[c]["mean_window_wape"] = float(np.mean([b[c]["wape"] for b in backtest]))
    chosen = min(present, key=lambda c: metrics[c]["mae"])
    others = ", ".join(f"{c} {metrics[c]['wape']:.4f}" for c in present if c != chosen)
    reason = (f"{chosen} has the lowest backtest error over {len(wins)} rolling windows of {H} periods "
              f"(WAPE {metrics[chosen]['wape']:.4f}; {others})")
    inter = _intermittent(grid, wins, chosen, H)
    if inter["routed"]:  # the chosen model's figures are those of what is served
        for b, w in zip(backtest, wins):
            b[chosen] = _score(w["y"], w["f"][chosen])
        metrics[chosen] = {**_score(y_all, np.concatenate([w["f"][chosen].ravel() for w in wins])),
                           "mean_window_wape": float(np.mean([b[chosen]["wape"] for b in backtest]))}
        figures = "; ".join(f"{c}: MAE {inter['by_class'][c]['croston_wmae']:.2f} vs "
                            f"{inter['by_class'][c]['model_wmae']:.2f}" for c in inter["routed"])
        reason += f"; {' and '.join(inter['routed'])} series forecast by Croston SBA, lower backtest error ({figures})"
    buckets = s.bucket_of(np.arange(1, H + 1))
    resid = [(w["y"] - w["f"][chosen]) / w["scale"][:, None] for w in wins]
    edges = segment_edges([w["scale"] for w in wins])
    segs = [segment_of(w["scale"], edges) for w in wins]
    n_seg = len(edges) + 1
    coverage = {level: {"inside": 0, "n": 0} for level in LEVELS}
    for k, w in enumerate(wins):
        others = [j for j in range(len(wins)) if j != k] or list(range(len(wins)))
        q = _quantiles([resid[j] for j in others], buckets, [segs[j] for j in others], n_seg)
        for level in LEVELS:
            lo, hi = _band(w["f"][chosen], w["scale"], q[level], buckets, w["closed"], segment=segs[k])
            obs = ~np.isnan(w["y"])
            coverage[level]["inside"] += int(((w["y"] >= lo - 1e-9) & (w["y"] <= hi + 1e-9) & obs).sum())
            coverage[level]["n"] += int(obs.sum())
    coverage = {lv: c["inside"] / c["n"] if c["n"] else None for lv, c in coverage.items()}
    clock["choice"] = time.perf_counter()
    final = _fit(rows, T - 1, names, cfg) if chosen == "lightgbm" else None
    model = Model(config=cfg, chosen=chosen, booster=final, quantiles=_quantiles(resid, buckets, segs, n_seg),
                  routed=list(inter["routed"]), features=names, origin=grid.dates[T - 1], label=label,
                  edges=edges)
    frame, classes = forecast_from(model, grid, cal)
    importance = []
    if final is not None:
        gain = final.feature_importance("gain")
        importance = sorted(({"feature": n, "gain": float(g)} for n, g in zip(names, gain)),
                            key=lambda d: -d["gain"])
    clock["final"] = time.perf_counter()
    stamps = list(clock.items())
    timings = {k: round(t - stamps[i][1], 3) for i, (k, t) in enumerate(stamps[1:])}
    metrics["intermittent"] = {**inter, "classes": intermittent.class_counts(classes, live(grid, s, T - 1))}
    return Result(chosen=chosen, reason=reason, forecast=frame, backtest=backtest, metrics=metrics,
                  coverage=coverage, assumed=dict(grid.assumed), importance=importance, timings=timings,
                  windows=[{**w, "dates": grid.ext_dates[w["o"] + 1: w["o"] + 1 + H], "keys": grid.keys}
                           for w in wins], model=model)


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


def _intermittent(grid: Grid, wins: list, chosen: str, H: int) -> dict:
    """Intermittent and lumpy series (ml/intermittent.py) against Croston SBA per class on the backtest's
    open periods; a class where Croston's error is lower is routed, and each window's ``chosen`` forecast
    becomes what would have been served (its scores, bands and the choice's figures read it)."""
    for w in wins:
        w["classes"] = intermittent.demand_classes(grid.Y, w["o"])
        w["obs"] = ~np.isnan(w["y"])
        w["hol"] = np.zeros_like(w["obs"])
        w["croston"] = np.full(w["y"].shape, np.nan)
        rows = intermittent.routable_rows(w["classes"], intermittent.ROUTABLE)
        if len(rows):
            w["croston"][rows] = np.where(w["closed"][rows], 0.0, intermittent.croston_sba(grid.Y, w["o"], H, rows))
    out = intermittent.choose([{**w, "fc": w["f"]} for w in wins], chosen, 1.0)
    for w in wins:
        rows = intermittent.routable_rows(w["classes"], out["routed"])
        if len(rows):
            w["f"][chosen] = np.array(w["f"][chosen], copy=True)
            w["f"][chosen][rows] = w["croston"][rows]
    return out


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


__all__ = ["Config", "Model", "Result", "train", "forecast_from", "served", "seasonal_naive", "scale_at"]
