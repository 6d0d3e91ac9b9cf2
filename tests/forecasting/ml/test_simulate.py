"""Acceptance 4 of issue 9 (pure part): the promotion what-if on DataFrames.
Markdowns equal to the planned ones give zero incremental sales, and the
answer equals the model's own response computed directly with
``predict_series`` on an artifact whose features hold the entered markdowns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.ml.artifact import ForecastArtifact
from forecasting.ml.panel import MARKDOWNS
from forecasting.ml.prediction import predict_series
from forecasting.ml.simulate import (
    SimulationInputError,
    forecast_weeks,
    markdown_weight,
    simulate,
    store_depts,
    training_max,
)

STORE = 2


@pytest.fixture(scope="module")
def md_trained():
    """Synthetic data where Markdown 1 lifts sales, trained with LightGBM and the seasonal model."""
    from forecasting.ml.pipeline import TrainConfig, train
    from tests.forecasting.ml.synth import make_data

    sales, features, stores = make_data(n_stores=4, n_depts=4, weeks=150, seed=3)
    md = features[["store", "date", "markdown1"]].fillna({"markdown1": 0.0})
    sales = sales.merge(md, on=["store", "date"], how="left").fillna({"markdown1": 0.0})
    sales["sales"] = sales["sales"] + 1.5 * sales.pop("markdown1")
    cfg = TrainConfig(horizon=6, backtest_windows=2, num_threads=1, seed=0, num_rounds=60,
                      candidates=["lightgbm", "seasonal_svd"], use_mstl=False)
    return train(sales, features, stores, cfg).artifact


def _with(art, **meta):
    return ForecastArtifact({**art.meta, **meta}, art.arrays, art.texts)


def _direct_delta(art, store, weeks, entered: dict) -> float:
    """Scenario - baseline recomputed from scratch by predict_series, once with
    the artifact's markdowns and once with the entered ones in its features."""
    P = art.panel
    md = np.array(art.arrays["md"], float, copy=True)
    s = int(np.searchsorted(P.stores, store))
    fw = forecast_weeks(art)
    steps = [fw.index(w) for w in weeks]
    for j, m in enumerate(MARKDOWNS):
        if entered.get(m) is not None:
            md[s, art.origin_index + 1 + np.array(steps), j] = entered[m]
    edited = ForecastArtifact(art.meta, {**art.arrays, "md": md}, art.texts)
    total = 0.0
    for d in store_depts(art, store):
        i = art.series_index(store, d)
        y = art.arrays["Y"][i]
        ok = ~np.isnan(y)
        hist = pd.DataFrame({"date": P.dates[ok], "sales": y[ok]})
        before = predict_series(art, store, d, art.horizon, history=hist)["points"]
        after = predict_series(edited, store, d, art.horizon, history=hist)["points"]
        total += sum(after[h]["forecast"] - before[h]["forecast"] for h in steps)
    return total


def test_planned_markdowns_give_zero_increment(md_trained):
    art = md_trained
    weeks = forecast_weeks(art)
    s = int(np.searchsorted(art.panel.stores, STORE))
    planned = art.panel.md[s, art.origin_index + 1, :]
    assert planned.sum() > 0  # the synthetic features plan markdowns in the forecast weeks
    one = simulate(art, store=STORE, weeks=weeks[:1], markdowns={m: float(v) for m, v in zip(MARKDOWNS, planned)},
                   margin=0.3)
    every = simulate(art, store=STORE, weeks=weeks, markdowns={}, margin=0.3)  # absent = as planned
    for out in (one, every):
        assert out["incremental_sales"] == 0 and out["markdown_cost"] == 0 and out["roi"] is None
        assert out["scenario"] == out["baseline"] and out["incremental_profit"] == 0
        assert out["lo80"] < 0 < out["hi80"]
    # the baseline is the stored forecast of the store's departments
    want = sum(predict_series(art, STORE, d, len(weeks))["points"][h]["forecast"]
               for d in store_depts(art, STORE) for h in range(len(weeks)))
    assert every["baseline"] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("chosen", ["lightgbm", "ensemble"])
