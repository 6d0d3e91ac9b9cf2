"""Fixtures of the ML core's tests: DataFrames alone, no database."""
import pytest

from tests.forecasting.ml.synth import make_data


@pytest.fixture(scope="session")
def ml_data():
    return make_data(extras=True)


@pytest.fixture(scope="session")
def ml_trained(ml_data):
    from forecasting.ml.pipeline import TrainConfig, train
    sales, features, stores = ml_data
    calls = []
    cfg = TrainConfig(horizon=6, backtest_windows=3, num_threads=1, seed=0, num_rounds=30)
    res = train(sales, features, stores, cfg, progress=lambda f, m: calls.append((f, m)))
    return res, calls, cfg
