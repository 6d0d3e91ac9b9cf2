"""What a page that updates itself waits for (forecasting/web/job_watch.py):
the jobs under way that change what it shows, then, once such a job
succeeded, the worker storing the page's figures (forecasting/services/
snapshots.py writes them right after the job). In between the page would
reload to figures that are missing or stale, so it keeps waiting."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.scope import StoreScope
from forecasting.models import FiguresSnapshot, InsightSnapshot
from forecasting.selectors.insights import fingerprint as insights_fingerprint
from forecasting.selectors.stores import snapshot_fingerprint
from jobs.models import Job

# jobs after which the figures of the pages change (the worker stores them anew: forecasting/services/snapshots.py)
FIGURE_JOBS = (Job.Kind.INGEST, Job.Kind.TRAIN, Job.Kind.REFRESH, Job.Kind.FORECAST, Job.Kind.EVALUATE)
RECOMPUTE_WINDOW = timedelta(minutes=15)  # longer after a job: the worker failed to store them, stop waiting
INSIGHTS = "insights"  # the Insights snapshot (all its kinds are written at once); any other name: a FiguresSnapshot kind
MODEL_JOBS = (Job.Kind.TRAIN, Job.Kind.EVALUATE)  # what changes the Models pages (versions, live accuracy)


def _stale(figure: str) -> bool:
    if figure == INSIGHTS:
        snap = InsightSnapshot.objects.filter(kind=InsightSnapshot.Kind.ANOMALIES).defer("data").first()
        fingerprint = insights_fingerprint()
    else:
        snap = FiguresSnapshot.objects.filter(kind=figure).defer("data").first()
        fingerprint = snapshot_fingerprint()
    return snap is None or any(getattr(snap, k) != v for k, v in fingerprint.items())


def being_recomputed(*, figures: tuple[str, ...]) -> bool:
    """True while one of the page's stored ``figures`` is missing or stale after a job that changes them
    succeeded (for a while after it ended)."""
    since = timezone.now() - RECOMPUTE_WINDOW
    if not Job.objects.filter(status=Job.Status.SUCCEEDED, kind__in=FIGURE_JOBS,
                              finished_at__gte=since).exists():
        return False
    return any(_stale(figure) for figure in figures)


def job_get(*, scope: StoreScope, job_id) -> Job | None:
    """A job, or None (an API 404, as for a job that does not exist). A job's
    message and result describe the whole workspace (an export's row counts,
    an evaluation's drift share over every store, a training's series) or
    another member's file (an ingest), so a store-restricted principal sees
    only the jobs it started itself (``StoreScope.own``; a job no principal
    started, e.g. an evaluation, is nobody's): the rest do not exist for it."""
    try:
        pk = int(job_id)
    except (ValueError, TypeError):
        return None
    return scope.own(Job.objects.all()).filter(pk=pk).first()


def train_jobs(*, since=None) -> QuerySet[Job]:
    qs = Job.objects.filter(kind=Job.Kind.TRAIN).order_by("-created_at")
    return qs if since is None else qs.filter(created_at__gte=since)
