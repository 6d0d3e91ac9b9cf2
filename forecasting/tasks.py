"""Celery tasks: thin wrappers around services. Each runs in the schema of
the tenant that enqueued it (tenant-schemas-celery)."""
from celery import shared_task


@shared_task(name="forecasting.tasks.ingest_upload", acks_late=True, ignore_result=True)
def ingest_upload(upload_id: int) -> None:
    from forecasting.services.uploads import upload_process

    upload_process(upload_id=upload_id)
