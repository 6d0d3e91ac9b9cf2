"""Refreshes the product queues by itself, so the served forecast starts from
the newest week (forecast refresh itself: ``refresh.py``).

* ``forecast_refresh_after_training`` (inside a training's registration): the
  champion kept after the decision (the challenger was rejected, or waits in
  its shadow period) serves a run older than the weeks the training saw.
* ``forecast_refresh_after_swap`` (inside a promotion or rollback): the new
  champion's newest run is older than the newest sales week, e.g. a rollback
  to a version trained months ago. The swap serves that run at once; the
  refresh replaces it when it ends, and the worker then stores the pages'
  figures anew (they were computed from the old champion's run).

Each queues a ``refresh`` job of the champion (system actor, audited
``forecast.refresh_started`` with why). Like every refresh it takes no
training quota: a tenant at its trainings-per-day limit still gets it. One
queued refresh is enough (it loads the data when it runs). Kept apart from
``refresh.py`` so promotion can call it (refresh -> shadow -> promotion)."""
from __future__ import annotations

from datetime import date

from accounts.audit import Actor, audit_record
from forecasting.models import ModelVersion
from forecasting.selectors.forecast import active_model, latest_run
from forecasting.selectors.monitoring import sales_last_week
from jobs.models import Job
from jobs.services import job_create, job_enqueue


def _queue(*, champion: ModelVersion, data_end: date, params: dict, why) -> Job | None:
    run = latest_run(champion)
    if run is not None and run.origin >= data_end:
        return None
    if Job.objects.filter(kind=Job.Kind.REFRESH, status=Job.Status.QUEUED).exists():
        return None  # a queued refresh loads the newest weeks when it runs
    params = {"model_version": champion.number, **params}
    job = job_create(actor=Actor.system(), kind=Job.Kind.REFRESH, params=params, message="Queued")
    audit_record(action="forecast.refresh_started", actor=Actor.system(), target_type="job", target_id=job.pk,
                 payload={**params, "reason": why(run)})
    job_enqueue(job)
    return job


def forecast_refresh_after_training(*, version: ModelVersion) -> Job | None:
    """Inside the registration transaction of ``version`` (already decided):
    queue a refresh of the champion when its newest run's origin is older
    than ``version.data_end``. None when nothing is needed."""
    champion = active_model()
    if champion is None or champion.pk == version.pk or version.data_end is None:
        return None

    def why(run):
        return (f"v{version.number} ({version.get_status_display().lower()}) was trained on weeks to "
                f"{version.data_end:%Y-%m-%d}; the champion v{champion.number}'s forecast starts after "
                f"{run.origin:%Y-%m-%d}" if run is not None else f"the champion v{champion.number} has no forecast run")

    return _queue(champion=champion, data_end=version.data_end,
                  params={"trigger": "after_training", "challenger": version.number}, why=why)


def forecast_refresh_after_swap(*, version: ModelVersion, kind: str) -> Job | None:
    """Inside the promotion or rollback that made ``version`` the champion:
    queue its refresh when its newest run is older than the newest sales week."""
    last = sales_last_week()
    if last is None:
        return None

    def why(run):
        return (f"v{version.number} became the champion ({kind}); its forecast starts after "
                f"{run.origin:%Y-%m-%d}, the data runs to {last:%Y-%m-%d}" if run is not None
                else f"v{version.number} became the champion ({kind}) without a forecast run")

    return _queue(champion=version, data_end=last, params={"trigger": f"after_{kind}"}, why=why)
