"""With a real worker: new weeks are uploaded, a retrain on them is rejected,
and the champion it left in place is refreshed by itself so the API serves a
forecast from the last uploaded week (not the run made at its training)."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import api_client, in_tenant, provision
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.worker, pytest.mark.slow]
LATER, HORIZON = 4, 8


@pytest.fixture(scope="module")
def split_demo(tmp_path_factory):
    from forecasting.demo_data import generate

    folder = tmp_path_factory.mktemp("demo-kept")
    files = generate(folder, seed=11, small=True)
    sales = pd.read_csv(files["sales"])
    dates = sorted(sales["Date"].unique())
    cut = dates[-LATER - 1]
    sales[sales["Date"] <= cut].to_csv(folder / "history.csv", index=False)
    sales[sales["Date"] > cut].to_csv(folder / "later.csv", index=False)
    return {"files": files, "dir": folder, "cut": cut, "end": dates[-1],
            "series": tuple(int(v) for v in sales.iloc[0][["Store", "Dept"]])}


def _train(client, t) -> dict:
    job = client.post("/api/v1/models/train/", {"horizon": HORIZON, "backtest_windows": 1},
                      format="json").json()["job"]
    done = wait_job(t, job["id"], timeout=600)
    assert done["status"] == "succeeded", done
    return done["result"]


def test_a_rejected_retrain_leaves_the_champion_forecasting_from_the_newest_week(celery_worker_proc, split_demo):
    from accounts.models import AuditEvent
    from forecasting.models import ModelVersion
    from forecasting.selectors.forecast import latest_run
    from jobs.models import Job

    d = split_demo
    t = provision("keptfresh")
    for kind in ("stores", "features"):
        assert upload(t, d["files"][kind], d["files"][kind].name)["status"] == "succeeded"
    assert upload(t, d["dir"] / "history.csv", "history.csv")["status"] == "succeeded"
    client = api_client(t, key=t.admin_key)
    assert _train(client, t)["number"] == 1
    with in_tenant(t):
        # v1's backtest is made unbeatable (WMAE 1 against seasonal naive's 10^9) so the retrain is rejected
        # whichever basis the rule compares on (same backtest or skill vs seasonal naive)
        v1 = ModelVersion.objects.get(number=1)
        v1.metrics = {**v1.metrics, v1.chosen: {**v1.metrics[v1.chosen], "wmae": 1.0},
                      "seasonal_naive": {**v1.metrics["seasonal_naive"], "wmae": 1e9}}
        v1.save(update_fields=["metrics"])

    later = upload(t, d["dir"] / "later.csv", "later.csv")
    assert later["status"] == "succeeded", later
    v2 = _train(client, t)
    assert (v2["number"], v2["status"]) == (2, "rejected")
    with in_tenant(t):
        refresh = Job.objects.get(kind="refresh")
    assert refresh.params == {"model_version": 1, "trigger": "after_training", "challenger": 2}
    done = wait_job(t, refresh.pk, timeout=600)
    assert done["status"] == "succeeded", done

    with in_tenant(t):
        statuses = dict(ModelVersion.objects.values_list("number", "status"))
        newest = latest_run(ModelVersion.objects.get(number=1))
        event = AuditEvent.objects.get(action="forecast.refresh_started")
    assert statuses == {1: "active", 2: "rejected"}
    assert newest.origin.isoformat() == d["end"] and newest.kind == "refresh"
    assert event.actor_label == "system" and event.payload["challenger"] == 2
    store, dept = d["series"]
    served = client.get("/api/v1/forecasts/", {"store": store, "dept": dept}).json()
    assert served["model_version"] == 1 and served["origin"] == d["end"]
    assert served["points"][0]["date"] > d["end"]
