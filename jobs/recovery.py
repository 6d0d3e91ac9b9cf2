"""Job recovery (worker start and beat, every minute).

* A ``running`` job whose lock no session holds is orphaned (its worker died:
  SIGKILL, OOM, node loss; PostgreSQL ended its session): it goes back to
  ``queued`` and is sent again.
* A ``queued`` job with no sign of life for ``JOBS_QUEUED_STALE_SECONDS``
  (its message was lost, e.g. Redis restarted without its data) is sent again.
* A suspended tenant's jobs are not sent: they stay queued until
  ``jobs_resume`` (called when the tenant is resumed) sends them.

Candidates are locked with ``FOR UPDATE SKIP LOCKED`` on their lock rows, so
a job a worker holds is never touched, and re-sending is safe because tasks
are idempotent and lock-guarded."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_tenant_model, tenant_context

from jobs.models import Job, RunStatus
from jobs.services import job_enqueue

logger = logging.getLogger(__name__)

_MISSING_LOCKS = """
    INSERT INTO forecasting_joblock (job_id) SELECT id FROM forecasting_job j
    WHERE j.status IN ('queued', 'running')
      AND NOT EXISTS (SELECT 1 FROM forecasting_joblock l WHERE l.job_id = j.id)
    ON CONFLICT DO NOTHING"""
_CANDIDATES = """
    SELECT j.id FROM forecasting_joblock l JOIN forecasting_job j ON j.id = l.job_id
    WHERE j.status = 'running' OR (j.status = 'queued' AND coalesce(j.heartbeat_at, j.created_at) < %s)
    ORDER BY j.id FOR UPDATE OF l SKIP LOCKED"""


def jobs_recover() -> list[int]:
    """In the current tenant: the ids of the jobs sent again (or, in a
    suspended tenant, put back in the queue)."""
    now = timezone.now()
    Tenant = get_tenant_model()
    suspended = Tenant.objects.filter(pk=connection.tenant.pk, status=Tenant.Status.SUSPENDED).exists()
    recovered = []
    with connection.cursor() as cur:  # jobs created without their lock row (any path) get one
        cur.execute(_MISSING_LOCKS)
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(_CANDIDATES, [now - timedelta(seconds=settings.JOBS_QUEUED_STALE_SECONDS)])
            ids = [row[0] for row in cur.fetchall()]
        for job in Job.objects.filter(pk__in=ids).order_by("pk"):
            # statuses are re-checked by the updates: the job may have just finished
            if job.status == Job.Status.RUNNING:
                if not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                        status=Job.Status.QUEUED, message="Re-queued after a worker was lost",
                        heartbeat_at=now):
                    continue
                for model in _followers():  # an ingest job's upload
                    model.objects.filter(job_id=job.pk, status=RunStatus.RUNNING).update(status=RunStatus.QUEUED)
                logger.warning("re-queued orphaned job %s (%s) in %s", job.pk, job.kind, connection.schema_name)
            elif suspended or not Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(heartbeat_at=now):
                continue
            else:
                logger.warning("re-sent job %s (%s) in %s: queued with no sign of life since %s", job.pk, job.kind,
                               connection.schema_name, job.heartbeat_at or job.created_at)
            if not suspended:
                job_enqueue(job)
            recovered.append(job.pk)
    return recovered


def jobs_resume() -> list[int]:
    """In the current tenant (just resumed): send every queued job."""
    jobs = list(Job.objects.filter(status=Job.Status.QUEUED).order_by("pk"))
    for job in jobs:
        job_enqueue(job)
    return [job.pk for job in jobs]


def _followers() -> list:
    """The models whose rows go through their job's lifecycle (``follows_job``
    and a ``job`` link, e.g. forecasting's Upload): a re-queued job's running
    row is queued again with it."""
    return [model for model in apps.get_models()
            if model is not Job and getattr(model, "follows_job", False)
            and any(f.name == "job" and f.related_model is Job for f in model._meta.concrete_fields)]


def jobs_recover_all() -> int:
    Tenant = get_tenant_model()
    total = 0
    for tenant in Tenant.objects.exclude(schema_name="public").exclude(status=Tenant.Status.TEMPLATE):
        with tenant_context(tenant):
            total += len(jobs_recover())
    return total
