"""One candidate registry: a toy candidate registered in one line is found in
the backtest, the choice, the artifact and the on-demand forecast."""
import numpy as np
import pytest

from tests.forecasting.ml.synth import make_data


def _toy():
    from forecasting.ml.candidates import Candidate

    class Toy(Candidate):
        name = "toy_mean4"
        label = "Mean of the last four weeks"

        def fit(self, data, o):
            return np.array([1.1])

        def forecast(self, ctx, state):
            m = ctx.Y0[:, ctx.o - 3: ctx.o + 1].mean(1)
            return np.repeat((m * state[0])[:, None], ctx.H, axis=1)

        def dump_state(self, state):
            return {"factor": state}

        def load_state(self, blob):
            return np.asarray(blob["factor"], float)

    return Toy()


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    from forecasting.ml.candidates import names, registered
    from forecasting.ml.pipeline import TrainConfig, save_artifact, train
    sales, features, stores = make_data(n_stores=4, n_depts=3, weeks=110, seed=2)
    path = tmp_path_factory.mktemp("toy") / "m.zip"
    with registered(_toy()):
        assert "toy_mean4" in names()
        res = train(sales, features, stores, TrainConfig(horizon=4, backtest_windows=2, num_threads=1,
                                                         num_rounds=10, use_mstl=False))
        save_artifact(res.artifact, path)
    assert "toy_mean4" not in names()
    return res, path, sales


def test_toy_candidate_in_backtest_choice_and_artifact(toy_run):
    from forecasting.ml.pipeline import load_artifact
    res, path, _ = toy_run
    for b in res.backtest:
        assert b["toy_mean4"]["wmae"] is not None
    assert "toy_mean4" in res.metrics and "toy_mean4" in res.reason
    assert "toy_mean4" in res.params["ensemble"]["members"]
    assert res.params["candidates"]["toy_mean4"]["label"] == "Mean of the last four weeks"
    art = load_artifact(path)
    assert "toy_mean4" in art.meta["candidates"] and "fc_toy_mean4" in art.arrays
    assert art.arrays["st__toy_mean4__factor"].tolist() == [1.1]


def test_toy_candidate_on_demand(toy_run):
    from forecasting.ml.candidates import registered
    from forecasting.ml.pipeline import load_artifact, predict_series
    res, path, sales = toy_run
    hist = sales[(sales.store == 1) & (sales.dept == 2)][["date", "sales"]]
    with registered(_toy()):
        art = load_artifact(path)
        out = predict_series(art, 1, 2, 4, history=hist, candidate="toy_mean4")
        exp = 1.1 * hist.sort_values("date").sales.tail(4).mean()
        assert np.allclose([p["forecast"] for p in out["points"]], max(exp, 0.0))
        # the on-demand ensemble (toy included) is the trained one
        ens = predict_series(art, 1, 2, 4, history=hist, candidate="ensemble")
        stored = predict_series(art, 1, 2, 4, candidate="ensemble")
        assert np.allclose([p["forecast"] for p in ens["points"]], [p["forecast"] for p in stored["points"]],
                           rtol=1e-6)
    # a model whose candidate is not registered fails loudly instead of differing silently
    art = load_artifact(path)
    with pytest.raises(LookupError):
        predict_series(art, 1, 2, 4, history=hist)


def test_registry_rejects_duplicates_and_reserved_names():
    from forecasting.ml.candidates import Candidate, register

    class Dup(Candidate):
        name = "lightgbm"

    class Reserved(Candidate):
        name = "ensemble"

    for c in (Dup(), Reserved()):
        with pytest.raises(ValueError):
            register(c)


def test_ensemble_weights_are_scored_out_of_sample():
    from forecasting.ml.ensemble import choose
    rng = np.random.default_rng(0)
    K, n = 4, 2000
    ys = [rng.normal(100, 10, n) for _ in range(K)]
    hols = [np.zeros(n, bool) for _ in range(K)]
    # "good" is much closer to the truth than "bad": weights beat the mean out of sample
    fcs = [{"good": y + rng.normal(0, 1, n), "bad": y + rng.normal(0, 30, n)} for y in ys]
    c = choose(["good", "bad"], fcs, ys, hols)
    assert c["method"] == "weighted" and c["weights"]["good"] > 0.8
    assert c["oos"]["weighted"] < c["oos"]["mean"] and c["oos"]["windows"] == K - 1
    assert c["per_window"][0] == {"good": 0.5, "bad": 0.5}
    # two equally good members: the mean is kept unless weights win out of sample
    fcs = [{"a": y + rng.normal(0, 5, n), "b": y + rng.normal(0, 5, n)} for y in ys]
    c = choose(["a", "b"], fcs, ys, hols)
    if c["method"] == "mean":
        assert c["weights"] == {"a": 0.5, "b": 0.5}
    else:
        assert c["oos"]["weighted"] < c["oos"]["mean"]
