"""Forecast refresh without retraining.

``forecast_refresh_start`` (request side) creates a ``refresh`` Job and
enqueues it (``ml`` queue) after commit. ``forecast_refresh_run`` (worker
side, under the job's lock) loads the tenant's current data and calls the ML
core's ``refresh_forecast`` on the active version's artifact: no LightGBM
fit, features anchored at the newest week. It writes a new ForecastRun (kind
``refresh``) recording its origin and model version, with its points and
aggregates, and keeps the refreshed model state beside it so on-demand
forecasts start from the same origin. Earlier runs are kept; the newest run
of the active version is the one served.

Refreshes are cheap (tens of seconds on a year of weekly data for thousands
of series): they take no training quota and are not heavy jobs; the plan's
API rate limits apply to the request.

Refreshes the product queues by itself (after a training that kept the
champion, after a promotion or rollback) are in ``refresh_queue.py``."""
from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection, transaction

from accounts.audit import Actor, audit_record
from forecasting.ml.pipeline import load_artifact, refresh_forecast
from forecasting.models import ForecastRun
from forecasting.selectors.dataset import training_frames
from forecasting.selectors.events import training_events
from forecasting.selectors.forecast import active_model
from forecasting.selectors.periodic import own_covariates
from forecasting.services.artifacts import artifact_write
from forecasting.services.forecasts import forecast_run_write
from forecasting.services.launches import forecast_with_launches
from forecasting.services.periodic import periodic_refresh
from forecasting.services.shadow import shadow_check
from forecasting.services.what_if import what_if_warm
from jobs.models import Job
from jobs.services import Done, heartbeat, job_create, job_enqueue, job_progress, job_run, job_succeed
from saas.checkpoints import checkpoint
from saas.errors import NotFound

logger = logging.getLogger(__name__)


def forecast_refresh_start(*, actor: Actor) -> Job:
    version = active_model()
    if version is None:
        raise NotFound("There is no active model yet: train one first.", code="no_active_model")
    with transaction.atomic():
        job = job_create(actor=actor, kind=Job.Kind.REFRESH, params={"model_version": version.number},
                         message="Queued")
        audit_record(action="forecast.refresh_started", actor=actor, target_type="job", target_id=job.pk,
                     payload={"model_version": version.number})
        job_enqueue(job)
    return job


def forecast_refresh_run(*, job_id: int) -> ForecastRun | None:
    return job_run(job_id, admit="Loading data", done=_refreshed_before, work=_refresh_locked,
                   failed="Refresh failed", then=_shadow_after_refresh)


def _refreshed_before(job: Job) -> Done[ForecastRun] | None:
    existing = ForecastRun.objects.filter(job_id=job.pk).first()
    if existing is None:
        return None
    job_succeed(job_id=job.pk, result=_result(existing), message=_message(existing))  # written before a crash
    return Done(existing)


def _shadow_after_refresh(job: Job, run: ForecastRun) -> None:
    """A shadow whose weeks are realized waits for the champion's refresh
    from its origin (forecasting/services/shadow.py): decide now. Never fails
    the refresh (the next evaluate job checks again)."""
    try:
        shadow_check(job=job)
    except Exception:
        logger.exception("shadow check after refresh job %s failed", job.pk)


def _result(run: ForecastRun) -> dict:
    return {"run": run.pk, "origin": run.origin.isoformat(), "model_version": run.model_version.number,
            "series": run.series, "status_counts": run.status_counts,
            "seconds": round(run.seconds, 1) if run.seconds is not None else None}


def _message(run: ForecastRun) -> str:
    return f"Forecast refreshed from {run.origin.isoformat()} with v{run.model_version.number}"


def _refresh_locked(job: Job) -> ForecastRun:
    actor = job.actor
    started = time.monotonic()
    stages: dict[str, float] = {}
    try:
        version = active_model()
        if version is None:
            raise LookupError("there is no active model any more: train one first")
        if version.periodic:
            return _refresh_periodic(job, version, actor, started)
        with heartbeat(job.pk, connection.schema_name):
            sales, features, stores = training_frames()
            stages["load"] = time.monotonic() - started
            if not len(sales):
                raise ValueError("there are no sales to forecast from")
            job_progress(job_id=job.pk, progress=0.1, message="Refreshing the forecast")
            checkpoint("refreshing", job_id=job.pk)
            result = refresh_forecast(load_artifact(version.artifact_path), sales, features, stores,
                                      num_threads=settings.ML_NUM_THREADS, events=training_events(sales),
                                      own=own_covariates())
            stages["refresh"] = time.monotonic() - started - stages["load"]
            stages.update({f"refresh_{k}": v for k, v in (result.timings or {}).items()})
            job_progress(job_id=job.pk, progress=0.85, message="Saving")
            sha, final = artifact_write(result.artifact, job_id=job.pk)
        stages["save"] = time.monotonic() - started - stages["load"] - stages["refresh"]
        seconds = time.monotonic() - started
        forecast, counts = forecast_with_launches(
            forecast=result.forecast, status_counts=result.artifact.meta.get("params", {}).get("status_counts"))
        with transaction.atomic():
            run = forecast_run_write(
                version=version, origin=str(result.origin)[:10], forecast=forecast,
                kind=ForecastRun.Kind.REFRESH, job=job, status_counts=counts,
                artifact_path=str(final), artifact_sha256=sha, seconds=seconds,
                holidays=result.artifact.holiday_periods(), assumed=result.artifact.meta["params"].get("assumed"))
            run.refresh_from_db()
            audit_record(action="forecast.refreshed", actor=actor, target_type="forecast_run", target_id=run.pk,
                         payload={"model_version": version.number, "origin": run.origin.isoformat(),
                                  "series": run.series, "seconds": round(seconds, 1)})
    except Exception as exc:  # no file left behind, audited; job_run fails the job
        with transaction.atomic():
            audit_record(action="forecast.refresh_failed", actor=actor, target_type="job", target_id=job.pk,
                         payload={"error": f"{type(exc).__name__}: {exc}"[:500]})
        raise
    stages["write"] = time.monotonic() - started - seconds
    job_succeed(job_id=job.pk, result={**_result(run), "stages": {k: round(v, 2) for k, v in stages.items()}},
                message=_message(run))
    return run


def _refresh_periodic(job: Job, version, actor: Actor, started: float) -> ForecastRun:
    """A daily or monthly workspace's model forecasts from the newest period (services/periodic.py); its
    fitted model does not move, so the run keeps no file of its own. Failures are audited by the caller."""
    with heartbeat(job.pk, connection.schema_name):
        job_progress(job_id=job.pk, progress=0.1, message="Refreshing the forecast")
        checkpoint("refreshing", job_id=job.pk)
        origin, forecast = periodic_refresh(version.artifact_path)
        forecast, _ = forecast_with_launches(forecast=forecast)
    seconds = time.monotonic() - started
    with transaction.atomic():
        run = forecast_run_write(version=version, origin=origin, forecast=forecast, kind=ForecastRun.Kind.REFRESH,
                                 job=job, seconds=seconds)
        run.refresh_from_db()
        audit_record(action="forecast.refreshed", actor=actor, target_type="forecast_run", target_id=run.pk,
                     payload={"model_version": version.number, "origin": run.origin.isoformat(),
                              "series": run.series, "seconds": round(seconds, 1)})
    if version.status == version.Status.ACTIVE:
        what_if_warm(version=version)  # the simulator's grid on the newer data
    job_succeed(job_id=job.pk, result=_result(run), message=_message(run))
    return run