def test_answer_equals_the_models_direct_response(md_trained, chosen):
    art = _with(md_trained, chosen=chosen)
    assert markdown_weight(art) > 0
    weeks = forecast_weeks(art)[1:4]
    entered = {"markdown1": 9000.0, "markdown3": 0.0}
    out = simulate(art, store=STORE, weeks=weeks, markdowns=entered, margin=0.25)
    direct = _direct_delta(art, STORE, weeks, entered)
    assert abs(out["incremental_sales"]) > 1.0  # the model responds to markdown 1
    assert out["incremental_sales"] == pytest.approx(direct, rel=1e-5, abs=1e-3)
    assert sum(w["incremental_sales"] for w in out["by_week"]) == pytest.approx(out["incremental_sales"])
    assert out["scenario"] - out["baseline"] == pytest.approx(out["incremental_sales"])
    s = int(np.searchsorted(art.panel.stores, STORE))
    planned = art.panel.md[s, art.origin_index + 2: art.origin_index + 5, :]
    cost = (9000.0 - planned[:, 0]).sum() + (0.0 - planned[:, 2]).sum()
    assert out["markdown_cost"] == pytest.approx(cost)
    assert out["incremental_profit"] == pytest.approx(out["incremental_sales"] * 0.25 - cost)
    assert out["roi"] == (pytest.approx(out["incremental_profit"] / cost) if cost > 0 else None)


def test_an_amount_below_the_plan_is_a_cut_said_so_and_has_no_roi(md_trained):
    """Issue 19 item 9: $20,000 typed over a larger plan gave -100 % ROI."""
    art = _with(md_trained, chosen="lightgbm")
    weeks = forecast_weeks(art)[:3]
    s = int(np.searchsorted(art.panel.stores, STORE))
    planned = art.panel.md[s, art.origin_index + 1: art.origin_index + 4, 0]
    below = float(planned.max()) / 2
    out = simulate(art, store=STORE, weeks=weeks, markdowns={"markdown1": below}, margin=0.3)
    cut = [w for w in out["warnings"] if w["code"] == "below_plan"]
    assert planned.max() > 0 and out["markdown_cost"] < 0 and out["roi"] is None
    assert len(cut) == 1 and cut[0]["field"] == "markdowns.markdown1" and "replaces the plan" in cut[0]["message"]
    more = simulate(art, store=STORE, weeks=weeks, markdowns={"markdown1": float(planned.max()) + 5000}, margin=0.3)
    assert not [w for w in more["warnings"] if w["code"] == "below_plan"] and more["markdown_cost"] > 0
    assert more["roi"] == pytest.approx(more["incremental_profit"] / more["markdown_cost"])


def test_some_departments_and_the_ensemble_weight(md_trained):
    art = _with(md_trained, chosen="ensemble")
    weeks = forecast_weeks(art)[:2]
    full = simulate(art, store=STORE, weeks=weeks, markdowns={"markdown1": 9000}, margin=0.3)
    part = simulate(art, store=STORE, depts=[1, 2], weeks=weeks, markdowns={"markdown1": 9000}, margin=0.3)
    assert part["depts"] == [1, 2] and len(full["depts"]) > 2
    assert abs(part["incremental_sales"]) < abs(full["incremental_sales"]) or part["incremental_sales"] == 0
    only_svd = simulate(_with(md_trained, chosen="seasonal_svd"), store=STORE, weeks=weeks,
                        markdowns={"markdown1": 9000}, margin=0.3)
    assert only_svd["incremental_sales"] == 0
    assert "model_ignores_markdowns" in {w["code"] for w in only_svd["warnings"]}


def test_warning_outside_training_range(md_trained):
    art = md_trained
    top = training_max(art)
    weeks = forecast_weeks(art)[:1]
    inside = simulate(art, store=STORE, weeks=weeks, markdowns={"markdown1": top["markdown1"] / 2}, margin=0.3)
    assert "outside_training" not in {w["code"] for w in inside["warnings"]}
    out = simulate(art, store=STORE, weeks=weeks, markdowns={"markdown1": top["markdown1"] * 3}, margin=0.3)
    warn = [w for w in out["warnings"] if w["code"] == "outside_training"]
    assert [w["field"] for w in warn] == ["markdowns.markdown1"] and "Markdown 1" in warn[0]["message"]


@pytest.mark.parametrize("kwargs, field", [
    ({"weeks": ["2001-01-05"]}, "weeks[0]"),
    ({"weeks": ["FIRST", "soon"]}, "weeks[1]"),
    ({"weeks": []}, "weeks"),
    ({"markdowns": {"markdown3": -5}}, "markdowns.markdown3"),
    ({"markdowns": {"markdown9": 5}}, "markdowns.markdown9"),
    ({"store": 77}, "store"),
    ({"depts": [1, 99]}, "depts"),
    ({"margin": 1.5}, "margin"),
])
def test_bad_input_names_the_field(md_trained, kwargs, field):
    art = md_trained
    args = dict(store=STORE, weeks=forecast_weeks(art)[:1], markdowns={}, margin=0.3)
    if kwargs.get("weeks") == ["FIRST", "soon"]:
        kwargs = {"weeks": [forecast_weeks(art)[0], "soon"]}
    args.update(kwargs)
    with pytest.raises(SimulationInputError) as exc:
        simulate(art, **args)
    assert exc.value.field == field
