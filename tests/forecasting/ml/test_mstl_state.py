"""MSTL's state moves to a newer origin without refitting (issue 18 item 6): the level takes the new
weeks' surprises, the seasonal part stays; a refresh uses it when the training's backtest found it as
good as a refit, and the state survives the artifact's round trip."""
import numpy as np
import pandas as pd
import pytest

from forecasting.ml import models
from forecasting.ml.candidates import mstl as mstl_module
from forecasting.ml.pipeline import TrainConfig, load_artifact, refresh_forecast, save_artifact, train
from tests.forecasting.ml.synth import make_data


def test_update_with_no_surprise_only_rolls_the_season_and_a_surprise_moves_the_level_by_alpha():
    f = np.tile(np.arange(52, dtype=float), (2, 1))
    alpha = np.array([0.5, 0.0])
    rolled = models.mstl_update(alpha, f, f[:, :3])
    assert np.allclose(rolled, np.roll(f, -3, axis=1))
    moved = models.mstl_update(alpha, f, f[:, :1] + 10.0)
    assert np.allclose(moved[0], np.roll(f[0], -1) + 5.0) and np.allclose(moved[1], np.roll(f[1], -1))


def test_the_fitted_state_reproduces_the_refit_forecast_at_its_own_origin():
    rng = np.random.default_rng(0)
    Y = 100 + 20 * np.sin(np.arange(130) * 2 * np.pi / 52)[None, :] + rng.normal(0, 3, (3, 130))
    alpha, f = models.mstl_fit(Y, steps=52)
    assert f.shape == (3, 52) and ((alpha >= 0) & (alpha <= 1)).all()
    assert np.allclose(f[:, :13], models.mstl_forecast(Y, 13))


@pytest.fixture(scope="module")
def trained():
    sales, features, stores = make_data(n_stores=4, n_depts=3, weeks=130, seed=7)
    cut = sales.date.max() - pd.Timedelta(weeks=4)
    res = train(sales[sales.date <= cut], features, stores,
                TrainConfig(horizon=6, backtest_windows=3, num_threads=1, num_rounds=10))
    return res, sales, features, stores


def test_training_chooses_how_a_refresh_moves_mstl_on_its_backtest(trained):
    res, sales, features, stores = trained
    choice = res.params["mstl_refresh"]
    assert choice["mode"] in ("update", "refit") and choice["windows"] == 2
    better = choice["update_wmae"] <= mstl_module.TOLERANCE * choice["refit_wmae"]
    assert (choice["mode"] == "update") == better
    assert res.artifact.state("mstl").refresh == choice["mode"]
    if res.chosen not in ("mstl", "ensemble"):  # the served forecast does not read MSTL: moving it costs nothing
        assert choice["update_wmae"] == choice["refit_wmae"] and choice["mode"] == "update"
    # a model serving MSTL itself is judged on MSTL's moved forecasts
    alone = train(sales[sales.date <= pd.Timestamp(res.params["last_date"])], features, stores,
                  TrainConfig(horizon=6, backtest_windows=3, num_threads=1, candidates=("mstl",)))
    mine = alone.params["mstl_refresh"]
    assert alone.chosen == "mstl" and mine["update_wmae"] != mine["refit_wmae"]


def test_a_refresh_with_the_update_mode_fits_no_mstl_and_stays_close_to_a_refit(trained, tmp_path, monkeypatch):
    res, sales, features, stores = trained
    save_artifact(res.artifact, tmp_path / "m.zip")
    art = load_artifact(tmp_path / "m.zip")  # the state comes back from the file
    state = art.state("mstl")
    assert state.origin == pd.Timestamp(res.params["last_date"]) and state.f.shape[1] == 52
    state.refresh = "refit"
    refit = refresh_forecast(art, sales, features, stores)
    state.refresh = "update"

    def no_fit(*args, **kwargs):
        raise AssertionError("MSTL refitted during an update-mode refresh")

    monkeypatch.setattr(mstl_module, "mstl_forecast", no_fit)
    monkeypatch.setattr(mstl_module, "mstl_single", no_fit)
    moved = refresh_forecast(art, sales, features, stores)
    assert moved.origin == refit.origin == sales.date.max().date().isoformat()
    a, b = moved.forecast["forecast"].to_numpy(), refit.forecast["forecast"].to_numpy()
    assert np.abs(a - b).sum() <= 0.1 * np.abs(b).sum()
