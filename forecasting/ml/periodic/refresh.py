"""Forecast from a newer origin without refitting (issue 18 item 6): the grid is rebuilt from the newer
history, the features are anchored at its last period, and the fitted global model, its choice, its band
quantiles and the classes it routed to Croston SBA apply unchanged; a series' status (live or not) and
its demand class are read at the new origin."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from .engine import Model, forecast_from
from .features import feature_names
from .grid import build_grid
from .seasons import calendar, seasons_of


@dataclass
class Refreshed:
    origin: str
    forecast: pd.DataFrame
    seconds: float


def refresh(model: Model, history: pd.DataFrame, *, events=None, locations=None, items=None, covariates=None,
            kinds=None, closures=None) -> Refreshed:
    """``history`` and the other inputs as for ``engine.train`` (the same attributes and covariates)."""
    t0 = time.perf_counter()
    cfg = model.config
    grid = build_grid(history, freq=cfg.freq, future=int(cfg.horizon), label=model.label, events=events,
                      locations=locations, items=items, covariates=covariates, kinds=kinds, closures=closures)
    if grid.dates[-1] < model.origin:
        raise ValueError(f"history ends {grid.dates[-1].date()}, before the model's origin {model.origin.date()}")
    if model.booster is not None and feature_names(grid, seasons_of(cfg.freq)) != model.features:
        raise ValueError("the data's attributes, events or covariates differ from the model's; retrain the model")
    _, cal = calendar(grid.ext_dates, cfg.freq)
    frame, _ = forecast_from(model, grid, cal)
    return Refreshed(origin=grid.dates[-1].date().isoformat(), forecast=frame, seconds=time.perf_counter() - t0)
