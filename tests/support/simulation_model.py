"""An active model with a real artifact, trained in-process on synthetic data
whose Markdown 1 lifts sales (no worker: the simulator only reads the artifact)."""
from __future__ import annotations

from functools import lru_cache

from tests.conftest import in_tenant


@lru_cache(maxsize=1)
def trained_result():
    from forecasting.ml.pipeline import TrainConfig, train
    from tests.forecasting.ml.synth import make_data

    sales, features, stores = make_data(n_stores=3, n_depts=4, weeks=150, seed=3)
    md = features[["store", "date", "markdown1"]].fillna({"markdown1": 0.0})
    sales = sales.merge(md, on=["store", "date"], how="left").fillna({"markdown1": 0.0})
    sales["sales"] = sales["sales"] + 1.5 * sales.pop("markdown1")
    cfg = TrainConfig(horizon=6, backtest_windows=2, num_threads=1, seed=0, num_rounds=60,
                      candidates=["lightgbm", "seasonal_svd"], use_mstl=False)
    return train(sales, features, stores, cfg)


def install_model(t):
    """Save the artifact under the tenant's models folder; an active version and its run."""
    from forecasting.ml.pipeline import save_artifact
    from forecasting.models import ForecastRun, ModelVersion
    from saas.storage import tenant_dir

    res = trained_result()
    with in_tenant(t):
        path = tenant_dir("models") / "sim-test.fcm"
        sha = save_artifact(res.artifact, path)
        origin = res.artifact.panel.dates[-1].date()
        version = ModelVersion.objects.create(
            number=1, status="active", chosen=res.chosen, horizon=6, backtest_windows=2,
            metrics={res.chosen: {"wmae": 1.0}}, dataset_version=0, artifact_path=str(path), artifact_sha256=sha,
            training_seconds=1.0, data_end=origin)
        ForecastRun.objects.create(model_version=version, origin=origin, horizon=6, series=1)
    return path
