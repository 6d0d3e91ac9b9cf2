"""Celery app. tenant-schemas-celery: a task sent inside a tenant's context
carries its schema and runs in it. Nothing heavy (LightGBM, pandas models) is
imported or trained here: workers import that lazily inside tasks."""
import os

from celery.signals import worker_ready
from kombu import Queue
from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings.dev")
# OpenMP threads sleep instead of spinning between LightGBM iterations: on a
# busy 2-core box spinning made fits ~9x slower. Must be set before OpenMP loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

app = TenantAwareCeleryApp("saas", include=["demo.tasks", "saas.fanout"])
app.config_from_object("django.conf:settings", namespace="CELERY")
# queues: "ingest" (uploads), "ml" (training, forecasting), "default" (housekeeping)
app.conf.task_queues = [Queue("default"), Queue("ml"), Queue("ingest")]
app.autodiscover_tasks()


@worker_ready.connect
def _recover_orphaned_jobs(sender=None, **kwargs):
    """A restarted worker re-queues the jobs a dead one left running. Checked
    again shortly after, in case PostgreSQL has not yet ended the dead
    worker's session (which frees its job locks)."""
    for countdown in (0, 10, 30):
        sender.app.send_task("forecasting.tasks.recover_jobs", countdown=countdown)


# log context, task metrics and Sentry tags for every task (signal handlers)
from saas.observability import celery_signals  # noqa: E402,F401
