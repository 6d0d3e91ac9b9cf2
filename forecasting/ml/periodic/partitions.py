"""The series of a workspace cut into partitions (issue 20 item 1), so that the grid and the feature rows of
one partition at a time are in memory rather than those of every series.

A series goes to the partition given by a stable hash of its key (location, item): the same in every
process and run, whatever the other series. Each partition carries its own rows of the history, the events
and closures of its locations and the covariates of its series; what must read the same in every partition
travels with all of them (``Spec``): the periods the grid spans (the whole history's first and last), and the
attribute tables with their categories already numbered over every series (a partition numbering its own
would give one code two meanings). One partition is the history as given, untouched: today's results."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import label_to_start
from .grid import Grid, _attributes, _series_keys, build_grid


@dataclass
class Spec:
    """What every partition's grid shares."""
    freq: str
    future: int
    label: str
    kinds: dict | None
    locations: pd.DataFrame | None
    items: pd.DataFrame | None
    span: tuple | None = None  # (first, last) period of the whole history; None: the partition's own


@dataclass
class Part:
    index: int
    parts: int
    share: float  # its rows / all rows of the history: its share of the training sample
    history: pd.DataFrame
    events: pd.DataFrame | None = None
    closures: pd.DataFrame | None = None
    covariates: pd.DataFrame | list | None = None

    def seed(self, seed: int):
        """What seeds the partition's sample: the seed alone for a single partition (today's sample), the
        seed, the partition and their count otherwise; never where it runs."""
        return seed if self.parts == 1 else [int(seed), self.index, self.parts]


def count(series: int, target: int) -> int:
    """Partitions of about ``target`` series each (``target`` <= 0: one)."""
    return max(1, math.ceil(series / target)) if target > 0 else 1


def assign(keys: pd.DataFrame, parts: int) -> np.ndarray:
    """(len(keys),) the partition of each (location, item) key: a stable hash, the same in every process."""
    if parts <= 1:
        return np.zeros(len(keys), dtype=int)
    h = pd.util.hash_pandas_object(keys[["location", "item"]].astype(str), index=False).to_numpy()
    return (h % np.uint64(parts)).astype(int)


def _encoded(series: pd.DataFrame, side: str, table: pd.DataFrame | None) -> pd.DataFrame | None:
    """``table`` with each attribute as the numbers the grid of every series would read."""
    coded = _attributes(series, side, table)
    if not coded:
        return None
    frame = pd.DataFrame({side: series[side].to_numpy(),
                          **{name.split(".", 1)[1]: v for name, v in coded.items()}})
    return frame.drop_duplicates(side, ignore_index=True)


def _of_locations(frame: pd.DataFrame | None, locations: set) -> pd.DataFrame | None:
    if frame is None or not len(frame) or "location" not in frame:
        return frame
    return frame[frame["location"].astype(str).isin(locations)]


def _covariates_of(frame: pd.DataFrame, locations: set, items: set) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    if "location" in frame:
        keep &= frame["location"].astype(str).isin(locations).to_numpy()
    if "item" in frame:
        keep &= frame["item"].astype(str).isin(items).to_numpy()
    return frame[keep]


def split(history: pd.DataFrame, *, parts: int, freq: str, future: int, label: str = "start", events=None,
          locations=None, items=None, covariates=None, kinds=None, closures=None) -> tuple[list[Part], Spec]:
    """The partitions of ``history`` (and of the other inputs of ``grid.build_grid``) and what they share."""
    if parts <= 1:
        whole = Part(0, 1, 1.0, history, events=events, closures=closures, covariates=covariates)
        return [whole], Spec(freq, future, label, kinds, locations, items)
    keys = _series_keys(history)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
    series = uniques.to_frame(index=False, name=["location", "item"]).sort_values(["location", "item"],
                                                                                 ignore_index=True)
    dates = pd.to_datetime(history["date"])
    first, last = label_to_start(pd.Series([dates.min(), dates.max()]), freq, label)
    spec = Spec(freq, future, label, kinds, _encoded(series, "location", locations), _encoded(series, "item", items),
                span=(pd.Timestamp(first), pd.Timestamp(last)))
    of_row = assign(uniques.to_frame(index=False, name=["location", "item"]), parts)[codes]
    out = []
    for p in range(parts):
        rows = of_row == p
        if not rows.any():
            continue
        mine = keys[rows]
        locs, its = set(mine["location"].unique()), set(mine["item"].unique())
        cov = covariates
        if covariates is not None:
            cov = [_covariates_of(c, locs, its) for c in covariates] if isinstance(covariates, list) \
                else _covariates_of(covariates, locs, its)
        out.append(Part(p, parts, float(rows.sum()) / len(history), history[rows],
                        events=_of_locations(events, locs), closures=_of_locations(closures, locs), covariates=cov))
    return out, spec


def grid_of(part: Part, spec: Spec) -> Grid:
    return build_grid(part.history, freq=spec.freq, future=spec.future, label=spec.label, events=part.events,
                      locations=spec.locations, items=spec.items, covariates=part.covariates, kinds=spec.kinds,
                      closures=part.closures, span=spec.span)
