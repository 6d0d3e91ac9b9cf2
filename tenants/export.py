"""An owner downloads all of the workspace's data as one ZIP archive, built by
a job: sales, covariates (store weeks), stores, uploads, models' metadata,
every forecast run with its points, members (without secrets), API keys
(prefixes only) and the audit log, with a manifest. Files are written under
the tenant's own folder (``exports/``) and served only to its owners. Each
app contributes its own files (saas/exports.py): forecasting's data
(forecasting/exports.py), and here the members, API keys and audit log."""
from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import Actor, audit_record
from accounts.models import ApiKey, AuditEvent, User
from accounts.roles import Role
from jobs.models import Job
from jobs.services import job_create, job_enqueue, job_run, job_succeed
from saas.errors import Forbidden, NotFound
from saas.exports import ExportPart, export_csv, export_parts, export_values
from saas.storage import tenant_dir

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
def _members(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "members.csv", ["id", "email", "role", "is_active", "date_joined"],
                      export_values(User.objects.order_by("pk"), ["pk", "email", "role", "is_active", "date_joined"]))


def _api_keys(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "api_keys.csv", ["id", "name", "prefix", "role", "created_at", "revoked_at"],
                      export_values(ApiKey.objects.order_by("pk"),
                                    ["pk", "name", "prefix", "role", "created_at", "revoked_at"]))


def _audit_log(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "audit_log.csv", ["id", "created_at", "action", "actor", "ip", "request_id",
                                            "target_type", "target_id", "payload"],
                      ([e.pk, e.created_at.isoformat(), e.action, e.actor_label, e.ip, e.request_id,
                        e.target_type, e.target_id, json.dumps(e.payload, sort_keys=True)]
                       for e in AuditEvent.objects.order_by("pk").iterator(chunk_size=5000)))


MEMBER_PARTS = [  # TenantsConfig.export_parts
    ExportPart("members.csv", 70, _members),
    ExportPart("api_keys.csv", 80, _api_keys),
    ExportPart("audit_log.csv", 90, _audit_log),
]


def workspace_export_run(*, job_id: int) -> None:
    job_run(job_id, admit="Writing the archive", work=_export, failed="Export failed", reraise=True)


def _export(job: Job) -> None:
    folder = tenant_dir("exports")
    name = f"export-{connection.schema_name}-{timezone.now():%Y%m%d-%H%M%S}-{job.pk}.zip"
    partial = folder / (name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            counts = {part.name: part.write(zf) for part in export_parts()}
            zf.writestr("manifest.json", json.dumps({
                "format": FORMAT, "workspace": connection.tenant.slug, "name": connection.tenant.name,
                "schema": connection.schema_name, "exported_at": timezone.now().isoformat(), "files": counts,
            }, indent=1))
        partial.replace(folder / name)
    except Exception:
        partial.unlink(missing_ok=True)
        raise  # job_run fails the job, then raises again
    size = (folder / name).stat().st_size
    job_succeed(job_id=job.pk, result={"file": name, "size": size, "files": counts},
                message=f"Archive ready ({size:,} bytes)")
