"""An owner downloads all of the workspace's data as one ZIP archive, built by
a job: sales, covariates (store weeks), stores, uploads, models' metadata,
every forecast run with its points, members (without secrets), API keys
(prefixes only) and the audit log, with a manifest. Files are written under
the tenant's own folder (``exports/``) and served only to its owners."""
from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import Actor, audit_record
from accounts.roles import Role
from forecasting.models import Job
from forecasting.services.jobs import job_admit, job_claimed, job_create, job_enqueue, job_fail, job_succeed
from forecasting.storage import tenant_dir
from saas.csv_safe import csv_writer
from saas.errors import Forbidden, NotFound

logger = logging.getLogger(__name__)
FORMAT = 1


def _require_owner(actor: Actor) -> None:
    if actor.user is None or getattr(actor.user, "role", None) != Role.OWNER:
        raise Forbidden("Only an owner can export the workspace's data.")


def workspace_export_start(*, actor: Actor) -> Job:
    _require_owner(actor)
    with transaction.atomic():
        job = job_create(actor=actor, kind=Job.Kind.EXPORT, message="Queued")
        audit_record(action="tenant.export_requested", actor=actor, target_type="job", target_id=job.pk)
        job_enqueue(job)
    return job


def export_file(job: Job) -> Path:
    """The finished archive of an export job of this tenant (404 otherwise)."""
    name = (job.result or {}).get("file") if job.kind == Job.Kind.EXPORT else None
    if job.status != Job.Status.SUCCEEDED or not name:
        raise NotFound("This export is not ready.")
    path = tenant_dir("exports") / Path(name).name
    if not path.is_file():
        raise NotFound("This export's file is gone; start a new export.")
    return path


def workspace_export_download(*, actor: Actor, job_id: int) -> Path:
    """The archive of a finished export of this tenant, for an owner; the
    download is audited."""
    _require_owner(actor)
    job = Job.objects.filter(kind=Job.Kind.EXPORT, pk=job_id).first()
    if job is None:
        raise NotFound("No such export.")
    path = export_file(job)
    audit_record(action="tenant.export_downloaded", actor=actor, target_type="job", target_id=job.pk)
    return path


# ---------------------------------------------------------------- worker side
def _csv(zf: zipfile.ZipFile, name: str, header: list[str], rows) -> int:
    count = 0
    with zf.open(name, "w", force_zip64=True) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _tables(zf: zipfile.ZipFile) -> dict[str, int]:
    from accounts.models import ApiKey, AuditEvent, User
    from forecasting.models import ForecastPoint, ForecastRun, ModelVersion, SalesRecord, Store, StoreWeek, Upload

    def values(qs, fields):
        return (list(r) for r in qs.values_list(*fields).iterator(chunk_size=5000))

    cov = ["store", "date", "temperature", "fuel_price", "markdown1", "markdown2", "markdown3", "markdown4",
           "markdown5", "cpi", "unemployment", "is_holiday"]
    counts = {
        "stores.csv": _csv(zf, "stores.csv", ["store", "type", "size", "name", "latitude", "longitude"],
                           values(Store.objects.order_by("number"),
                                  ["number", "type", "size", "name", "latitude", "longitude"])),
        "sales.csv": _csv(zf, "sales.csv", ["store", "dept", "date", "sales", "is_holiday"],
                          values(SalesRecord.objects.order_by("store", "dept", "date"),
                                 ["store", "dept", "date", "sales", "is_holiday"])),
        "covariates.csv": _csv(zf, "covariates.csv", cov, values(StoreWeek.objects.order_by("store", "date"), cov)),
        "uploads.csv": _csv(zf, "uploads.csv", ["id", "kind", "filename", "size", "sha256", "status", "rows",
                                                "inserted", "updated", "unchanged", "error_count", "created_at"],
                            ([u.pk, u.kind, u.original_filename, u.size, u.sha256, u.status,
                              u.rows_total, u.inserted, u.updated, u.unchanged, u.error_count,
                              u.created_at.isoformat()] for u in Upload.objects.order_by("pk"))),
        "forecast_runs.csv": _csv(zf, "forecast_runs.csv", ["run", "model_version", "origin", "horizon", "series",
                                                            "created_at"],
                                  ([r.pk, r.model_version.number, r.origin, r.horizon, r.series,
                                    r.created_at.isoformat()]
                                   for r in ForecastRun.objects.select_related("model_version").order_by("pk"))),
        "forecast_points.csv": _csv(zf, "forecast_points.csv", ["run", "store", "dept", "date", "forecast", "lo80",
                                                                "hi80", "lo95", "hi95", "pooled"],
                                    values(ForecastPoint.objects.order_by("run_id", "store", "dept", "date"),
                                           ["run_id", "store", "dept", "date", "forecast", "lo80", "hi80", "lo95",
                                            "hi95", "pooled"])),
        "members.csv": _csv(zf, "members.csv", ["id", "email", "role", "is_active", "date_joined"],
                            values(User.objects.order_by("pk"), ["pk", "email", "role", "is_active", "date_joined"])),
        "api_keys.csv": _csv(zf, "api_keys.csv", ["id", "name", "prefix", "role", "created_at", "revoked_at"],
                             values(ApiKey.objects.order_by("pk"),
                                    ["pk", "name", "prefix", "role", "created_at", "revoked_at"])),
        "audit_log.csv": _csv(zf, "audit_log.csv", ["id", "created_at", "action", "actor", "ip", "request_id",
                                                    "target_type", "target_id", "payload"],
                              ([e.pk, e.created_at.isoformat(), e.action, e.actor_label, e.ip, e.request_id,
                                e.target_type, e.target_id, json.dumps(e.payload, sort_keys=True)]
                               for e in AuditEvent.objects.order_by("pk").iterator(chunk_size=5000))),
    }
    models = [{"number": v.number, "status": v.status, "chosen": v.chosen, "reason": v.reason,
               "horizon": v.horizon, "backtest_windows": v.backtest_windows, "metrics": v.metrics,
               "backtest": v.backtest, "importance": v.importance, "params": v.params,
               "dataset_version": v.dataset_version, "data_end": v.data_end.isoformat() if v.data_end else None,
               "artifact_sha256": v.artifact_sha256, "created_at": v.created_at.isoformat()}
              for v in ModelVersion.objects.order_by("number")]
    zf.writestr("models.json", json.dumps(models, indent=1, default=str))
    counts["models.json"] = len(models)
    return counts


def workspace_export_run(*, job_id: int) -> None:
    with job_claimed(job_id) as job:
        if job is None or not job_admit(job=job, message="Writing the archive"):
            return
        folder = tenant_dir("exports")
        name = f"export-{connection.schema_name}-{timezone.now():%Y%m%d-%H%M%S}-{job_id}.zip"
        partial = folder / (name + ".partial")
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                counts = _tables(zf)
                zf.writestr("manifest.json", json.dumps({
                    "format": FORMAT, "workspace": connection.tenant.slug, "name": connection.tenant.name,
                    "schema": connection.schema_name, "exported_at": timezone.now().isoformat(), "files": counts,
                }, indent=1))
            partial.replace(folder / name)
        except Exception as exc:
            partial.unlink(missing_ok=True)
            logger.exception("export job %s failed", job_id)
            job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}", message="Export failed")
            raise
        size = (folder / name).stat().st_size
        job_succeed(job_id=job_id, result={"file": name, "size": size, "files": counts},
                    message=f"Archive ready ({size:,} bytes)")
