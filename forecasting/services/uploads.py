"""Upload ingestion: store the file, queue it, then parse, validate, stage
and upsert it in ONE transaction (strict and atomic: any invalid row and
nothing is written)."""
from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import get_tenant_model

from accounts.audit import Actor, audit_record
from billing.metering import usage_count
from billing.selectors import current_limits
from billing.services import quota_reserve
from forecasting.ingest.parsing import ParseLimits, parse_upload
from forecasting.models import Upload
from forecasting.selectors.monitoring import sales_last_week
from forecasting.services.catalog import catalog_register
from forecasting.services.evaluation import evaluation_after_upload
from forecasting.services.upload_loading import LoadCounts, load_frame
from forecasting.services.upload_scope import out_of_scope_errors, upload_scope
from jobs.models import Job
from jobs.services import Done, job_create, job_enqueue, job_fail, job_progress, job_run, job_succeed
from saas.checkpoints import checkpoint
from saas.errors import QuotaExceeded, ValidationFailed
from saas.files import file_chunks
from saas.storage import tenant_path

logger = logging.getLogger(__name__)

KINDS = ("sales", "features", "stores")


def _safe_name(name: str) -> str:
    name = (name or "upload.csv").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "upload.csv"
    return name[:120]


def upload_create(*, actor: Actor, file, filename: str, kind: str | None = None) -> Upload:
    """Store the uploaded file under the tenant's folder and queue its ingestion."""
    if kind in ("", None):
        kind = None
    elif kind not in KINDS:
        raise ValidationFailed(f"Unknown kind {kind!r}.", details={"kind": [f"One of {', '.join(KINDS)}."]})
    chunks = file_chunks(file)  # 413 quota_exceeded before reading a byte, and while reading (saas/files.py)
    dest = tenant_path("uploads", f"{uuid.uuid4().hex}-{_safe_name(filename)}")
    digest = hashlib.sha256()
    written = 0
    try:
        with open(dest, "wb") as out:
            for chunk in chunks:
                written += len(chunk)
                digest.update(chunk)
                out.write(chunk)
        with transaction.atomic():
            quota_reserve(limit="storage_bytes", amount=written)
            job = job_create(actor=actor, kind=Job.Kind.INGEST, params={"kind": kind}, message="Queued")
            upload = Upload.objects.create(
                kind=kind or "", requested_kind=kind or "", original_filename=(filename or "upload.csv")[:255],
                size=written, sha256=digest.hexdigest(), file_path=str(dest), job=job,
                created_by=actor.user, created_by_key=actor.api_key)
            audit_record(action="upload.create", actor=actor, target_type="upload", target_id=upload.pk,
                         payload={"filename": upload.original_filename, "size": written, "sha256": upload.sha256,
                                  "kind": kind})
            job_enqueue(job)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return upload


def tenant_weekday() -> int | None:
    """The weekday (0=Mon) of the tenant's week-ending dates, if it has data."""
    with connection.cursor() as cur:
        for table in ("forecasting_salesrecord", "forecasting_storeweek"):
            cur.execute(f"SELECT EXTRACT(ISODOW FROM date)::int FROM {table} LIMIT 1")
            row = cur.fetchone()
            if row:
                return row[0] - 1
    return None


