"""Job state transitions. Progress/heartbeat writes are short autocommit
updates outside any long transaction so that pollers see them at once."""
from __future__ import annotations

import zlib

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import Actor
from forecasting.models import Job


def job_create(*, actor: Actor, kind: str, params: dict | None = None, message: str = "Queued") -> Job:
    return Job.objects.create(kind=kind, params=params or {}, message=message,
                              created_by=actor.user, created_by_key=actor.api_key)


def job_start(*, job_id: int, message: str = "Started") -> Job:
    now = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, attempts=F("attempts") + 1,
                                             started_at=now, heartbeat_at=now, message=message, error="")
    return Job.objects.get(pk=job_id)


def job_progress(*, job_id: int, progress: float, message: str) -> None:
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        progress=max(0.0, min(1.0, float(progress))), message=message[:300], heartbeat_at=timezone.now())


def job_heartbeat(*, job_id: int) -> None:
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())


def job_succeed(*, job_id: int, result: dict | None = None, message: str = "Done") -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.SUCCEEDED, progress=1.0, message=message[:300],
                                         result=result or {}, finished_at=timezone.now(),
                                         heartbeat_at=timezone.now())


def job_fail(*, job_id: int, error: str, message: str = "Failed", result: dict | None = None) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, message=message[:300], error=error[:10000],
                                         result=result or {}, finished_at=timezone.now(),
                                         heartbeat_at=timezone.now())


# A session-level advisory lock per (tenant, job): held by the worker running
# the job, released by PostgreSQL when that worker's connection dies.
def _lock_key(job_id: int) -> tuple[int, int]:
    return zlib.crc32(connection.schema_name.encode()) & 0x7FFFFFFF, int(job_id)


def job_lock_try(job_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", _lock_key(job_id))
        return bool(cur.fetchone()[0])


def job_lock_release(job_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(%s, %s)", _lock_key(job_id))
