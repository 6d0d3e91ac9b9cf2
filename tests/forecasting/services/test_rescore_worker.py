"""With a real worker: a champion trained on older data is scored by the
training job on the challenger's backtest windows it never saw, and the rule
compares both WMAEs on those same rows (forecasting/ml/rescore.py) instead
of each one's skill on its own backtest."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import api_client, in_tenant, provision
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.worker, pytest.mark.slow]
HORIZON, WINDOWS = 4, 2


@pytest.fixture(scope="module")
def split_demo(tmp_path_factory):
    from forecasting.demo_data import generate

    folder = tmp_path_factory.mktemp("demo-rescore")
    files = generate(folder, seed=11, small=True)
    sales = pd.read_csv(files["sales"])
    dates = sorted(sales["Date"].unique())
    cut = dates[-HORIZON * WINDOWS - 1]
    sales[sales["Date"] <= cut].to_csv(folder / "history.csv", index=False)
    sales[sales["Date"] > cut].to_csv(folder / "later.csv", index=False)
    return {"files": files, "dir": folder, "cut": cut}


def _train(client, t) -> dict:
    job = client.post("/api/v1/models/train/", {"horizon": HORIZON, "backtest_windows": WINDOWS},
                      format="json").json()["job"]
    done = wait_job(t, job["id"], timeout=600)
    assert done["status"] == "succeeded", done
    return done["result"]


def test_the_champion_is_scored_on_the_challengers_unseen_windows(celery_worker_proc, split_demo):
    from forecasting.models import ModelVersion

    d = split_demo
    t = provision("rescore")
    for kind in ("stores", "features"):
        assert upload(t, d["files"][kind], d["files"][kind].name)["status"] == "succeeded"
    assert upload(t, d["dir"] / "history.csv", "history.csv")["status"] == "succeeded"
    client = api_client(t, key=t.admin_key)
    v1 = _train(client, t)
    if v1["status"] != "active":
        assert client.post(f"/api/v1/models/{v1['model_version']}/promote/", {"reason": "test champion"},
                           format="json").status_code == 200
    assert upload(t, d["dir"] / "later.csv", "later.csv")["status"] == "succeeded"  # 8 weeks = both windows
    v2 = _train(client, t)
    with in_tenant(t):
        version = ModelVersion.objects.get(number=2)
    decision = version.decision
    assert decision["basis"] == "champion_on_challenger_windows", decision
    rescored = decision["rescored"]
    origins = [b["origin"] for b in version.backtest]
    assert rescored["windows"] == origins and min(origins) >= d["cut"] and rescored["champion"] == 1
    assert rescored["champion_origin"] == d["cut"] and rescored["weeks"] == HORIZON * WINDOWS
    assert rescored["rows"] > 0 and rescored["wmae"] > 0 and rescored["champion_wmae"] > 0
    assert decision["improvement"] == pytest.approx(1 - rescored["wmae"] / rescored["champion_wmae"])
    assert f"{rescored['rows']:,} rows" in version.promotion_note
    assert v2["status"] in ("active", "rejected")
