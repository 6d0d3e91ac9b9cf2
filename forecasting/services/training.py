"""Training and registration of model versions.

``model_train_start`` (request side) creates the Job and enqueues it (the
``ml`` queue) after commit. ``model_train_run`` (worker side) is idempotent
and runs under the job's lock (``jobs/services.py``), so a
redelivered or re-queued task (worker SIGKILLed mid-training) completes the
job exactly once and registers exactly one version. Admission caps the
trainings running at once per tenant. Promotion: ``promotion.py``; stored
and on-demand forecasts: ``forecasts.py``."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from accounts.audit import Actor, audit_record
from billing.metering import usage_count
from billing.services import quota_check_value, quota_reserve
from forecasting.ml.backtest_accuracy import backtest_accuracy_by
from forecasting.ml.periodic.seasons import seasons_of
from forecasting.ml.periods import horizon_weeks, is_weekly, period_noun
from forecasting.ml.pipeline import TrainConfig, train
from forecasting.models import ForecastRun, ModelVersion
from forecasting.selectors.catalog import data_settings, hierarchy_attributes
from forecasting.selectors.dataset import sales_week_count, training_frames, uploads_loaded_ids
from forecasting.selectors.events import training_events
from forecasting.selectors.periodic import own_covariates, periodic_inputs
from forecasting.selectors.workspace import dataset_version as workspace_dataset_version
from forecasting.services.artifacts import artifact_write
from forecasting.services.forecasts import forecast_run_write
from forecasting.services.launches import forecast_with_launches
from forecasting.services.periodic import periodic_train
from forecasting.services.promotion import version_promote_if_better
from forecasting.services.refresh_queue import forecast_refresh_after_training
from forecasting.services.rescore import champion_rescore
from forecasting.services.what_if import what_if_warm
from jobs.models import Job
from jobs.services import Done, heartbeat, job_create, job_enqueue, job_progress, job_run, job_succeed
from saas.checkpoints import checkpoint
from saas.errors import ValidationFailed
from saas.storage import tenant_dir
from saas.version import code_version

logger = logging.getLogger(__name__)
MIN_WEEKS = 20


# ------------------------------------------------------------ request side
def _history_fix(*, weeks: int, horizon: int, fit: int) -> str:
    """What to do when the history is too short for the training asked for."""
    if fit >= 1:
        return f"train with {fit} backtest window{'s' if fit > 1 else ''} instead"
    if weeks > MIN_WEEKS:
        return f"shorten the horizon to {weeks - MIN_WEEKS} weeks, or upload {MIN_WEEKS + horizon - weeks} more weeks"
    return f"upload at least {MIN_WEEKS + horizon} weeks of sales"


def model_train_start(*, actor: Actor, horizon: int = 13, backtest_windows: int = 4, trigger: str = "manual") -> Job:
    if trigger not in ModelVersion.Trigger.values:
        raise ValueError(f"unknown training trigger {trigger!r}")
    try:
        horizon, backtest_windows = int(horizon), int(backtest_windows)
    except (TypeError, ValueError):
        raise ValidationFailed("horizon and backtest_windows are whole numbers.")
    freq = data_settings().frequency
    if not is_weekly(freq):
        _check_periodic(freq=freq, horizon=horizon, backtest_windows=backtest_windows)
        return _train_enqueue(actor=actor, horizon=horizon, backtest_windows=backtest_windows, trigger=trigger)
    if not 1 <= horizon <= 52:
        raise ValidationFailed("horizon must be between 1 and 52 weeks.", details={"horizon": ["1..52"]})
    quota_check_value(limit="forecast_horizon", value=horizon)
    if not 1 <= backtest_windows <= 12:
        raise ValidationFailed("backtest_windows must be between 1 and 12.", details={"backtest_windows": ["1..12"]})
    weeks = sales_week_count()
    needed = MIN_WEEKS + horizon * backtest_windows
    if weeks < needed:
        fit = max(0, (weeks - MIN_WEEKS) // horizon)  # the most backtest windows this history holds
        fix = _history_fix(weeks=weeks, horizon=horizon, fit=fit)
        raise ValidationFailed(
            f"Not enough history: {weeks} weeks of sales; {needed} are needed for a {backtest_windows}-window "
            f"backtest of {horizon} weeks: {fix}.", code="not_enough_data",
            details={"weeks": weeks, "needed": needed, "max_backtest_windows": fit})
    return _train_enqueue(actor=actor, horizon=horizon, backtest_windows=backtest_windows, trigger=trigger)


def _check_periodic(*, freq: str, horizon: int, backtest_windows: int) -> None:
    """The limits of a daily or monthly workspace, in its own periods (a plan's horizon limit is in weeks:
    13 weeks = 91 days = 3 months)."""
    s, noun = seasons_of(freq), period_noun(freq)
    if not 1 <= horizon <= s.max_horizon:
        raise ValidationFailed(f"horizon must be between 1 and {s.max_horizon} {noun}.",
                               details={"horizon": [f"1..{s.max_horizon}"]})
    quota_check_value(limit="forecast_horizon", value=horizon_weeks(horizon, freq))
    if not 1 <= backtest_windows <= 12:
        raise ValidationFailed("backtest_windows must be between 1 and 12.", details={"backtest_windows": ["1..12"]})
    periods = sales_week_count()
    needed = s.level + 1 + horizon * backtest_windows
    if periods < needed:
        fit = max(0, (periods - s.level - 1) // horizon)
        fix = (f"train with {fit} backtest window{'s' if fit > 1 else ''} instead" if fit >= 1 else
               f"upload at least {needed - periods} more {noun} of sales, or shorten the horizon")
        raise ValidationFailed(
            f"Not enough history: {periods} {noun} of sales; {needed} are needed for a {backtest_windows}-window "
            f"backtest of {horizon} {noun}: {fix}.", code="not_enough_data",
            details={"periods": periods, "needed": needed, "max_backtest_windows": fit})


def _train_enqueue(*, actor: Actor, horizon: int, backtest_windows: int, trigger: str) -> Job:
    with transaction.atomic():
        quota_reserve(limit="trainings_per_day")
        job = job_create(actor=actor, kind=Job.Kind.TRAIN,
                         params={"horizon": horizon, "backtest_windows": backtest_windows, "trigger": trigger},
                         message="Queued")
        audit_record(action="model.train_started", actor=actor, target_type="job", target_id=job.pk,
                     payload={"horizon": horizon, "backtest_windows": backtest_windows, "trigger": trigger})
        job_enqueue(job)
    return job


# ------------------------------------------------------------- worker side
def model_train_run(*, job_id: int) -> ModelVersion | None:
    return job_run(job_id, admit="Loading data", done=_registered_before, work=_train_locked,
                   failed="Training failed")


def _registered_before(job: Job) -> Done[ModelVersion] | None:
    existing = ModelVersion.objects.filter(job_id=job.pk).first()
    if existing is None:
        return None
    # registered before a crash: just finish the job
    job_succeed(job_id=job.pk, result={"model_version": existing.pk, "number": existing.number},
                message=f"Registered v{existing.number}")
    return Done(existing)


def _train_locked(job: Job) -> ModelVersion:
    """Train, save and register; a failure leaves no file behind, is audited and metered, and fails the job
    (``job_run``)."""

    actor = job.actor
    schema = connection.schema_name
    started = time.monotonic()
    final = None
    earlier = (job.result or {}).get("artifact")  # the file of an attempt that died before registering
    _artifact_drop_unreferenced(tenant_dir("models") / Path(earlier).name if earlier else None)
    last = [0.0]
    in_pipeline = [False]

    def progress(frac: float, message: str) -> None:
        if not in_pipeline[0]:  # first call from inside the ML pipeline
            in_pipeline[0] = True
            checkpoint("training", job_id=job.pk)
        now = time.monotonic()
        if now - last[0] >= 0.5 or frac >= 1.0:
            last[0] = now
            job_progress(job_id=job.pk, progress=0.05 + 0.85 * frac, message=message)

    try:
        with heartbeat(job.pk, schema):
            dataset_version = workspace_dataset_version()
            uploads = uploads_loaded_ids(dataset_version=dataset_version)
            workspace = data_settings()
            trained = (_train_weekly(job, workspace, dataset_version, progress) if is_weekly(workspace.frequency)
                       else _train_periodic(job, workspace, progress))
            result = trained.result
            job_progress(job_id=job.pk, progress=0.92, message="Saving")
            checkpoint("saving", job_id=job.pk)
            sha, final = artifact_write(result.artifact, job_id=job.pk)
            Job.objects.filter(pk=job.pk).update(result={"artifact": final.name})  # found again if we die
        seconds = time.monotonic() - started
        version = _register(job=job, actor=actor, trained=trained, sha=sha, path=final, seconds=seconds,
                            dataset_version=dataset_version, uploads=uploads)
    except Exception as exc:
        _artifact_drop_unreferenced(final)
        with transaction.atomic():
            audit_record(action="model.train_failed", actor=actor, target_type="job", target_id=job.pk,
                         payload={"error": f"{type(exc).__name__}: {exc}"[:500]})
        _meter_training(started)
        raise
    _meter_training(started)
    if version.periodic and version.status == ModelVersion.Status.ACTIVE:
        what_if_warm(version=version)  # the simulator's grid, written once here rather than by a page view
    job_succeed(job_id=job.pk, message=f"Registered v{version.number}" + (" (active)" if version.status == "active" else ""),
                result={"model_version": version.pk, "number": version.number, "status": version.status,
                        "chosen": version.chosen, "wmae": version.wmae, "seconds": round(version.training_seconds, 1)})
    return version


@dataclass
class _Trained:
    result: object  # forecasting.ml.pipeline.TrainResult or services.periodic.Trained
    data_end: date
    backtest_by: dict
    holidays: set = field(default_factory=set)
    rescored: dict | None = None


def _train_weekly(job: Job, workspace, dataset_version: int, progress) -> _Trained:
    """The weekly engine (forecasting/ml/pipeline.py) and the champion scored on its windows."""
    sales, features, stores = training_frames()
    job_progress(job_id=job.pk, progress=0.05, message="Features")
    config = TrainConfig(horizon=job.params.get("horizon", 13), backtest_windows=job.params.get("backtest_windows", 4),
                         num_threads=settings.ML_NUM_THREADS, holiday_weight=workspace.holiday_weight)
    events = training_events(sales)
    own = own_covariates()  # the retailer's own (price, promotion ...): Walmart's layout has none
    result = train(sales, features, stores, config, progress=progress, attributes=hierarchy_attributes(),
                   events=events, own=own)
    data_end = sales["date"].max().date()
    job_progress(job_id=job.pk, progress=0.9, message="Scoring the champion on the same windows")
    rescored = champion_rescore(result=result, sales=sales, features=features, stores=stores, events=events, own=own,
                                dataset_version=dataset_version, horizon=config.horizon,
                                backtest_windows=config.backtest_windows, data_end=data_end)
    return _Trained(result, data_end, backtest_accuracy_by(result.artifact.panel, result.windows, result.chosen),
                    result.artifact.holiday_periods(), rescored)


def _train_periodic(job: Job, workspace, progress) -> _Trained:
    """A daily or monthly workspace: the engine for any planning frequency (services/periodic.py). Its
    champion is compared on the stored figures of the same backtest (dataset version, horizon, windows)."""
    inputs = periodic_inputs()
    progress(0.0, "Features")
    result = periodic_train(inputs, freq=workspace.frequency, horizon=int(job.params.get("horizon", 13)),
                            windows=int(job.params.get("backtest_windows", 4)), num_threads=settings.ML_NUM_THREADS,
                            holiday_weight=workspace.holiday_weight)
    return _Trained(result, inputs.sales["date"].max().date(), result.backtest_by)


def _artifact_drop_unreferenced(path) -> None:
    """Delete a model file this job wrote that no version or run references
    (its registration never committed: the worker died or it failed)."""
    if not path:
        return
    path = str(path)
    if ModelVersion.objects.filter(artifact_path=path).exists() or ForecastRun.objects.filter(
            artifact_path=path).exists():
        return
    Path(path).unlink(missing_ok=True)
    logger.warning("deleted model file %s: no version references it", path)


def _meter_training(started: float) -> None:
    """A training ended (succeeded or failed): one training and its seconds of
    compute, for metered usage (billing/metering.py)."""
    usage_count(counts={"trainings": 1, "training_seconds": round(time.monotonic() - started)})


def _register(*, job: Job, actor: Actor, trained: _Trained, sha: str, path: Path, seconds: float,
              dataset_version: int, uploads=()) -> ModelVersion:
    result, data_end = trained.result, trained.data_end
    with transaction.atomic():
        with connection.cursor() as cur:  # serialise version numbering and promotion
            cur.execute("LOCK TABLE forecasting_modelversion IN SHARE ROW EXCLUSIVE MODE")
        existing = ModelVersion.objects.filter(job_id=job.pk).first()
        if existing is not None:
            return existing
        number = (ModelVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = ModelVersion.objects.create(
            number=number, status=ModelVersion.Status.CANDIDATE, chosen=result.chosen, reason=result.reason,
            horizon=int(job.params.get("horizon", 13)), backtest_windows=int(job.params.get("backtest_windows", 4)),
            params=result.params, metrics=result.metrics, backtest=result.backtest, importance=result.importance,
            backtest_by=trained.backtest_by,
            timings=result.timings, dataset_version=dataset_version, data_end=data_end, artifact_path=str(path),
            artifact_sha256=sha, training_seconds=seconds, job=job, created_by=actor.user,
            created_by_key=actor.api_key, uploads=list(uploads), code_version=code_version(),
            trigger=job.params.get("trigger") or ModelVersion.Trigger.MANUAL)
        forecast, counts = forecast_with_launches(forecast=result.forecast,
                                                  status_counts=result.params.get("status_counts"))
        forecast_run_write(version=version, origin=data_end, forecast=forecast,
                           kind=ForecastRun.Kind.TRAIN, job=job, status_counts=counts,
                           seconds=seconds, holidays=trained.holidays, assumed=result.params.get("assumed"))
        audit_record(action="model.trained", actor=actor, target_type="model_version", target_id=version.pk,
                     payload={"number": number, "chosen": result.chosen, "wmae": version.wmae,
                              "seasonal_naive_wmae": version.baseline_wmae, "sha256": sha})
        version_promote_if_better(version=version, actor=actor, rescored=trained.rescored)
        forecast_refresh_after_training(version=version)  # a kept champion forecasts from the newest week too
        checkpoint("promoting", job_id=job.pk)  # tests stop here: registered and swapped, not committed
    return version
