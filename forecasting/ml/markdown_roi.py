"""Markdown ROI per department and markdown type, from the trained model's
counterfactual over its backtest weeks (issue 9, page 6).

For every backtest origin of the model (``meta.params.backtest_origins``), the
feature rows of the next ``horizon`` weeks are rebuilt from the artifact's panel
(``features.OriginState``, as training built them) and the LightGBM part is
predicted twice per markdown type: with the markdowns as they were, and with
that type set to zero (``markdown_any`` recomputed); plus once with every type
at zero. Like the promotion simulator (forecasting/ml/simulate.py), the change
enters the chosen forecast with LightGBM's weight in it and is clipped at each
series' floor. Only weeks with actual sales count.

* incremental sales of a type in a department = forecast with the type as it was
  minus forecast without it, summed over the department's series and the weeks;
* its cost: a markdown is a store-week amount; each department is charged the
  share of it equal to its share of the store's sales that week;
* ROI = (incremental sales x margin - cost) / cost (None without cost).

It is the model's learned association between markdowns and sales, not a
controlled experiment; the final model has seen these weeks in training.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .features import OriginState
from .models import SVD_RANK, dept_groups
from .panel import MARKDOWNS
from .simulate import LABELS, markdown_weight
from .status import POOLED

SERIES_COLUMNS = ["store", "dept", "markdown", "incremental_sales", "cost"]
COLUMNS = ["dept", "markdown", "label", "incremental_sales", "cost", "incremental_profit", "roi", "stores"]


def markdown_roi(art, *, margin: float) -> pd.DataFrame:
    """One row per department and markdown type (and ``markdown = "all"``), see the module doc."""
    return by_department(markdown_effects(art), margin=margin)


SUM_COLUMNS = ["dept", "markdown", "incremental_sales", "cost", "stores"]


def by_department(effects: pd.DataFrame, *, margin: float, floor: float = 0.0) -> pd.DataFrame:
    """Series rows of ``markdown_effects`` (e.g. of some stores only) summed per department and type."""
    if effects.empty:
        return pd.DataFrame(columns=COLUMNS)
    g = effects.groupby(["dept", "markdown"], sort=True).agg(
        incremental_sales=("incremental_sales", "sum"), cost=("cost", "sum"), stores=("store", "nunique"))
    return price_departments(g.reset_index(), margin=margin, floor=floor)


def price_departments(sums: pd.DataFrame, *, margin: float, floor: float = 0.0) -> pd.DataFrame:
    """Department sums (``SUM_COLUMNS``) priced with a gross margin: incremental profit and ROI (none when
    the cost is under ``floor``: a ratio of a near-zero cost is not material)."""
    if sums.empty:
        return pd.DataFrame(columns=COLUMNS)
    g = sums.copy()
    g["label"] = g["markdown"].map(lambda m: LABELS.get(m, "All markdowns"))
    g["incremental_profit"] = g["incremental_sales"] * float(margin) - g["cost"]
    g["roi"] = (g["incremental_profit"] / g["cost"].where(g["cost"] > 0)).astype(object)
    g.loc[(g["cost"] <= 0) | (g["cost"] < floor), "roi"] = None
    return g[COLUMNS]


def markdown_effects(art) -> pd.DataFrame:
    """Incremental sales and markdown cost per series (store, dept) and markdown type, over the backtest
    weeks with sales (rows with neither are left out)."""
    w = markdown_weight(art)
    origins = art.meta.get("params", {}).get("backtest_origins") or []
    if w == 0 or not origins:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    P, H, a = art.panel, art.horizon, art.arrays
    booster = art.booster
    names = booster.feature_name()
    cols = [names.index(m) for m in MARKDOWNS]
    c_any, c_base = names.index("markdown_any"), names.index("base_n")
    Y0 = np.nan_to_num(P.Y)
    groups = dept_groups(P.dept_idx)
    rank = int(art.meta.get("params", {}).get("config", {}).get("svd_rank", SVD_RANK))
    rows = np.flatnonzero(np.asarray(a["status"]) != POOLED)
    floor = np.asarray(a["floor"], float)[rows]
    date_index = {d.date().isoformat(): i for i, d in enumerate(P.dates)}
    n_types = len(MARKDOWNS)
    inc = np.zeros((len(rows), n_types + 1))
    cost = np.zeros((len(rows), n_types + 1))
    for origin in origins:
        o = date_index.get(origin)
        if o is None:
            continue
        steps = np.arange(min(H, P.T - 1 - o))
        if not len(steps):
            continue
        state = OriginState(P, Y0, o, H, groups, rank)
        X = state.X(P, Y0, rows).reshape(len(rows), H, -1)[:, steps, :].reshape(len(rows) * len(steps), -1)
        scale = np.repeat(np.asarray(state.ser["scale"], float)[rows], len(steps))
        fl = np.repeat(floor, len(steps))
        base = scale * (X[:, c_base].astype(float) + booster.predict(X, num_threads=1))
        as_was = np.maximum(base, fl)
        actual = P.Y[rows][:, o + 1 + steps]  # (n, S): NaN = no sale recorded
        seen = np.isfinite(actual).ravel()
        sales = np.nan_to_num(actual)
        store_of = P.store_idx[rows]
        # each department's share of its store's sales, per week (for the cost)
        store_tot = np.zeros((len(P.stores), len(steps)))
        np.add.at(store_tot, store_of, sales)
        share = np.divide(sales, store_tot[store_of], out=np.zeros_like(sales), where=store_tot[store_of] > 0)
        md = np.asarray(P.md)[:, o + 1 + steps, :]  # (stores, S, 5)
        for j in range(n_types + 1):
            Xz = X.copy()
            if j < n_types:
                Xz[:, cols[j]] = 0.0
            else:
                Xz[:, cols] = 0.0
            Xz[:, c_any] = (Xz[:, cols] > 0).any(1)
            without = np.maximum(scale * (X[:, c_base].astype(float) + booster.predict(Xz, num_threads=1)), fl)
            d = (w * (as_was - without) * seen).reshape(len(rows), len(steps))
            spend = md[store_of][:, :, j] if j < n_types else md[store_of].sum(2)
            inc[:, j] += d.sum(1)
            cost[:, j] += (spend * share).sum(1)
    types = MARKDOWNS + ["all"]
    df = pd.DataFrame({
        "store": np.repeat(P.stores[P.store_idx[rows]].astype(int), n_types + 1),
        "dept": np.repeat(P.depts[P.dept_idx[rows]].astype(int), n_types + 1),
        "markdown": np.tile(types, len(rows)), "incremental_sales": inc.ravel(), "cost": cost.ravel()})
    return df[(df["cost"] > 0) | (df["incremental_sales"] != 0)].reset_index(drop=True)
