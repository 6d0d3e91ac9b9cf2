import pytest


@pytest.fixture(autouse=True)
def _db(db_access):
    yield


@pytest.fixture(scope="session")
def trained_workspace(celery_worker_proc, django_db_setup, django_db_blocker, tmp_path_factory):
    """A workspace as a new user leaves it: the demo data uploaded and a model trained by the real worker,
    with the figures the worker stores after each job (Stores, Dashboard, Insights) in place. Session-wide:
    build it once for every browser test that only reads."""
    import time

    from forecasting.demo_data import generate
    from forecasting.models import FiguresSnapshot, InsightSnapshot
    from forecasting.selectors.insights import fingerprint
    from forecasting.selectors.stores import snapshot_fingerprint
    from tests.conftest import api_client, in_tenant, provision
    from tests.support.data import upload, wait_job

    with django_db_blocker.unblock():
        t = provision("trainedws")
        files = generate(tmp_path_factory.mktemp("demo"), seed=5, small=True)
        for kind in ("stores", "features", "sales"):
            assert upload(t, files[kind], files[kind].name)["status"] == "succeeded"
        job = api_client(t, key=t.admin_key).post("/api/v1/models/train/", {}, format="json").json()["job"]
        assert wait_job(t, job["id"], timeout=900)["status"] == "succeeded"
        deadline = time.monotonic() + 300  # the worker stores the figures right after marking the job done
        while True:
            with in_tenant(t):
                fp, ffp = fingerprint(), snapshot_fingerprint()
                insights = InsightSnapshot.objects.filter(kind="anomalies", **fp).exists()
                figures = FiguresSnapshot.objects.filter(kind="stores", **ffp).exists()
            if insights and figures:
                break
            assert time.monotonic() < deadline, "the worker did not store the figures after training"
            time.sleep(0.2)
    return t
