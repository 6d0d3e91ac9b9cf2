"""A planner's overrides applied to a forecast: pure pandas, no Django.

An override names a node of the hierarchy (one series, a store, a department,
a store type, the total, or a value of any grouping attribute of the locations
or items: level ``location.city`` with key ``{"value": "Quito"}``; the points
then carry that level's column, ``forecasting.ml.hierarchy``), some periods, and either a ``value`` (the node's
total for each of those periods) or a ``percent`` (every series of the node
moved by that much). A node's value is spread over its series in proportion to
what they forecast at that moment (equally when they forecast 0 in total), so
series add up to the node and every level stays coherent. Overrides apply in
the order they were made; each later one works on the result of the earlier.

Periods the forecast does not cover (already past, or beyond its horizon) are
left alone: an override lives as long as its periods are ahead of the data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

LEVELS = ("series", "store", "dept", "store_type", "total")
# the key fields each level is named by (the same as the forecast filters')
KEY_FIELDS = {"series": ("store", "dept"), "store": ("store",), "dept": ("dept",), "store_type": ("type",),
              "total": ()}
COLUMNS = ("store", "dept", "type", "date", "statistical")


def is_attribute_level(level) -> bool:
    """``location.<attr>`` or ``item.<attr>``."""
    side, dot, attr = str(level).partition(".")
    return side in ("location", "item") and bool(dot) and bool(attr)


def valid_level(level) -> bool:
    return isinstance(level, str) and (level in LEVELS or is_attribute_level(level))


def key_fields(level: str) -> tuple[str, ...]:
    return ("value",) if is_attribute_level(level) else KEY_FIELDS[level]


@dataclass(frozen=True)
class Adjustment:
    level: str
    key: dict
    periods: tuple[date, ...]
    value: float | None = None
    percent: float | None = None
    ref: object = field(default=None, compare=False)  # the caller's handle (an override's id)

    def __post_init__(self):
        if not valid_level(self.level):
            raise ValueError(f"unknown level {self.level!r}")
        if (self.value is None) == (self.percent is None):
            raise ValueError("exactly one of value and percent")


def node_mask(points: pd.DataFrame, level: str, key: dict) -> np.ndarray:
    """Rows of ``points`` in the node (every period)."""
    if is_attribute_level(level):  # the points carry the level's column (each series' value of the attribute)
        if level not in points.columns:
            return np.zeros(len(points), dtype=bool)
        return (points[level].astype(str) == str(key["value"])).to_numpy()
    mask = np.ones(len(points), dtype=bool)
    for name in KEY_FIELDS[level]:
        column = "type" if name == "type" else name
        mask &= (points[column].astype(str) == str(key[name])).to_numpy()
    return mask


def apply(points: pd.DataFrame, adjustments: list[Adjustment]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """``points`` (store, dept, type, date, statistical) with a ``final``
    column, and for each adjustment the rows it changed: store, dept, date,
    ``before`` (the figure it replaced) and ``after``."""
    out = points.reset_index(drop=True).copy()
    final = out["statistical"].to_numpy(dtype=float).copy()
    dates = pd.to_datetime(out["date"]).dt.date.to_numpy()
    changes = []
    for adj in adjustments:
        in_node = node_mask(out, adj.level, adj.key)
        touched = np.zeros(len(out), dtype=bool)
        before = final.copy()
        for period in adj.periods:
            rows = np.flatnonzero(in_node & (dates == period))
            if rows.size == 0:
                continue
            touched[rows] = True
            if adj.percent is not None:
                final[rows] = final[rows] * (1.0 + adj.percent / 100.0)
                continue
            total = final[rows].sum()
            share = final[rows] / total if total > 0 else np.full(rows.size, 1.0 / rows.size)
            final[rows] = float(adj.value) * share
        rows = np.flatnonzero(touched)
        changes.append(pd.DataFrame({"store": out["store"].to_numpy()[rows], "dept": out["dept"].to_numpy()[rows],
                                     "date": dates[rows], "before": before[rows], "after": final[rows]}))
    out["final"] = final
    return out, changes
