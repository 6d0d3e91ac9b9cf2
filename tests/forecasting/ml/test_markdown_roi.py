"""Markdown ROI per department and type from the model's counterfactual over its backtest weeks
(forecasting/ml/markdown_roi.py), on synthetic data where Markdown 1 lifts sales and the others do nothing."""
from __future__ import annotations

import numpy as np
import pytest

from forecasting.ml.artifact import ForecastArtifact
from forecasting.ml.markdown_roi import by_department, markdown_effects, markdown_roi
from forecasting.ml.panel import MARKDOWNS


@pytest.fixture(scope="module")
def md_trained():
    from forecasting.ml.pipeline import TrainConfig, train
    from tests.forecasting.ml.synth import make_data

    sales, features, stores = make_data(n_stores=4, n_depts=4, weeks=150, seed=3)
    md = features[["store", "date", "markdown1"]].fillna({"markdown1": 0.0})
    sales = sales.merge(md, on=["store", "date"], how="left").fillna({"markdown1": 0.0})
    sales["sales"] = sales["sales"] + 1.5 * sales.pop("markdown1")
    cfg = TrainConfig(horizon=6, backtest_windows=2, num_threads=1, seed=0, num_rounds=60,
                      candidates=["lightgbm", "seasonal_svd"], use_mstl=False)
    return train(sales, features, stores, cfg).artifact


def test_roi_rows_and_arithmetic(md_trained):
    df = markdown_roi(md_trained, margin=0.3)
    assert len(df) and set(df["markdown"]) <= set(MARKDOWNS) | {"all"}
    assert (df["stores"] > 0).all()
    for r in df.itertuples():
        assert r.incremental_profit == pytest.approx(r.incremental_sales * 0.3 - r.cost)
        assert (r.roi is None or np.isnan(r.roi)) if r.cost == 0 else r.roi == pytest.approx(r.incremental_profit / r.cost)


def test_the_markdown_that_lifts_sales_has_the_largest_increment(md_trained):
    df = markdown_roi(md_trained, margin=0.3)
    by_type = df[df["markdown"] != "all"].groupby("markdown")["incremental_sales"].sum()
    assert by_type.idxmax() == "markdown1" and by_type["markdown1"] > 0


def test_costs_split_the_store_markdowns_over_departments(md_trained):
    """Charged by sales share, the departments' costs of a type add up to the store-week amounts of the
    backtest weeks with sales."""
    art = md_trained
    df = markdown_roi(art, margin=0.3)
    P, H = art.panel, art.horizon
    idx = {d.date().isoformat(): i for i, d in enumerate(P.dates)}
    # every store-week of these weeks has sales in this synthetic data; overlapping windows count twice
    windows = [[idx[o] + 1 + s for s in range(min(H, P.T - 1 - idx[o]))] for o in art.meta["params"]["backtest_origins"]]
    expected = sum(float(np.asarray(P.md)[:, w, 0].sum()) for w in windows)
    assert df[df["markdown"] == "markdown1"]["cost"].sum() == pytest.approx(expected, rel=1e-6)


def test_no_lightgbm_no_rows(md_trained):
    art = ForecastArtifact({**md_trained.meta, "chosen": "seasonal_svd"}, md_trained.arrays, md_trained.texts)
    assert markdown_roi(art, margin=0.3).empty


def test_some_stores_sum_only_their_series(md_trained):
    eff = markdown_effects(md_trained)
    mine = eff[eff["store"].isin(sorted(set(eff["store"]))[:2])]
    part = by_department(mine, margin=0.3).set_index(["dept", "markdown"])
    for (d, m), r in part.iterrows():
        rows = mine[(mine.dept == d) & (mine.markdown == m)]
        assert r["incremental_sales"] == pytest.approx(rows["incremental_sales"].sum())
        assert r["cost"] == pytest.approx(rows["cost"].sum())
