"""Live accuracy and drift, after an upload that adds weeks.

``evaluation_after_upload`` (inside the upload's load transaction) creates an
``evaluate`` Job when a sales upload brought weeks past the tenant's previous
last week; ``job_enqueue`` sends it after commit. ``evaluation_run`` (worker
side, under the job's lock) then

* scores every stored ForecastRun that predicted any of the new weeks on all
  its realized rows (forecasting/ml/live_accuracy.py) and stores one
  ``ModelEvaluation`` per run and last realized week (a re-run replaces it);
* writes the upload's ``DriftReport`` (forecasting/ml/drift.py) against the
  forecast that was served for those weeks (``selectors/monitoring.py: reference_run``)
  and the period it was trained on; when the share of series outside their
  95 % band exceeds ``settings.DRIFT_OUTSIDE95_ALERT`` it audits
  ``drift.detected`` (system actor) in the same transaction;
* checks a newly promoted champion's first live weeks against the previous
  champion's and rolls back by itself when it is worse
  (forecasting/services/auto_rollback.py);
* updates a shadow challenger's live figures beside the champion's, and
  promotes or rejects it once its shadow weeks are realized
  (forecasting/services/shadow.py).

Nothing is computed on a page view: pages and the API read the stored rows."""
from __future__ import annotations

import logging
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import Actor, audit_record
from forecasting.ml.drift import drift_report
from forecasting.ml.live_accuracy import (
    SEASON_DAYS,
    evaluate_run,
)
from forecasting.ml.metrics import HOLIDAY_WEIGHT
from forecasting.models import DriftReport, ForecastRun, ModelEvaluation, Upload
from forecasting.selectors.monitoring import (
    covariates_frame,
    reference_run,
    run_points_frame,
    runs_predicting,
    sales_frame,
    sales_last_week,
    sales_weeks_between,
    series_last_seen,
)
from forecasting.selectors.workspace import dataset_version
from forecasting.services.auto_rollback import auto_rollback_check
from forecasting.services.retraining import retrain_after_evaluation
from forecasting.services.shadow import shadow_check
from jobs.models import Job
from jobs.services import job_create, job_enqueue, job_run, job_succeed

logger = logging.getLogger(__name__)


def evaluation_after_upload(*, upload: Upload, previous_end: date | None) -> Job | None:
    """Queue the live scoring of a sales upload that added weeks past
    ``previous_end`` (the last sales week before it loaded). Called inside the
    upload's transaction: the job is sent once it commits."""
    new_end = sales_last_week()
    if previous_end is None or new_end is None or new_end <= previous_end:
        return None  # a first upload has nothing forecast to score; older weeks add none
    job = job_create(actor=Actor.system(), kind=Job.Kind.EVALUATE, message="Queued",
                     params={"upload": upload.pk, "after": previous_end.isoformat(), "until": new_end.isoformat()})
    job_enqueue(job)
    return job


def evaluation_run(*, job_id: int) -> dict | None:
    return job_run(job_id, admit="Scoring stored forecasts", work=_evaluate_and_decide, failed="Live scoring failed")


def _evaluate_and_decide(job: Job) -> dict:
    result = _evaluate_locked(job)
    # the retraining policy (new data, degradation; never raises) decides before the job is done, so whoever
    # sees the job succeed also sees its decision
    retrain_after_evaluation(result=result)
    job_succeed(job_id=job.pk, result=result, message=_message(result))
    return result


def _message(result: dict) -> str:
    n = result["evaluations"]
    text = f"Scored {n} forecast run{'s' if n != 1 else ''} on {len(result['weeks'])} new week(s)"
    rollback = result.get("auto_rollback") or {}
    if rollback.get("outcome") == "rolled_back":
        text += f"; rolled back v{rollback['checked']} automatically"
    shadow = result.get("shadow") or {}
    if shadow.get("outcome"):
        text += f"; shadow v{shadow['shadow']} {shadow['outcome'].replace('_', ' ')}"
    elif shadow:
        text += f"; shadow v{shadow['shadow']}: {shadow['weeks']} of {shadow['needed_weeks']} week(s) realized"
    if result.get("detected"):
        text += f"; drift: {result['share_outside95']:.0%} of series outside their 95% band"
    return text


