"""What the worker stores after every job that can change the data or the
served run (upload, training, refresh, evaluation), so pages only read: the
Stores, Departments and Dashboard figures (figures.py) and the Insights
snapshot (insights.py). Only after a job that succeeded; a failure here is
logged and never fails the job (pages compute or say "being computed" until
the next refresh)."""
from __future__ import annotations

import logging

from forecasting.services.figures import figures_snapshot_write
from forecasting.services.insights import insights_snapshot_write
from jobs.models import Job

log = logging.getLogger(__name__)

WRITERS = (figures_snapshot_write, insights_snapshot_write)


def snapshots_after_job(*, job_id: int) -> None:
    if not Job.objects.filter(pk=job_id, status=Job.Status.SUCCEEDED).exists():
        return
    for write in WRITERS:
        try:
            write()
        except Exception:  # noqa: BLE001 - one stale snapshot must not fail the job or skip the others
            log.exception("%s after job %s failed", write.__name__, job_id)
