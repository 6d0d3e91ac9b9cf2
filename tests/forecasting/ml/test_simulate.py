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
    simulate_many,
    store_depts,
    training_max,
)
from forecasting.ml.status import INACTIVE

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


# ------------------------------------------------------------------ several stores (issue 19, workflow 6)
SUMMED = ("baseline", "scenario", "incremental_sales", "markdown_cost", "incremental_profit")


def test_several_stores_total_is_the_sum_of_each_stores_answer(md_trained):
    art = _with(md_trained, chosen="lightgbm")
    weeks = forecast_weeks(art)[1:4]
    entered = {"markdown1": 9000.0, "markdown3": 0.0}
    stores = [int(s) for s in art.panel.stores]
    assert len(stores) >= 3
    total = simulate_many(art, stores=list(reversed(stores)), weeks=weeks, markdowns=entered, margin=0.25)
    each = {s: simulate(art, store=s, weeks=weeks, markdowns=entered, margin=0.25) for s in stores}
    assert set(each[stores[0]]) | {"stores"} == set(total)
    for key in SUMMED:
        assert total[key] == pytest.approx(sum(o[key] for o in each.values()), rel=1e-12), key
    assert abs(total["incremental_sales"]) > 1
    assert total["roi"] == (pytest.approx(total["incremental_profit"] / total["markdown_cost"])
                            if total["markdown_cost"] > 0 else None)
    # the stores' 80 % half-widths combine as independent errors: sqrt of the sum of squares
    hw = np.sqrt(sum((o["hi80"] - o["incremental_sales"]) ** 2 for o in each.values()))
    assert total["hi80"] - total["incremental_sales"] == pytest.approx(hw, rel=1e-9)
    assert total["incremental_sales"] - total["lo80"] == pytest.approx(hw, rel=1e-9)
    assert hw < sum(o["hi80"] - o["incremental_sales"] for o in each.values())  # narrower than adding them
    assert [w["week"] for w in total["by_week"]] == weeks
    for k, w in enumerate(total["by_week"]):
        rows = [o["by_week"][k] for o in each.values()]
        for key in ("baseline", "scenario", "incremental_sales", "markdown_cost"):
            assert w[key] == pytest.approx(sum(r[key] for r in rows), rel=1e-12), key
        w_hw = np.sqrt(sum((r["hi80"] - r["incremental_sales"]) ** 2 for r in rows))
        assert w["hi80"] - w["incremental_sales"] == pytest.approx(w_hw, rel=1e-9)
        assert w["markdowns"]["markdown1"] == pytest.approx(9000.0 * len(stores))
    # per store: the money at stake first
    assert sorted(r["store"] for r in total["stores"]) == stores
    profits = [r["incremental_profit"] for r in total["stores"]]
    assert profits == sorted(profits, reverse=True)
    for r in total["stores"]:
        o = each[r["store"]]
        assert {k: r[k] for k in ("incremental_sales", "markdown_cost", "incremental_profit", "roi")} == \
            {k: o[k] for k in ("incremental_sales", "markdown_cost", "incremental_profit", "roi")}
    assert total["store"] is None and total["depts"] == sorted(set().union(*(o["depts"] for o in each.values())))


def test_one_store_gives_exactly_simulates_answer(md_trained):
    art = _with(md_trained, chosen="ensemble")
    weeks = forecast_weeks(art)[:3]
    one = simulate(art, store=STORE, weeks=weeks, markdowns={"markdown1": 7000}, margin=0.3)
    many = simulate_many(art, stores=[STORE, STORE], weeks=weeks, markdowns={"markdown1": 7000}, margin=0.3)
    assert {k: v for k, v in many.items() if k != "stores"} == one
    assert many["stores"] == [{"store": STORE, "depts": one["depts"], "baseline": one["baseline"],
                               "incremental_sales": one["incremental_sales"], "lo80": one["lo80"],
                               "hi80": one["hi80"], "markdown_cost": one["markdown_cost"],
                               "incremental_profit": one["incremental_profit"], "roi": one["roi"]}]
    part = simulate_many(art, stores=[STORE], depts=[1, 2], weeks=weeks, markdowns={}, margin=0.3)
    assert {k: v for k, v in part.items() if k != "stores"} == simulate(art, store=STORE, depts=[1, 2], weeks=weeks,
                                                                        markdowns={}, margin=0.3)


def test_departments_apply_in_every_store_and_missing_ones_are_skipped(md_trained):
    art = _with(md_trained, chosen="lightgbm")
    weeks = forecast_weeks(art)[:2]
    stores = [int(s) for s in art.panel.stores][:3]
    # store stores[1] loses department 1 (inactive), stores[2] loses departments 1 and 2
    status = np.array(art.arrays["status"], copy=True)
    keys = art.arrays["keys"]
    status[(keys[:, 0] == stores[1]) & (keys[:, 1] == 1)] = INACTIVE
    status[(keys[:, 0] == stores[2]) & np.isin(keys[:, 1], [1, 2])] = INACTIVE
    edited = ForecastArtifact(art.meta, {**art.arrays, "status": status}, art.texts)
    md = {"markdown1": 9000}
    out = simulate_many(edited, stores=stores, depts=[1, 2, 99], weeks=weeks, markdowns=md, margin=0.3)
    by_store = {r["store"]: r for r in out["stores"]}
    assert by_store[stores[0]]["depts"] == [1, 2] and by_store[stores[1]]["depts"] == [2]
    assert stores[2] not in by_store
    want = (simulate(edited, store=stores[0], depts=[1, 2], weeks=weeks, markdowns=md, margin=0.3)["incremental_sales"]
            + simulate(edited, store=stores[1], depts=[2], weeks=weeks, markdowns=md, margin=0.3)["incremental_sales"])
    assert out["incremental_sales"] == pytest.approx(want, rel=1e-12)
    codes = {w["code"]: w for w in out["warnings"]}
    assert codes["stores_skipped"]["stores"] == [stores[2]] and "depts_skipped" in codes
    with pytest.raises(SimulationInputError) as exc:
        simulate_many(edited, stores=[stores[2]], depts=[1], weeks=weeks, markdowns=md, margin=0.3)
    assert exc.value.field == "depts"


@pytest.mark.parametrize("stores, field, code", [
    ([], "stores", "invalid"),
    ("2", "stores", "invalid"),
    ([2, "x"], "stores[1]", "invalid"),
    (list(range(1, 202)), "stores", "invalid"),
    ([2, 77], "stores", "store_not_found"),
])
def test_several_stores_bad_input_names_the_field(md_trained, stores, field, code):
    with pytest.raises(SimulationInputError) as exc:
        simulate_many(md_trained, stores=stores, weeks=forecast_weeks(md_trained)[:1], markdowns={}, margin=0.3)
    assert exc.value.field == field and exc.value.code == code
    if code == "store_not_found":
        assert exc.value.store == 77
