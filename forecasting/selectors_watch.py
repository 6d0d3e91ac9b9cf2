"""What a page that updates itself waits for (forecasting/web/job_watch.py):
the jobs under way that change what it shows, then, once such a job
succeeded, the worker storing the page's figures (forecasting/services/
snapshots.py writes them right after the job). In between the page would
reload to figures that are missing or stale, so it keeps waiting."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from forecasting import selectors, selectors_insights, selectors_stores
from forecasting.models import FiguresSnapshot, InsightSnapshot, Job

RECOMPUTE_WINDOW = timedelta(minutes=15)  # longer after a job: the worker failed to store them, stop waiting
INSIGHTS = "insights"  # the Insights snapshot (all its kinds are written at once); any other name: a FiguresSnapshot kind
MODEL_JOBS = (Job.Kind.TRAIN, Job.Kind.EVALUATE)  # what changes the Models pages (versions, live accuracy)


def jobs_running(*, kinds=selectors.FIGURE_JOBS) -> list[Job]:
    """The queued or running jobs of these kinds, oldest first (a page lists at most five)."""
    return list(Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
                                   kind__in=kinds).order_by("created_at")[:5])


def _stale(figure: str) -> bool:
    if figure == INSIGHTS:
        snap = InsightSnapshot.objects.filter(kind=InsightSnapshot.Kind.ANOMALIES).defer("data").first()
        fingerprint = selectors_insights.fingerprint()
    else:
        snap = FiguresSnapshot.objects.filter(kind=figure).defer("data").first()
        fingerprint = selectors_stores.snapshot_fingerprint()
    return snap is None or any(getattr(snap, k) != v for k, v in fingerprint.items())


def being_recomputed(*, figures: tuple[str, ...]) -> bool:
    """True while one of the page's stored ``figures`` is missing or stale after a job that changes them
    succeeded (for a while after it ended)."""
    since = timezone.now() - RECOMPUTE_WINDOW
    if not Job.objects.filter(status=Job.Status.SUCCEEDED, kind__in=selectors.FIGURE_JOBS,
                              finished_at__gte=since).exists():
        return False
    return any(_stale(figure) for figure in figures)