def _fail(upload: Upload, *, actor: Actor, errors: list, error_count: int, warnings: list, rows_total: int,
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


def upload_process(*, job_id: int) -> Upload | None:
    """Parse, validate and load the upload of ingest job ``job_id``, under
    the job's lock. Idempotent: a finished upload is left as it is (a
    redelivered task is harmless). Failures are the upload's own (``_fail``:
    the job fails with the upload's reason)."""
    return job_run(job_id, admit="Reading file", done=_loaded_before,
                   work=lambda job: _process_locked(_upload_of(job)))


def _upload_of(job) -> Upload | None:
    return Upload.objects.select_related("created_by", "created_by_key", "job").filter(job_id=job.pk).first()


def _loaded_before(job) -> Done[Upload] | None:
    """Nothing to load: the upload is gone, or it was loaded (or refused) before."""
    upload = _upload_of(job)
    if upload is None or upload.status in (Upload.Status.SUCCEEDED, Upload.Status.FAILED):
        return Done(upload)
    return None


def _process_locked(upload: Upload) -> Upload:
    actor = upload.actor
    job_id = upload.job_id
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.RUNNING)
    plan = current_limits()
    limits = ParseLimits(max_bytes=plan.max_upload_bytes, max_decompressed_bytes=4 * plan.max_upload_bytes,
                         max_rows=plan.max_upload_rows)
    started = time.monotonic()
    try:
        result = parse_upload(upload.file_path, filename=upload.original_filename,
                              kind=upload.requested_kind or None, limits=limits, weekday=tenant_weekday())
    except Exception as exc:  # a bug in the parser must not leave the job running
        logger.exception("parser crashed on upload %s", upload.pk)
        _fail(upload, actor=actor, errors=[{"line": None, "column": None, "value": None,
                                            "reason": "internal error while reading the file"}],
              error_count=1, warnings=[], rows_total=0, stats={}, kind=upload.kind,
              reason=f"internal error: {type(exc).__name__}")
        raise
    parse_seconds = time.monotonic() - started
    if result.ok:  # a store-restricted sender: rows of other stores refuse the whole file
        scope_errors, scope_count = out_of_scope_errors(scope=upload_scope(upload), result=result)
        if scope_count:
            result.ok, result.errors, result.error_count = False, scope_errors, scope_count
    if not result.ok:
        _fail(upload, actor=actor, errors=result.errors, error_count=result.error_count, warnings=result.warnings,
              rows_total=result.rows_total, stats=result.stats, kind=result.kind or "",
              reason=result.errors[0]["reason"] if result.errors else "invalid file")
        upload.refresh_from_db()
        return upload
    if job_id:
        job_progress(job_id=job_id, progress=0.5, message=f"Validated {result.rows_total:,} rows; loading")
        checkpoint("loading", job_id=job_id)
    try:
        counts, version = _load_and_record(upload=upload, actor=actor, result=result)
    except QuotaExceeded as exc:  # nothing was written
        _fail(upload, actor=actor, errors=[{"line": None, "column": None, "value": None, "reason": exc.message}],
              error_count=1, warnings=result.warnings, rows_total=result.rows_total, stats=result.stats,
              kind=result.kind, reason=exc.message)
        upload.refresh_from_db()
        return upload
    except Exception as exc:
        logger.exception("loading upload %s failed", upload.pk)
        _fail(upload, actor=actor, errors=[{"line": None, "column": None, "value": None,
                                            "reason": "the database rejected the load; nothing was written"}],
              error_count=1, warnings=result.warnings, rows_total=result.rows_total, stats=result.stats,
              kind=result.kind, reason=f"load failed: {type(exc).__name__}")
        upload.refresh_from_db()
        return upload
    total_seconds = time.monotonic() - started
    if job_id:
        job_succeed(job_id=job_id, message=f"Loaded {result.rows_total:,} rows",
                    result={"upload": upload.pk, "kind": result.kind, "inserted": counts.inserted,
                            "updated": counts.updated, "unchanged": counts.unchanged,
                            "dataset_version": version, "parse_seconds": round(parse_seconds, 3),
                            "seconds": round(total_seconds, 3)})
    upload.refresh_from_db()
    return upload


def _load_and_record(*, upload: Upload, actor: Actor, result) -> tuple[LoadCounts, int]:
    """One transaction: the rows, the upload's counts, the dataset version and
    the audit event commit together or not at all."""
    with transaction.atomic():
        previous_end = sales_last_week() if result.kind == "sales" else None
        counts = load_frame(kind=result.kind, frame=result.frame)
        catalog_register(kind=result.kind, frame=result.frame)  # its stores and departments as locations and items
        if counts.inserted and result.kind in ("sales", "features"):
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
