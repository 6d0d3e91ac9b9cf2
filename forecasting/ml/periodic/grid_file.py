"""A built ``Grid`` as one ``.npz`` file (no pickle: numbers and fixed-width text only), so that a process
that forecasts from it (the simulator's, forecasting/services/what_if.py) reads it in a fraction of a second
instead of rebuilding it from millions of rows. The names of the attributes and covariates keep their
order: the model's features are read in it."""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np
import pandas as pd

from .grid import Grid

_GROUPS = ("attrs", "known", "past")


def save_grid(grid: Grid, path) -> None:
    arrays = {"Y": grid.Y, "closed": grid.closed, "loc_idx": grid.loc_idx,
              "locations": np.asarray(grid.locations, dtype=str),
              "keys_location": grid.keys["location"].to_numpy(dtype=str),
              "keys_item": grid.keys["item"].to_numpy(dtype=str),
              "dates": grid.dates.asi8, "ext_dates": grid.ext_dates.asi8}
    if grid.events is not None:
        arrays["events"] = grid.events
    meta = {"freq": grid.freq, "assumed": grid.assumed, "events": grid.events is not None}
    for group in _GROUPS:
        meta[group] = list(getattr(grid, group))
        for i, arr in enumerate(getattr(grid, group).values()):
            arrays[f"{group}_{i}"] = arr
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".grid-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_grid(path) -> Grid:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes().decode())
        grid = Grid(freq=meta["freq"],
                    keys=pd.DataFrame({"location": z["keys_location"].astype(object),
                                       "item": z["keys_item"].astype(object)}),
                    dates=pd.DatetimeIndex(z["dates"]), ext_dates=pd.DatetimeIndex(z["ext_dates"]),
                    Y=z["Y"], closed=z["closed"], loc_idx=z["loc_idx"], locations=z["locations"].astype(object),
                    events=z["events"] if meta["events"] else None, assumed=meta["assumed"])
        for group in _GROUPS:
            setattr(grid, group, {name: z[f"{group}_{i}"] for i, name in enumerate(meta[group])})
    return grid