def _evaluate_locked(job: Job) -> dict:
    upload = Upload.objects.filter(pk=job.params.get("upload")).first()
    after, until = date.fromisoformat(job.params["after"]), date.fromisoformat(job.params["until"])
    weeks = sales_weeks_between(after, until)
    if upload is None or not weeks:
        return {"upload": job.params.get("upload"), "weeks": [], "evaluations": 0, "runs": [],
                "drift_report": None}
    runs = runs_predicting(first=weeks[0], last=weeks[-1])
    earliest = min([r.origin for r in runs] + [after])
    sales = sales_frame(start=earliest - timedelta(days=SEASON_DAYS + 2), end=until)  # a month 12 months back too
    version = dataset_version()
    evaluated = [run.pk for run in runs if _evaluate(run, sales=sales, upload=upload, version=version)]
    report = _drift(upload=upload, weeks=weeks, runs=runs, sales=sales)
    return {"upload": upload.pk, "weeks": [w.isoformat() for w in weeks], "evaluations": len(evaluated),
            "runs": evaluated, "drift_report": report.pk, "share_outside95": report.share_outside95,
            "detected": report.detected, "auto_rollback": auto_rollback_check(job=job),
            "shadow": shadow_check(job=job)}  # after the rollback check: against the champion it leaves


def _evaluate(run: ForecastRun, *, sales, upload: Upload, version: int) -> ModelEvaluation | None:
    params = run.model_version.params
    weight = (params.get("config") or {}).get("holiday_weight", HOLIDAY_WEIGHT)
    if params.get("holiday_periods") is not None:  # a model of the workspace's events: its holiday weeks
        periods = pd.to_datetime(pd.Series(params["holiday_periods"], dtype=object))
        sales = sales.assign(is_holiday=pd.to_datetime(sales["date"]).isin(periods))
    ev = evaluate_run(run_points_frame(run), sales, sales, run.origin, weight,  # realized rows: the inner join
                      freq=run.model_version.frequency)
    if ev is None:
        return None
    naive = ev["seasonal_naive"]
    with transaction.atomic():
        row, _ = ModelEvaluation.objects.update_or_create(
            run=run, last_week=ev["last_week"],
            defaults=dict(model_version=run.model_version, origin=run.origin, first_week=ev["first_week"],
                          weeks=ev["weeks"], rows=ev["rows"], wmae=ev["wmae"], mae=ev["mae"], wape=ev["wape"],
                          bias=ev["bias"], coverage80=ev["coverage80"], coverage95=ev["coverage95"],
                          seasonal_naive_wmae=naive["wmae"], seasonal_naive=naive, per_step=ev["per_step"],
                          dataset_version=version, upload=upload, evaluated_at=timezone.now()))
    return row


def _drift(*, upload: Upload, weeks: list[date], runs: list[ForecastRun], sales) -> DriftReport:
    ref = reference_run(runs, first=weeks[0])
    train_end = ref.origin if ref is not None else weeks[0] - timedelta(weeks=1)
    forecast = run_points_frame(ref, start=weeks[0], end=weeks[-1]) if ref is not None else None
    new = sales[sales["date"].between(str(weeks[0]), str(weeks[-1]))]
    figures = drift_report(new_weeks=weeks, actuals=new, history=series_last_seen(until=train_end),
                           forecast=forecast, features=covariates_frame(until=weeks[-1]), train_end=train_end)
    share = figures["band"]["share_series_outside95"]
    threshold = settings.DRIFT_OUTSIDE95_ALERT
    detected = share is not None and share > threshold
    figures["threshold"] = threshold
    with transaction.atomic():
        before = DriftReport.objects.select_for_update(no_key=True).filter(upload=upload).first()
        report, _ = DriftReport.objects.update_or_create(
            upload=upload, defaults=dict(run=ref, first_week=weeks[0], last_week=weeks[-1], share_outside95=share,
                                         detected=detected, figures=figures))
        if detected and not (before is not None and before.detected):  # once per report
            band = figures["band"]
            audit_record(action="drift.detected", actor=Actor.system(), target_type="drift_report",
                         target_id=report.pk,
                         payload={"upload": upload.pk, "weeks": f"{weeks[0].isoformat()} to {weeks[-1].isoformat()}",
                                  "share_outside95": round(share, 4), "series_outside95": band["series_outside95"],
                                  "series": band["series"], "threshold": threshold,
                                  "run": ref.pk if ref is not None else None})
    return report
