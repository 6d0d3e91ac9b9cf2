"""Reads of jobs that know nothing of what the jobs do."""
from __future__ import annotations

from accounts.scope import StoreScope
from jobs.models import Job


def jobs_running(*, kinds, scope: StoreScope) -> list[Job]:
    """The queued or running jobs of these kinds, oldest first (a page lists at most five). A
    store-restricted principal gets the jobs others started summarised: kind, status and progress,
    not their message, parameters or result, which describe the whole workspace or another member's
    file (unsaved copies: nothing else of the row reaches the page)."""
    jobs = list(Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
                                   kind__in=kinds).order_by("created_at")[:5])
    if not scope.restricted:
        return jobs
    own = set(scope.own(Job.objects.filter(pk__in=[j.pk for j in jobs])).values_list("pk", flat=True))
    return [j if j.pk in own else Job(pk=j.pk, kind=j.kind, status=j.status, progress=j.progress,
                                      created_at=j.created_at, message="")
            for j in jobs]
