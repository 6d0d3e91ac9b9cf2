"""Celery tasks: thin wrappers around services; each takes a job id and runs
in the schema of the tenant that enqueued it (tenant-schemas-celery). They
are sent by name (``jobs.services.job_enqueue``), so nothing in
the services imports this module."""
from celery import shared_task

from forecasting.reports.delivery import weekly_reports_send_due
from forecasting.services.evaluation import evaluation_run
from forecasting.services.refresh import forecast_refresh_run
from forecasting.services.retraining import retrain_scheduled_all
from forecasting.services.snapshots import snapshots_after_job
from forecasting.services.training import model_train_run
from forecasting.services.uploads import upload_process
from jobs.recovery import jobs_recover_all


@shared_task(name="forecasting.tasks.ingest_upload", acks_late=True, ignore_result=True)
def ingest_upload(job_id: int) -> None:
    upload_process(job_id=job_id)
    snapshots_after_job(job_id=job_id)


@shared_task(name="forecasting.tasks.train_model", acks_late=True, ignore_result=True)
def train_model(job_id: int) -> None:
    model_train_run(job_id=job_id)
    snapshots_after_job(job_id=job_id)


@shared_task(name="forecasting.tasks.refresh_forecast", acks_late=True, ignore_result=True)
def refresh_forecast(job_id: int) -> None:
    forecast_refresh_run(job_id=job_id)
    snapshots_after_job(job_id=job_id)


@shared_task(name="forecasting.tasks.evaluate_forecasts", acks_late=True, ignore_result=True)
def evaluate_forecasts(job_id: int) -> None:
    evaluation_run(job_id=job_id)
    snapshots_after_job(job_id=job_id)


@shared_task(name="forecasting.tasks.recover_jobs", ignore_result=True)
def recover_jobs() -> int:
    """Re-send jobs orphaned by a dead worker or whose message was lost, in every tenant (beat and worker start)."""
    return jobs_recover_all()


@shared_task(name="forecasting.tasks.retrain_scheduled", ignore_result=True)
def retrain_scheduled() -> int:
    """Deprecated (beat sends ``saas.fanout.fan_out("retrain_scheduled")``, one task per workspace): kept for
    messages already queued. Retrain every workspace whose schedule has a slot due (once per slot)."""
    return retrain_scheduled_all()


@shared_task(name="forecasting.tasks.send_weekly_reports", ignore_result=True)
def send_weekly_reports() -> int:
    """Deprecated (beat sends ``saas.fanout.fan_out("weekly_report")``, one task per workspace): kept for
    messages already queued. The weekly report to every workspace's subscribers (once per ISO week)."""
    return weekly_reports_send_due()
