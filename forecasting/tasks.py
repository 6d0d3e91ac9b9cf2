"""Celery tasks: thin wrappers around services. Each runs in the schema of
the tenant that enqueued it (tenant-schemas-celery)."""
from celery import shared_task


@shared_task(name="forecasting.tasks.ingest_upload", acks_late=True, ignore_result=True)
def ingest_upload(upload_id: int) -> None:
    from forecasting.services.uploads import upload_process

    upload_process(upload_id=upload_id)


@shared_task(name="forecasting.tasks.train_model", acks_late=True, ignore_result=True)
def train_model(job_id: int) -> None:
    from forecasting.services.training import model_train_run

    model_train_run(job_id=job_id)


@shared_task(name="forecasting.tasks.recover_jobs", ignore_result=True)
def recover_jobs() -> int:
    """Re-queue jobs orphaned by a dead worker, in every tenant (beat and worker start)."""
    from forecasting.services.recovery import jobs_recover_all

    return jobs_recover_all()


@shared_task(name="forecasting.tasks.demo_train_when_ready", bind=True, max_retries=360, ignore_result=True)
def demo_train_when_ready(self) -> str:
    """Starts the demo tenant's first training once its uploads are loaded."""
    from forecasting.demo import DemoNotReady, demo_train_if_ready

    try:
        return demo_train_if_ready()
    except DemoNotReady:
        raise self.retry(countdown=5)
