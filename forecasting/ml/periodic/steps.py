"""What runs on one partition of the series (periodic/partitions.py), wherever the executor runs it
(forecasting/ml/executor.py): module-level functions of the partition and plain arguments, returning arrays
and frames; the global model travels as LightGBM's own text. Each rebuilds the partition's grid rather
than keeping it between steps, so that in one process one partition's grid is in memory at a time; the first
step writes it to the run's ``cache`` folder (periodic/grid_file.py: the same arrays, read back in a fraction
of the build's time), a later step on a machine that has it reads it there and one that has not rebuilds it.

``sample``: the partition's share of the training sample (seeded by the partition, not by where it runs).
``backtest``: the forecasts of its series at each backtest origin with that window's model, the seasonal
naive rule and Croston SBA. ``final``: its served forecast frame with the final model. ``joined_*``: the
partitions' results put together in the order of one grid of every series (by location, item)."""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd

from ..models import import_lightgbm
from .features import Rows, feature_names
from .forecast import Config, Model, _forecast, croston_windows, forecast_from, live
from .grid import Grid
from .grid_file import load_grid, save_grid
from .partitions import Part, Spec, grid_of
from .seasons import calendar, seasons_of


def _booster(text: str | None):
    return import_lightgbm().Booster(model_str=text) if text is not None else None


def _grid(part: Part, spec: Spec, cache: str | None, build: bool = False) -> Grid:
    path = os.path.join(cache, f"grid-{part.index}.npz") if cache else None
    if path and not build and os.path.exists(path):
        return load_grid(path)
    grid = grid_of(part, spec)
    if path:
        os.makedirs(cache, exist_ok=True)
        save_grid(grid, path)
    return grid


def sample(part: Part, *, spec: Spec, cfg: Config, cache: str | None = None) -> dict:
    grid = _grid(part, spec, cache, build=True)
    s = seasons_of(cfg.freq)
    _, cal = calendar(grid.ext_dates, cfg.freq)
    rows = Rows(grid, s, int(cfg.horizon), cal, cfg.max_rows * part.share, part.seed(cfg.seed))
    return {"rows": rows, "T": grid.T, "names": feature_names(grid, s), "dates": grid.dates,
            "ext_dates": grid.ext_dates, "unset": grid.unset}


def backtest(part: Part, *, spec: Spec, cfg: Config, origins: list, boosters: list, cache: str | None = None) -> dict:
    grid = _grid(part, spec, cache)
    s, H = seasons_of(cfg.freq), int(cfg.horizon)
    _, cal = calendar(grid.ext_dates, cfg.freq)
    wins = []
    for o, text in zip(origins, boosters):
        fc = _forecast(_booster(text), grid, s, o, H, cal)
        wins.append({"o": o, "y": grid.Y[:, o + 1: o + 1 + H], **fc})
    croston_windows(grid, wins, H)
    return {"keys": grid.keys, "wins": wins}


def final(part: Part, *, spec: Spec, model: Model, booster: str | None, cache: str | None = None) -> dict:
    grid = _grid(part, spec, cache)
    cfg = model.config
    _, cal = calendar(grid.ext_dates, cfg.freq)
    frame, classes = forecast_from(dataclasses.replace(model, booster=_booster(booster)), grid, cal)
    return {"frame": frame, "classes": classes, "live": live(grid, seasons_of(cfg.freq), grid.T - 1)}


def _order(keys: pd.DataFrame) -> np.ndarray:
    return keys.reset_index(drop=True).sort_values(["location", "item"]).index.to_numpy()


def _stack(values: list):
    if isinstance(values[0], dict):
        return {k: _stack([v[k] for v in values]) for k in values[0]}
    if isinstance(values[0], np.ndarray) and values[0].ndim >= 1:
        return np.concatenate(values)
    return values[0]  # the same in every partition (the origin)


def joined_windows(done: list, origins: list) -> tuple[pd.DataFrame, list]:
    """(keys, windows) of every series, in the order of a grid of all of them."""
    if len(done) == 1:
        return done[0]["keys"], done[0]["wins"]
    keys = pd.concat([d["keys"] for d in done], ignore_index=True)
    order = _order(keys)
    wins = []
    for k in range(len(origins)):
        w = _stack([d["wins"][k] for d in done])
        wins.append({name: (v[order] if isinstance(v, np.ndarray) and v.ndim >= 1 else
                            {c: a[order] for c, a in v.items()} if isinstance(v, dict) else v)
                     for name, v in w.items()})
    return keys.iloc[order].reset_index(drop=True), wins


def joined_final(done: list) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(forecast frame by location, item and date; demand classes; live flags) of every series."""
    if len(done) == 1:
        return done[0]["frame"], done[0]["classes"], done[0]["live"]
    frame = pd.concat([d["frame"] for d in done], ignore_index=True)
    frame = frame.sort_values(["location", "item"], kind="stable", ignore_index=True)
    return frame, np.concatenate([d["classes"] for d in done]), np.concatenate([d["live"] for d in done])
