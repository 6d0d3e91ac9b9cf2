"""Scheduling with a real worker: a suspended tenant's queued jobs wait until
it is resumed."""
from __future__ import annotations

import io
import time

import pytest

from tests.conftest import in_tenant
from tests.data.helpers import wait_job

pytestmark = [pytest.mark.worker]

SALES = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,100.5,FALSE\n1,1,2010-02-12,99,TRUE\n"


def wait_until(t, job_id: int, predicate, timeout: float = 120) -> dict:
    """The job's row once ``predicate`` holds for it."""
    from forecasting.models import Job

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
