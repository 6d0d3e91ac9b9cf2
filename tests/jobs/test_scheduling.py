"""Scheduling with a real worker: a suspended tenant's queued jobs wait until
it is resumed."""
from __future__ import annotations

import io
import time

import pytest

from tests.conftest import in_tenant
from tests.support.data import wait_job

pytestmark = [pytest.mark.worker]

SALES = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,100.5,FALSE\n1,1,2010-02-12,99,TRUE\n"


def wait_until(t, job_id: int, predicate, timeout: float = 120) -> dict:
    """The job's row once ``predicate`` holds for it."""
    from jobs.models import Job

    deadline = time.monotonic() + timeout
    while True:
        with in_tenant(t):
            job = Job.objects.values().get(pk=job_id)
        if predicate(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def test_suspended_tenants_queued_jobs_wait_until_it_is_resumed(celery_worker_proc, tenant):
    from accounts.audit import Actor
    from forecasting.models import SalesRecord, Upload
    from forecasting.services.uploads import upload_create
    from tenants.services import tenant_suspend, tenant_unsuspend

    tenant_suspend(slug=tenant.slug, reason="unpaid")
    with in_tenant(tenant):
        upload = upload_create(actor=Actor.system(), file=io.BytesIO(SALES), filename="s.csv", kind="sales")
    # the worker takes the message and leaves the job queued, saying why
    job = wait_until(tenant, upload.job_id, lambda j: j["status"] != "queued" or j["message"].startswith("Waiting"))
    assert job["status"] == "queued" and "suspended" in job["message"], job
    with in_tenant(tenant):
        assert Upload.objects.get(pk=upload.pk).status == "queued" and SalesRecord.objects.count() == 0
    tenant_unsuspend(slug=tenant.slug)
    assert wait_job(tenant, upload.job_id)["status"] == "succeeded"
    with in_tenant(tenant):
        assert SalesRecord.objects.count() == 2


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    from forecasting.demo_data import generate

    return generate(tmp_path_factory.mktemp("demo"), seed=3, small=True)


def test_one_tenants_trainings_do_not_delay_another_tenants_upload_and_training(celery_worker_proc, demo_files):
    """Tenant A's training is stopped at a known point inside the pipeline and
    its second training waits its turn (one heavy job per tenant); meanwhile
    tenant B's uploads and training go through. Then A's trainings finish."""
    from forecasting.models import ModelVersion
    from saas.checkpoints import checkpoint_arm, checkpoint_release, checkpoint_wait
    from tests.conftest import api_client, provision
    from tests.forecasting.services.test_training import load_demo

    a, b = provision("fair-a"), provision("fair-b")
    load_demo(a, demo_files)
    client_a, client_b = api_client(a, key=a.admin_key), api_client(b, key=b.admin_key)
    body = {"horizon": 13, "backtest_windows": 4}
    checkpoint_arm(a.schema, "training")
    first = client_a.post("/api/v1/models/train/", body, format="json").json()["job"]["id"]
    assert checkpoint_wait(a.schema, "training") == first  # A's first training runs, paused mid-pipeline
    try:
        second = client_a.post("/api/v1/models/train/", body, format="json").json()["job"]["id"]
        job = wait_until(a, second, lambda j: j["status"] != "queued" or j["message"].startswith("Waiting"))
        assert (job["status"], job["message"]) == ("queued", "Waiting: 1 training already running in this workspace")
        load_demo(b, demo_files)  # B's uploads are loaded meanwhile ...
        other = client_b.post("/api/v1/models/train/", body, format="json").json()["job"]["id"]
        assert wait_job(b, other, timeout=600)["status"] == "succeeded"  # ... and B's training runs
        with in_tenant(a):
            from jobs.models import Job

            assert dict(Job.objects.filter(pk__in=[first, second]).values_list("pk", "status")) == {
                first: "running", second: "queued"}
    finally:
        checkpoint_release(a.schema, "training", first)
    assert wait_job(a, first, timeout=600)["status"] == "succeeded"
    done = wait_job(a, second, timeout=600)
    assert done["status"] == "succeeded" and done["attempts"] == 1, done
    with in_tenant(a):
        assert ModelVersion.objects.count() == 2
