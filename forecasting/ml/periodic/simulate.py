"""What-if of the engine for any planning frequency (issue 17 item 3, issue 19): the fitted model
re-forecasts chosen series and periods with the workspace's ``known`` covariates changed (its levers: a
price cut by a percent, a promotion flag set), against the forecast with the values as planned. No fit;
only the changed cells' covariates move, so every other forecast is the served one."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .engine import Model, segment_of, served
from .grid import Grid
from .seasons import seasons_of


class LeverError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Lever:
    """Set the covariate to ``value``, or change its planned value by ``change_pct`` percent."""
    name: str
    value: float | None = None
    change_pct: float | None = None

    def apply(self, planned: np.ndarray) -> np.ndarray:
        if self.value is not None:
            return np.full_like(planned, float(self.value))
        return planned * (1 + float(self.change_pct) / 100.0)


@dataclass
class WhatIf:
    baseline: np.ndarray  # (len(rows), len(steps)) the forecast with the covariates as planned
    scenario: np.ndarray  # the same with the levers
    planned: dict  # lever name -> (len(rows), len(steps)) planned values
    changed: dict  # lever name -> the scenario's values
    half80: np.ndarray  # (len(rows), len(steps)) half-widths of the scenario's 80 % band

    def incremental_range(self) -> tuple[float, float]:
        """The 80 % range of the incremental total: the cells' half-widths combined as independent errors."""
        inc, spread = float(self.scenario.sum() - self.baseline.sum()), float(np.sqrt((self.half80 ** 2).sum()))
        return inc - spread, inc + spread


def what_if(model: Model, grid: Grid, cal: np.ndarray, *, rows: np.ndarray, steps: np.ndarray,
            levers: list[Lever]) -> WhatIf:
    """``rows``: series indices of ``grid``; ``steps``: horizon steps 0..H-1 to change."""
    H, T = int(model.config.horizon), grid.T
    rows, steps = np.asarray(rows, int), np.asarray(steps, int)
    if not len(rows):
        raise LeverError("series", "no series to simulate")
    if not len(steps) or steps.min() < 0 or steps.max() >= H:
        raise LeverError("periods", f"choose periods among the forecast's {H}")
    for lever in levers:
        if lever.name not in grid.known:
            raise LeverError(f"levers.{lever.name}", "not a covariate the model reads as known ahead")
        if (lever.value is None) == (lever.change_pct is None):
            raise LeverError(f"levers.{lever.name}", "give either value or change_pct")
    part = grid.take(rows)  # the chosen series only: each one's features read its own rows
    base, _, _ = served(model, part, cal)
    scen_grid = copy.copy(part)
    scen_grid.known = dict(part.known)
    planned, changed = {}, {}
    cells = (slice(None), T + steps)
    for lever in levers:
        arr = np.array(part.known[lever.name], copy=True)
        planned[lever.name] = arr[cells]
        arr[cells] = lever.apply(arr[cells])
        changed[lever.name] = arr[cells]
        scen_grid.known[lever.name] = arr
    scen, fc, _ = served(model, scen_grid, cal)
    q = np.asarray(model.quantiles["80"], float)
    q = q[None] if q.ndim == 2 else q  # (segments, buckets, 2), scaled; an older model: one segment
    seg = np.minimum(segment_of(fc["scale"], model.edges), q.shape[0] - 1)
    qq = q[seg][:, seasons_of(model.config.freq).bucket_of(steps + 1)]  # (n, len(steps), 2)
    half = np.where(fc["closed"][:, steps], 0.0, (qq[..., 1] - qq[..., 0]) / 2 * fc["scale"][:, None])
    return WhatIf(baseline=base[:, steps], scenario=scen[:, steps], planned=planned, changed=changed,
                  half80=np.nan_to_num(half))
