"""Issue 20 item 2 at the service: where a periodic training's partitions run is chosen from the settings
(forecasting/services/periodic.py): in the worker's own process below ``ML_DASK_MIN_SERIES`` series; from it
on the existing cluster at ``DASK_SCHEDULER_ADDRESS`` (read from the environment) when it is set, here a real
``dask scheduler`` and two ``dask worker`` processes, whose training equals the one in this process, and
otherwise on a LocalCluster of worker processes started for the job."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecasting.ml import executor
from forecasting.selectors.periodic import PeriodicInputs
from forecasting.services.periodic import periodic_executor, periodic_train
from tests.support.dask_cluster import ROOT, dask_processes
from tests.support.partition_data import retailer


def _inputs() -> PeriodicInputs:
    """The generated retailer keyed by numbers, as the selector keys series by catalogue ids."""
    history, kw = retailer()
    loc = {f"ST-{i + 1:02d}": str(i + 1) for i in range(6)}
    item = {f"SKU-{100 + j}": str(100 + j) for j in range(4)}

    def codes(frame):
        frame = frame.copy()
        if "location" in frame:
            frame["location"] = frame["location"].map(loc)
        if "item" in frame:
            frame["item"] = frame["item"].map(item)
        return frame
    return PeriodicInputs(sales=pd.DataFrame(), history=codes(history), events=codes(kw["events"]),
                          locations=codes(kw["locations"]), items=codes(kw["items"]),
                          covariates=[codes(c) for c in kw["covariates"]], kinds=kw["kinds"],
                          closures=codes(kw["closures"]))


def _train():
    return periodic_train(_inputs(), freq="D", horizon=14, windows=2, num_threads=1, holiday_weight=5.0)


def test_below_the_threshold_the_partitions_run_in_this_process(settings):
    settings.ML_DASK_MIN_SERIES, settings.DASK_SCHEDULER_ADDRESS = 100, ""
    with periodic_executor(series=99) as ex:
        assert isinstance(ex, executor.InProcess)
    settings.ML_DASK_MIN_SERIES = 0  # 0: never a LocalCluster
    with periodic_executor(series=10**6) as ex:
        assert isinstance(ex, executor.InProcess)


@pytest.mark.slow
def test_from_the_threshold_a_local_cluster_of_worker_processes_runs_them_and_is_closed_after(settings):
    settings.ML_DASK_MIN_SERIES, settings.ML_DASK_WORKERS, settings.DASK_SCHEDULER_ADDRESS = 100, 2, ""
    with periodic_executor(series=100) as ex:
        assert ex.name == "dask-local" and ex.workers == 2
        pids = set(ex.client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids
        cluster = ex.cluster
    assert cluster.status.name == "closed"


def test_the_scheduler_address_is_read_from_the_environment():
    code = "import saas.settings.base as b; print(b.DASK_SCHEDULER_ADDRESS)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "DASK_SCHEDULER_ADDRESS": "tcp://10.0.0.5:8786"})
    assert out.stdout.strip() == "tcp://10.0.0.5:8786"


@pytest.mark.slow
def test_with_a_scheduler_address_the_training_runs_on_that_cluster_and_equals_the_one_in_this_process(settings):
    settings.ML_PARTITION_SERIES, settings.ML_DASK_MIN_SERIES, settings.DASK_SCHEDULER_ADDRESS = 8, 0, ""
    here = _train()
    assert here.params["executor"] == "in-process" and here.params["partitions"] == 3
    with dask_processes(workers=2) as address:
        settings.DASK_SCHEDULER_ADDRESS, settings.ML_DASK_MIN_SERIES = address, 20
        with periodic_executor(series=19) as ex:  # a small workspace is not shipped
            assert isinstance(ex, executor.InProcess)
        with periodic_executor(series=20) as ex:
            assert ex.name == "dask-cluster" and ex.cluster is None and ex.workers == 2
            assert set(ex.client.run(os.getpid).values()).isdisjoint({os.getpid(), *address.pids})
        there = _train()
    assert there.params["executor"] == "dask-cluster" and there.params["partitions"] == 3
    assert there.chosen == here.chosen and there.reason == here.reason
    cols = ["forecast", "lo80", "hi80", "lo95", "hi95"]
    assert here.forecast[["store", "dept", "date"]].equals(there.forecast[["store", "dept", "date"]])
    assert np.abs(here.forecast[cols].to_numpy() - there.forecast[cols].to_numpy()).max() <= 1e-9
    assert here.backtest == there.backtest and here.metrics == there.metrics
