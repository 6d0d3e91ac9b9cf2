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

from accounts.audit import Actor, audit_record
from billing.selectors import current_limits
from billing.services import quota_reserve
from forecasting.ingest.mapping.route import LEGACY, MAPPED, SAMPLE_BYTES, route
from forecasting.ingest.parsing import ParseLimits, parse_upload
from forecasting.models import Upload
from forecasting.services.mapped_uploads import file_start, layout_save, mapped_process, mapping_check
from forecasting.services.upload_outcome import upload_fail, upload_load
from forecasting.services.upload_scope import out_of_scope_errors, upload_scope
from jobs.models import Job
from jobs.services import Done, job_create, job_enqueue, job_fail, job_run, job_succeed
from saas.errors import ValidationFailed
from saas.files import file_chunks
from saas.storage import tenant_path

logger = logging.getLogger(__name__)

KINDS = ("sales", "features", "stores")


def _safe_name(name: str) -> str:
    name = (name or "upload.csv").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "upload.csv"
    return name[:120]


def upload_create(*, actor: Actor, file, filename: str, kind: str | None = None,
                  mapping: dict | None = None) -> Upload:
    """Store the uploaded file under the tenant's folder and queue its ingestion. ``mapping``: the
    columns' roles (forecasting/ingest/mapping/roles.py), checked against the file's header at once
    (400 naming each bad field) and saved as the workspace's layout for that header."""
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
        checked = header = None
        if mapping is not None:
            checked, header = mapping_check(mapping, raw=file_start(str(dest)))
        with transaction.atomic():
            quota_reserve(limit="storage_bytes", amount=written)
            job = job_create(actor=actor, kind=Job.Kind.INGEST, params={"kind": kind, "mapping": bool(checked)},
                             message="Queued")
            layout = None
            if checked is not None:
                layout = layout_save(header=header, mapping=checked, actor=actor)
            upload = Upload.objects.create(
                kind=kind or "", requested_kind=kind or "", original_filename=(filename or "upload.csv")[:255],
                size=written, sha256=digest.hexdigest(), file_path=str(dest), job=job,
                created_by=actor.user, created_by_key=actor.api_key,
                mapping=checked.as_json() if checked else {}, layout=f"saved:{layout.pk}" if layout else "")
            audit_record(action="upload.create", actor=actor, target_type="upload", target_id=upload.pk,
                         payload={"filename": upload.original_filename, "size": written, "sha256": upload.sha256,
                                  "kind": kind})
            job_enqueue(job)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return upload


def _route(upload: Upload) -> str:
    """Today's strict reader or the column mapping, from the file's first bytes."""
    try:
        with open(upload.file_path, "rb") as fh:
            return route(fh.read(SAMPLE_BYTES))
    except OSError:
        return LEGACY  # the strict reader reports the missing file


def tenant_weekday() -> int | None:
    """The weekday (0=Mon) of the tenant's week-ending dates, if it has data."""
    with connection.cursor() as cur:
        for table in ("forecasting_salesrecord", "forecasting_storeweek"):
            cur.execute(f"SELECT EXTRACT(ISODOW FROM date)::int FROM {table} LIMIT 1")
            row = cur.fetchone()
            if row:
                return row[0] - 1
    return None


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
    """Nothing to load: the upload is gone, or it was loaded (or refused, or stopped for its mapping)
    before, e.g. committed just before its worker died. The job is finished as that run would have
    finished it, so a redelivered or re-sent task never leaves it queued."""
    upload = _upload_of(job)
    if upload is None:
        job_fail(job_id=job.pk, error="the upload was deleted", message="Rejected: the upload was deleted")
        return Done(None)
    if upload.status == Upload.Status.SUCCEEDED:
        job_succeed(job_id=job.pk, message=f"Loaded {upload.rows_total:,} rows",
                    result={"upload": upload.pk, "kind": upload.kind, "inserted": upload.inserted,
                            "updated": upload.updated, "unchanged": upload.unchanged,
                            "dataset_version": upload.dataset_version})
    elif upload.status == Upload.Status.FAILED:
        reason = upload.errors[0]["reason"] if upload.errors else "invalid file"
        job_fail(job_id=job.pk, error=reason, message=f"Rejected: {reason}"[:300],
                 result={"upload": upload.pk, "error_count": upload.error_count})
    elif upload.status == Upload.Status.NEEDS_MAPPING:
        job_succeed(job_id=job.pk, message="Needs its column mapping: confirm it on the Data page",
                    result={"upload": upload.pk, "status": upload.status, "kind": upload.kind})
    else:
        return None
    return Done(upload)


def _process_locked(upload: Upload) -> Upload:
    actor = upload.actor
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.RUNNING)
    plan = current_limits()
    limits = ParseLimits(max_bytes=plan.max_upload_bytes, max_decompressed_bytes=4 * plan.max_upload_bytes,
                         max_rows=plan.max_upload_rows)
    started = time.monotonic()
    try:
        if upload.mapping or (not upload.requested_kind and _route(upload) == MAPPED):
            return mapped_process(upload, actor=actor, limits=limits, started=started)
        result = parse_upload(upload.file_path, filename=upload.original_filename,
                              kind=upload.requested_kind or None, limits=limits, weekday=tenant_weekday())
    except Exception as exc:  # a bug in a reader must not leave the job running
        logger.exception("reading upload %s crashed", upload.pk)
        upload_fail(upload, actor=actor, errors=[{"line": None, "column": None, "value": None,
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
        upload_fail(upload, actor=actor, errors=result.errors, error_count=result.error_count,
                    warnings=result.warnings, rows_total=result.rows_total, stats=result.stats,
                    kind=result.kind or "", reason=result.errors[0]["reason"] if result.errors else "invalid file")
        upload.refresh_from_db()
        return upload
    return upload_load(upload, actor=actor, result=result, started=started, parse_seconds=parse_seconds)
