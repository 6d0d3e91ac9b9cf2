"""Orphaned-job recovery. A job is orphaned when it is ``running`` but no
worker holds its advisory lock (the worker died: SIGKILL, OOM, node loss;
PostgreSQL releases a dead session's locks). Re-queuing is safe because the
tasks are idempotent and lock-guarded."""
from __future__ import annotations

import logging

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from forecasting.models import Job, Upload
from forecasting.services.jobs import job_lock_release, job_lock_try

logger = logging.getLogger(__name__)


def jobs_recover() -> list[int]:
    """In the current tenant: re-queue running jobs that no worker holds.

    Workers take a job's lock before marking it running and release it only
    after marking it finished, so "running and unlocked" means orphaned; the
    status is re-checked under the lock in case the job just finished."""
    requeued = []
    for job in Job.objects.filter(status=Job.Status.RUNNING):
        if not job_lock_try(job.pk):
            continue  # a live worker is on it
        try:
            with transaction.atomic():
                updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                    status=Job.Status.QUEUED, message="Re-queued after a worker was lost")
                if not updated:
                    continue
                if job.kind == Job.Kind.INGEST:
                    upload = Upload.objects.filter(job=job).first()
                    if upload is not None:
                        Upload.objects.filter(pk=upload.pk, status=Upload.Status.RUNNING).update(
                            status=Upload.Status.QUEUED)
                        from forecasting.tasks import ingest_upload

                        transaction.on_commit(lambda u=upload.pk: ingest_upload.delay(u))
                elif job.kind == Job.Kind.TRAIN:
                    from forecasting.tasks import train_model

                    transaction.on_commit(lambda j=job.pk: train_model.delay(j))
            requeued.append(job.pk)
            logger.warning("re-queued orphaned job %s (%s) in %s", job.pk, job.kind, connection.schema_name)
        finally:
            job_lock_release(job.pk)
    return requeued


def jobs_recover_all() -> int:
    from tenants.models import Tenant

    total = 0
    for tenant in Tenant.objects.exclude(schema_name="public").exclude(status=Tenant.Status.TEMPLATE):
        with tenant_context(tenant):
            total += len(jobs_recover())
    return total
