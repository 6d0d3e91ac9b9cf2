"""Training end to end with real Celery workers consuming from real Redis."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import add_member, api_client, in_tenant, provision
from tests.support.data import upload, wait_job
from tests.support.victim import victim_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    from forecasting.demo_data import generate

    return generate(tmp_path_factory.mktemp("demo"), seed=3, small=True)


def load_demo(t, files):
    for kind in ("stores", "features", "sales"):
        res = upload(t, files[kind], files[kind].name)
        assert res["status"] == "succeeded", res["errors"][:2]


def latest_week_series(t) -> set[tuple[int, int]]:
    from django.db.models import Max

    from forecasting.models import SalesRecord

    with in_tenant(t):
        last = SalesRecord.objects.aggregate(m=Max("date"))["m"]
        return set(SalesRecord.objects.filter(date=last).values_list("store", "dept"))


def test_train_end_to_end_forecasts_every_latest_series(celery_worker_proc, demo_files):
    t = provision("train")
    load_demo(t, demo_files)
    analyst = add_member(t, "analyst")
    client = api_client(t, user=analyst)
    resp = client.post("/api/v1/models/train/", {"horizon": 13, "backtest_windows": 4}, format="json")
    assert resp.status_code == 202, resp.content
    job = resp.json()["job"]
    assert job["status"] == "queued" and job["kind"] == "train"
    done = wait_job(t, job["id"], timeout=600)
    assert done["status"] == "succeeded", done
    versions = client.get("/api/v1/models/").json()
    assert versions["count"] == 1
    v = versions["results"][0]
    assert v["status"] == "active" and v["number"] == 1 and v["wmae"] is not None
    detail = client.get(f"/api/v1/models/{v['id']}/").json()
    assert {"metrics", "backtest", "baselines", "importance", "status", "coverage"} <= set(detail)
    assert len(detail["backtest"]) == 4 and detail["baselines"]["seasonal_naive"]["wmae"] > 0
    # lineage: the uploads it saw, the code, the trigger; the first version challenged no one
    loaded = sorted(u["id"] for u in client.get("/api/v1/uploads/").json()["results"])
    assert detail["uploads"] == loaded and len(loaded) == 3
    assert detail["trigger"] == "manual" and detail["code_version"] and detail["challenged"] is None
    assert detail["decision"]["basis"] == "first_version" and detail["decision"]["beats_seasonal_naive"]
    assert detail["importance"][0]["gain"] >= detail["importance"][-1]["gain"]
    # the artifact is content-addressed under this tenant's folder
    from django.conf import settings

    from forecasting.models import ModelVersion

    with in_tenant(t):
        mv = ModelVersion.objects.get()
    path = Path(mv.artifact_path)
    assert path.parent == Path(settings.MEDIA_ROOT) / "tenants" / t.schema / "models"
    import hashlib

    assert path.name == f"{mv.artifact_sha256}.fcm" and hashlib.sha256(path.read_bytes()).hexdigest() == mv.artifact_sha256
    # every series of the latest week has a forecast
    export = client.get("/api/v1/forecasts/export.csv")
    assert export.status_code == 200
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0] == "Store,Dept,Date,Forecast,Lo80,Hi80,Lo95,Hi95,Status,Statistical"
    series = {(int(r.split(",")[0]), int(r.split(",")[1])) for r in lines[1:]}
    for r in lines[1:]:  # numbers rounded to cents, a status per row
        cells = r.split(",")
        assert all(len(c.split(".")[1]) == 2 for c in cells[3:8]), r
        assert cells[8] in ("modelled", "pooled"), r
    assert latest_week_series(t) <= series
    assert len(lines) - 1 == len(series) * 13
    store, dept = sorted(latest_week_series(t))[0]
    fc = client.get("/api/v1/forecasts/", {"store": store, "dept": dept}).json()
    assert fc["model_version"] == 1 and fc["horizon"] == 13 and len(fc["points"]) == 13
    p = fc["points"][0]
    assert set(p) == {"date", "forecast", "statistical", "overridden", "lo80", "hi80", "lo95", "hi95", "status"}
    assert p["forecast"] == p["statistical"] and p["overridden"] is False  # no override yet
    assert fc["status"] in ("modelled", "pooled") and p["status"] == fc["status"]
    assert p["lo95"] <= p["lo80"] <= p["forecast"] <= p["hi80"] <= p["hi95"]
    on_demand = client.post("/api/v1/forecasts/", {"store": store, "dept": dept, "horizon": 6}, format="json").json()
    assert len(on_demand["points"]) == 6 and on_demand["drivers"] and "feature" in on_demand["drivers"][0]
    assert on_demand["status"] == fc["status"] and on_demand["points"][0]["status"] == fc["status"]
    unknown = client.post("/api/v1/forecasts/", {"store": 999, "dept": 999}, format="json")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "series_not_found"
    from accounts.models import AuditEvent

    with in_tenant(t):
        actions = set(AuditEvent.objects.filter(action__startswith="model.").values_list("action", flat=True))
    assert actions == {"model.train_started", "model.trained", "model.promoted"}
    # a second training on the same data: registered, promoted only if it beats v1 on the same backtest
    resp = client.post("/api/v1/models/train/", {"horizon": 13, "backtest_windows": 4}, format="json")
    wait_job(t, resp.json()["job"]["id"], timeout=600)
    with in_tenant(t):
        statuses = dict(ModelVersion.objects.values_list("number", "status"))
        assert len(statuses) == 2 and list(statuses.values()).count("active") == 1
        v2 = ModelVersion.objects.get(number=2)
    # the challenger was compared with v1 on the same backtest: promoted, or rejected with the figures
    assert v2.challenged.number == 1 and v2.decision["basis"] == "same_backtest"
    assert v2.status == ("active" if v2.decision["beats_champion_by_margin"] and v2.decision["beats_seasonal_naive"]
                         else "rejected")


def test_training_refuses_without_data(tenant):
    resp = api_client(tenant, key=tenant.admin_key).post("/api/v1/models/train/", {}, format="json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "not_enough_data"
    bad = api_client(tenant, key=tenant.admin_key).post("/api/v1/models/train/", {"horizon": 60}, format="json")
    assert bad.status_code == 400 and "horizon" in bad.json()["error"]["details"]


def test_viewer_cannot_train(tenant):
    viewer = add_member(tenant, "viewer")
    assert api_client(tenant, user=viewer).post("/api/v1/models/train/", {}, format="json").status_code == 403


def test_sigkill_mid_training_then_restart_completes_once(celery_worker_proc, demo_files, tmp_path):
    """The worker is SIGKILLed in the middle of training (stopped at a known
    point inside the ML pipeline by a checkpoint); a restarted worker re-queues
    the orphaned job, which completes once with one version and no
    half-written artifact referenced."""
    from saas.checkpoints import checkpoint_arm, checkpoint_wait

    t = provision("kill")
    load_demo(t, demo_files)
    with victim_worker("ml", tmp_path / "victim.log") as victim:  # only our victim takes ml work
        client = api_client(t, key=t.admin_key)
        checkpoint_arm(t.schema, "training")
        job_id = client.post("/api/v1/models/train/", {"horizon": 13, "backtest_windows": 4},
                             format="json").json()["job"]["id"]
        assert checkpoint_wait(t.schema, "training", timeout=300) == job_id  # paused inside the pipeline
        job = client.get(f"/api/v1/jobs/{job_id}/").json()
        assert job["status"] == "running" and job["attempts"] == 1, job
        victim.kill(t, job_id)  # PostgreSQL has ended the dead worker's session
        # left unfinished: still running, or already re-queued by a recovery that a worker's start scheduled
        # (worker_ready sends recover_jobs after 0, 10 and 30 s), whichever came first on this machine
        assert client.get(f"/api/v1/jobs/{job_id}/").json()["status"] in ("running", "queued")
        done = victim.restart_until_done(t, job_id)
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2
    from forecasting.models import ModelVersion

    with in_tenant(t):
        versions = list(ModelVersion.objects.all())
    assert len(versions) == 1 and versions[0].status == "active"
    artifact = Path(versions[0].artifact_path)
    import hashlib

    assert artifact.name == f"{versions[0].artifact_sha256}.fcm"  # never a .pending temp file
    assert hashlib.sha256(artifact.read_bytes()).hexdigest() == versions[0].artifact_sha256


def test_training_reads_only_its_tenants_data_and_writes_only_its_folder(celery_worker_proc, demo_files):
    from django.conf import settings

    from forecasting.models import ForecastPoint, ModelVersion

    a, b = provision("iso-train-a"), provision("iso-train-b")
    load_demo(a, demo_files)
    # B has a store that A does not have (99), and more weeks than the minimum
    rows = ["Store,Dept,Date,Weekly_Sales,IsHoliday"]
    import datetime as dt

    for i in range(80):
        rows.append(f"99,7,{dt.date(2010, 2, 5) + dt.timedelta(weeks=i)},{1000 + i},FALSE")
    assert upload(b, ("\n".join(rows) + "\n").encode(), "b.csv")["status"] == "succeeded"
    job = api_client(a, key=a.admin_key).post("/api/v1/models/train/", {}, format="json").json()["job"]
    assert wait_job(a, job["id"], timeout=600)["status"] == "succeeded"
    with in_tenant(a):
        stores = set(ForecastPoint.objects.values_list("store", flat=True))
        artifact = Path(ModelVersion.objects.get().artifact_path)
    assert 99 not in stores and stores
    assert artifact.is_relative_to(Path(settings.MEDIA_ROOT) / "tenants" / a.schema)
    with in_tenant(b):
        assert ModelVersion.objects.count() == 0
    b_models = Path(settings.MEDIA_ROOT) / "tenants" / b.schema / "models"
    assert not b_models.exists() or not any(b_models.iterdir())
