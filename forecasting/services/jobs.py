"""Job state transitions. Progress/heartbeat writes are short autocommit
updates outside any long transaction so that pollers see them at once."""
from __future__ import annotations

from django.db import transaction
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
