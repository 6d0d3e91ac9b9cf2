"""The series of a workspace cut into partitions (issue 20 item 1), so that the grid and the feature rows of
one partition at a time are in memory rather than those of every series.

A series goes to the partition given by a stable hash of its key (location, item): the same in every
process and run, whatever the other series. Each partition carries its own rows of the history, the
closures of its locations, the covariates of its series and every event (a partition whose locations have
none still has the event features, at 0); what must read the same in every partition
travels with all of them (``Spec``): the periods the grid spans (the whole history's first and last), and the
attribute tables with their categories already numbered over every series (a partition numbering its own
would give one code two meanings). One partition is the history as given, untouched: today's results."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import label_to_start
from .grid import Grid, _attributes, build_grid


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
    """One partition's inputs. In this process a partition reads the caller's frames through ``of_row`` (the
    partition of each row, shared by every partition: no copy of the history is made); ``alone`` gives the
    partition with its own rows only, what is shipped to another process."""
    index: int
    parts: int
    share: float  # its rows / all rows of the history: its share of the training sample
    history: pd.DataFrame
    events: pd.DataFrame | None = None
    closures: pd.DataFrame | None = None
    covariates: pd.DataFrame | list | None = None
    of_row: np.ndarray | None = None  # (rows,) the partition of each row of ``history``
    of_covariate_row: list | None = None  # per covariates frame: the same for a frame by series, None otherwise
    locations: frozenset = frozenset()
    items: frozenset = frozenset()

    def seed(self, seed: int):
        """What seeds the partition's sample: the seed alone for a single partition (today's sample), the
        seed, the partition and their count otherwise; never where it runs."""
        return seed if self.parts == 1 else [int(seed), self.index, self.parts]

    def _covariates(self, frame, of_row):
        if frame is None:
            return None
        mine = frame[of_row == self.index] if of_row is not None else _covariates_of(frame, self.locations, self.items)
        # none of its series has a value: one row of another series keeps the columns (NaN for its own, as
        # in the grid of every series) where an empty frame would have no table to read
        return mine if len(mine) or not len(frame) else frame.iloc[:1]

    def alone(self) -> Part:
        if self.of_row is None:
            return self
        cov = self.covariates
        if isinstance(cov, list):
            cov = [self._covariates(c, k) for c, k in zip(cov, self.of_covariate_row)]
        else:
            cov = self._covariates(cov, self.of_covariate_row[0])
        return Part(self.index, self.parts, self.share, self.history[self.of_row == self.index],
                    events=self.events,  # whole: a partition without events of its own still has the features
                    closures=_of_locations(self.closures, self.locations), covariates=cov)


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


def _keys(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(rows,) the series of each row and the series (location, item as text), without a text copy of every
    row's key."""
    cols = [frame[c] if c in frame else pd.Series("", index=frame.index) for c in ("location", "item")]
    codes, uniques = pd.factorize(pd.MultiIndex.from_arrays(cols))
    keys = pd.DataFrame({"location": uniques.get_level_values(0).astype(str),
                         "item": uniques.get_level_values(1).astype(str)})
    return codes, keys


def split(history: pd.DataFrame, *, parts: int, freq: str, future: int, label: str = "start", events=None,
          locations=None, items=None, covariates=None, kinds=None, closures=None) -> tuple[list[Part], Spec]:
    """The partitions of ``history`` (and of the other inputs of ``grid.build_grid``) and what they share."""
    if parts <= 1:
        whole = Part(0, 1, 1.0, history, events=events, closures=closures, covariates=covariates)
        return [whole], Spec(freq, future, label, kinds, locations, items)
    codes, keys = _keys(history)
    of_series = assign(keys, parts)
    series = keys.sort_values(["location", "item"], ignore_index=True)
    dates = pd.to_datetime(history["date"])
    first, last = label_to_start(pd.Series([dates.min(), dates.max()]), freq, label)
    spec = Spec(freq, future, label, kinds, _encoded(series, "location", locations), _encoded(series, "item", items),
                span=(pd.Timestamp(first), pd.Timestamp(last)))
    of_row = of_series[codes].astype(np.int32)
    of_covariate_row = []
    for frame in covariates if isinstance(covariates, list) else [covariates]:
        of_covariate_row.append(None)
        if frame is not None and "location" in frame and "item" in frame:  # by series: as large as the history
            c, k = _keys(frame)
            of_covariate_row[-1] = assign(k, parts)[c].astype(np.int32)
    rows = np.bincount(of_row, minlength=parts)
    out = []
    for p in range(parts):
        if not rows[p]:
            continue
        mine = keys[of_series == p]
        out.append(Part(p, parts, float(rows[p]) / len(history), history, events=events, closures=closures,
                        covariates=covariates, of_row=of_row, of_covariate_row=of_covariate_row,
                        locations=frozenset(mine["location"]),
                        items=frozenset(mine["item"])))
    return out, spec


def grid_of(part: Part, spec: Spec) -> Grid:
    part = part.alone()
    return build_grid(part.history, freq=spec.freq, future=spec.future, label=spec.label, events=part.events,
                      locations=spec.locations, items=spec.items, covariates=part.covariates, kinds=spec.kinds,
                      closures=part.closures, span=spec.span)
