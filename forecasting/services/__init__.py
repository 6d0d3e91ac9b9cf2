"""Write operations of the forecasting app. Keyword-only functions, one
transaction each, audit event inside it, side effects (Celery tasks) in
``transaction.on_commit``."""
from forecasting.services.mapped_uploads import upload_mapping_confirm  # noqa: F401
from forecasting.services.uploads import upload_create, upload_process  # noqa: F401
from jobs.services import (  # noqa: F401
    job_create,
    job_enqueue,
    job_fail,
    job_heartbeat,
    job_progress,
    job_start,
    job_succeed,
)
