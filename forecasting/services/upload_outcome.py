"""The end of an upload's processing, shared by today's strict reader
(forecasting/services/uploads.py) and the column-mapping reader
(forecasting/services/mapped_uploads.py): ``upload_fail`` records a refusal
(the upload's errors, the audit event, the job failed with its reason);
``upload_load`` writes the rows, the upload's counts, the dataset version and
the audit event in one transaction, or nothing. ``prepare`` (the mapping
reader's) runs first inside that transaction: it turns the retailer's codes
into the catalogue's ids and may refuse the file (``LoadRefused``)."""
from __future__ import annotations

import logging
import time

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import get_tenant_model

from accounts.audit import Actor, audit_record
from billing.metering import usage_count
from billing.services import quota_reserve
from forecasting.models import Upload
from forecasting.selectors.monitoring import sales_last_week
from forecasting.services.catalog import catalog_register
from forecasting.services.evaluation import evaluation_after_upload
from forecasting.services.upload_loading import LoadCounts, load_frame
from jobs.services import job_fail, job_progress, job_succeed
from saas.checkpoints import checkpoint
from saas.errors import QuotaExceeded

logger = logging.getLogger(__name__)


class LoadRefused(Exception):
    """``prepare`` refuses the file: ``errors`` ({line, column, value, reason}) and their count."""

    def __init__(self, errors: list[dict], count: int | None = None):
        super().__init__(errors[0]["reason"] if errors else "refused")
        self.errors, self.count = errors, count if count is not None else len(errors)


def upload_fail(upload: Upload, *, actor: Actor, errors: list, error_count: int, warnings: list, rows_total: int,
                stats: dict, kind: str, reason: str) -> None:
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.FAILED, kind=kind or upload.kind, errors=errors, error_count=error_count,
            warnings=warnings, rows_total=rows_total, rejected=rows_total, inserted=0, updated=0, unchanged=0,
            stats=stats, finished_at=timezone.now())
        audit_record(action="upload.failed", actor=actor, target_type="upload", target_id=upload.pk,
                     payload={"filename": upload.original_filename, "error_count": error_count, "reason": reason})
    if upload.job_id:
        job_fail(job_id=upload.job_id, error=reason, message=f"Rejected: {reason}"[:300],
                 result={"upload": upload.pk, "error_count": error_count})


def upload_load(upload: Upload, *, actor: Actor, result, started: float, parse_seconds: float,
                prepare=None) -> Upload:
    """Load a validated ``result`` (kind, frame, rows_total, warnings, stats) and finish the job."""
    job_id = upload.job_id
    if job_id:
        job_progress(job_id=job_id, progress=0.5, message=f"Validated {result.rows_total:,} rows; loading"
                     if result.rows_total else "Reading, checking and loading the file")  # a file read in chunks
        checkpoint("loading", job_id=job_id)
    try:
        counts, version = _load_and_record(upload=upload, actor=actor, result=result, prepare=prepare)
    except LoadRefused as exc:  # nothing was written
        upload_fail(upload, actor=actor, errors=exc.errors, error_count=exc.count, warnings=result.warnings,
                    rows_total=result.rows_total, stats=result.stats, kind=result.kind, reason=str(exc))
        upload.refresh_from_db()
        return upload
    except QuotaExceeded as exc:  # nothing was written
        upload_fail(upload, actor=actor, errors=[{"line": None, "column": None, "value": None, "reason": exc.message}],
                    error_count=1, warnings=result.warnings, rows_total=result.rows_total, stats=result.stats,
                    kind=result.kind, reason=exc.message)
        upload.refresh_from_db()
        return upload
    except Exception as exc:
        logger.exception("loading upload %s failed", upload.pk)
        upload_fail(upload, actor=actor, errors=[{"line": None, "column": None, "value": None,
                                                  "reason": "the database rejected the load; nothing was written"}],
                    error_count=1, warnings=result.warnings, rows_total=result.rows_total, stats=result.stats,
                    kind=result.kind, reason=f"load failed: {type(exc).__name__}")
        upload.refresh_from_db()
        return upload
    total_seconds = time.monotonic() - started
    if job_id:
        checkpoint("loaded", job_id=job_id)  # committed, the job not finished yet (a worker may die here)
        job_succeed(job_id=job_id, message=f"Loaded {result.rows_total:,} rows",
                    result={"upload": upload.pk, "kind": result.kind, "inserted": counts.inserted,
                            "updated": counts.updated, "unchanged": counts.unchanged,
                            "dataset_version": version, "parse_seconds": round(parse_seconds, 3),
                            "seconds": round(total_seconds, 3)})
    upload.refresh_from_db()
    return upload



def _load_and_record(*, upload: Upload, actor: Actor, result, prepare=None) -> tuple[LoadCounts, int]:
    """One transaction: the rows, the upload's counts, the dataset version and
    the audit event commit together or not at all."""
    with transaction.atomic():
        previous_end = sales_last_week() if result.kind == "sales" else None
        prepared = prepare(result) if prepare is not None else None  # a LoadCounts: it wrote the rows itself
        counts = prepared or load_frame(kind=result.kind, frame=result.frame)
        if result.kind in ("sales", "features", "stores"):  # its stores and departments as locations and items
            catalog_register(kind=result.kind, frame=result.frame)
        if counts.inserted and result.kind in ("sales", "features", "covariates"):  # every stored row counts
            quota_reserve(limit="stored_rows", amount=counts.inserted, written=True)  # else all rolls back
        changed = counts.inserted + counts.updated > 0
        version = None
        tenant, Tenant = connection.tenant, get_tenant_model()
        if changed:
            Tenant.objects.filter(pk=tenant.pk).update(dataset_version=F("dataset_version") + 1)
            version = Tenant.objects.values_list("dataset_version", flat=True).get(pk=tenant.pk)
        else:
            version = Tenant.objects.values_list("dataset_version", flat=True).get(pk=tenant.pk)
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.SUCCEEDED, kind=result.kind, rows_total=result.rows_total,
            inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged, rejected=0,
            errors=[], error_count=0, warnings=result.warnings, stats=result.stats, dataset_version=version,
            finished_at=timezone.now())
        audit_record(action="upload.succeeded", actor=actor, target_type="upload", target_id=upload.pk,
                     payload={"filename": upload.original_filename, "kind": result.kind,
                              "rows": result.rows_total, "inserted": counts.inserted, "updated": counts.updated,
                              "unchanged": counts.unchanged, "dataset_version": version})
        transaction.on_commit(lambda: usage_count(counts={"rows_ingested": result.rows_total}))
        if result.kind == "sales" and counts.inserted:  # new weeks: score stored forecasts, drift report
            evaluation_after_upload(upload=upload, previous_end=previous_end)
    return counts, version
