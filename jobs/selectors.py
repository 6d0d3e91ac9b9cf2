"""Reads of jobs that know nothing of what the jobs do."""
from __future__ import annotations

from jobs.models import Job


def jobs_running(*, kinds) -> list[Job]:
    """The queued or running jobs of these kinds, oldest first (a page lists at most five)."""
    return list(Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
                                   kind__in=kinds).order_by("created_at")[:5])
