"""Model versions for lifecycle tests without training: a ModelVersion row
whose artifact is a real file in the tenant's model folder with its SHA-256
(the lifecycle code checks the file, it never loads it), optionally with a
stored forecast run of one series."""
from __future__ import annotations

import hashlib
import os
from datetime import date

from forecasting.ml.periods import periods_after
from tests.conftest import in_tenant

ORIGIN = date(2012, 10, 26)


def make_version(t, *, status: str = "retired", wmae: float = 100.0, naive: float = 200.0, dataset_version: int = 1,
                 artifact: bool = True, forecast: float | None = None, freq: str = "W", horizon: int = 2):
    """A version numbered after the newest one. ``status="active"`` retires the current champion first.
    ``freq``: its planning frequency (``D``, ``MS``: a daily or monthly workspace's model), ``horizon`` in it."""
    from forecasting.models import ForecastPoint, ForecastRun, ModelVersion
    from saas.storage import tenant_dir

    with in_tenant(t):
        n = (ModelVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        path, sha = "/nonexistent", "0" * 64
        if artifact:
            data = os.urandom(256)
            sha = hashlib.sha256(data).hexdigest()
            path = tenant_dir("models") / f"{sha}.fcm"
            path.write_bytes(data)
        if status == "active":
            ModelVersion.objects.filter(status="active").update(status="retired")
        version = ModelVersion.objects.create(
            number=n, status=status, chosen="ensemble", horizon=horizon, backtest_windows=1,
            params={} if freq == "W" else {"engine": "periodic", "frequency": freq},
            metrics={"ensemble": {"wmae": wmae}, "seasonal_naive": {"wmae": naive}}, dataset_version=dataset_version,
            data_end=ORIGIN, artifact_path=str(path), artifact_sha256=sha, training_seconds=1.0)
        if forecast is not None:
            run = ForecastRun.objects.create(model_version=version, origin=ORIGIN, horizon=horizon, series=1)
            ForecastPoint.objects.bulk_create([
                ForecastPoint(run=run, store=1, dept=1, date=periods_after(ORIGIN, h + 1, freq).date(),
                              forecast=forecast, lo80=forecast - 1, hi80=forecast + 1, lo95=forecast - 2,
                              hi95=forecast + 2)
                for h in range(horizon)])
        return version


def add_actuals(t, weeks: int, sales: float = 10.0, freq: str = "W") -> None:
    """Sales of series (1, 1) for the ``weeks`` periods of ``freq`` after ORIGIN: the actuals a live comparison
    scores."""
    from forecasting.models import SalesRecord

    with in_tenant(t):
        for h in range(weeks):
            SalesRecord.objects.update_or_create(store=1, dept=1, date=periods_after(ORIGIN, h + 1, freq).date(),
                                                 defaults={"sales": sales})
