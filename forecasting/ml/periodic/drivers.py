"""The drivers of one series' forecast by the engine for any planning frequency: what moved its first
forecast period, as LightGBM's contributions (``pred_contrib``) of each feature, in the series' units
(the model predicts the period's value over the series' scale). None for a series the model does not
explain: the seasonal naive rule was chosen (no feature is read), its demand class is forecast by Croston
SBA, or the first period is a known closure (0, whatever the features say)."""
from __future__ import annotations

import numpy as np

from .. import intermittent
from ..insights import top_contributions
from .engine import Model
from .features import feature_names, origin_rows
from .grid import Grid
from .seasons import seasons_of

TOP = 5


def series_drivers(model: Model, grid: Grid, cal: np.ndarray, k: int = TOP) -> list[dict]:
    """The ``k`` largest contributions to the first forecast period of the grid's one series (``grid``:
    ``Grid.take`` of its row), from the grid's last period: [{feature, contribution, value}]."""
    if model.booster is None or model.chosen != "lightgbm" or grid.n != 1:
        return []
    s, o = seasons_of(model.config.freq), grid.T - 1
    if grid.closed.shape[1] > o + 1 and bool(grid.closed[0, o + 1]):
        return []
    if len(intermittent.routable_rows(intermittent.demand_classes(grid.Y, o), model.routed)):
        return []
    X, scale = origin_rows(grid, s, o, 1, cal)
    if not np.isfinite(scale[0]) or scale[0] <= 0:
        return []
    return top_contributions(model.booster, X[0, 0], model.features or feature_names(grid, s), float(scale[0]), k=k)
