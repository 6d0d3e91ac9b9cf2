"""Workspace deletion with a grace period.

An owner asks for it (typing the workspace's short name to confirm): the
workspace is closed at once for everyone but its owners, who can cancel until
the due date; then beat's ``purge`` drops the schema, the files and the
tenant's rows, and records that in the platform's log. Nothing is lost before
the due date."""
from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.audit import Actor, audit_record
from accounts.models import User
from accounts.roles import Role
from jobs.recovery import jobs_resume
from saas.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tenants.models import PlatformEvent, Tenant

logger = logging.getLogger(__name__)


def grace_period() -> timedelta:
    return timedelta(days=getattr(settings, "TENANT_DELETION_GRACE_DAYS", 30))


def _require_owner(actor: Actor) -> None:
    if actor.user is None or getattr(actor.user, "role", None) != Role.OWNER or not actor.user.is_active:
        raise Forbidden("Only an owner can delete or restore the workspace.")


def _locked_current_tenant() -> Tenant:
    tenant = Tenant.objects.select_for_update(no_key=True).filter(schema_name=connection.schema_name).first()
    if tenant is None or tenant.schema_name == "public" or tenant.status == Tenant.Status.TEMPLATE:
        raise NotFound("No workspace here.")
    return tenant


def _owner_emails() -> list[str]:
    return list(User.objects.filter(role=Role.OWNER, is_active=True).values_list("email", flat=True))


def tenant_deletion_request(*, actor: Actor, confirm_slug: str) -> Tenant:
    """In the tenant's context: schedule this workspace's deletion."""
    _require_owner(actor)
    with transaction.atomic():
        tenant = _locked_current_tenant()
        if (confirm_slug or "").strip().lower() != tenant.slug:
            raise ValidationFailed("Type the workspace's short name to confirm.",
                                   details={"confirm": [f"Type {tenant.slug!r}."]})
        if tenant.status == Tenant.Status.DELETING:
            raise Conflict(f"The workspace is already scheduled for deletion on {tenant.deletion_due_at:%Y-%m-%d}.")
        if tenant.status != Tenant.Status.ACTIVE:
            raise Conflict("Only an active workspace can be deleted; contact support.")
        now = timezone.now()
        tenant.status = Tenant.Status.DELETING
        tenant.deletion_requested_at = now
        tenant.deletion_due_at = now + grace_period()
        tenant.deletion_requested_by = actor.label
        tenant.save(update_fields=["status", "deletion_requested_at", "deletion_due_at", "deletion_requested_by"])
        connection.tenant = tenant
        audit_record(action="tenant.deletion_requested", actor=actor, target_type="tenant", target_id=tenant.slug,
                     payload={"due": tenant.deletion_due_at.isoformat()})
        PlatformEvent.objects.create(action="tenant.deletion_requested", tenant_slug=tenant.slug,
                                     actor_label=actor.label, payload={"due": tenant.deletion_due_at.isoformat()})
        recipients, due, url = _owner_emails(), tenant.deletion_due_at, tenant.url
        transaction.on_commit(lambda: send_mail(
            f"{tenant.brand_name}: workspace scheduled for deletion",
            f"{actor.label} asked to delete the workspace {tenant.brand_name}. All its data will be deleted on "
            f"{due:%Y-%m-%d %H:%M} UTC. Until then an owner can cancel at {url}settings/workspace/ .",
            None, recipients, fail_silently=True))
    return tenant


def tenant_deletion_cancel(*, actor: Actor) -> Tenant:
    _require_owner(actor)
    with transaction.atomic():
        tenant = _locked_current_tenant()
        if tenant.status != Tenant.Status.DELETING:
            raise Conflict("The workspace is not scheduled for deletion.")
        due = tenant.deletion_due_at
        tenant.status = Tenant.Status.ACTIVE
        tenant.deletion_requested_at = tenant.deletion_due_at = None
        tenant.deletion_requested_by = ""
        tenant.save(update_fields=["status", "deletion_requested_at", "deletion_due_at", "deletion_requested_by"])
        connection.tenant = tenant
        audit_record(action="tenant.deletion_cancelled", actor=actor, target_type="tenant", target_id=tenant.slug,
                     payload={"was_due": due.isoformat() if due else None})
        PlatformEvent.objects.create(action="tenant.deletion_cancelled", tenant_slug=tenant.slug,
                                     actor_label=actor.label)
        transaction.on_commit(jobs_resume)  # jobs that waited during the grace period
    return tenant


def tenant_purge(*, tenant: Tenant) -> None:
    """Drops one tenant for good: its schema, its files, its rows."""
    schema, slug = tenant.schema_name, tenant.slug
    if schema in ("public", settings.TENANT_BASE_SCHEMA) or not schema.startswith("t_"):
        raise RuntimeError(f"refusing to purge schema {schema!r}")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status != Tenant.Status.DELETING:
            return  # cancelled meanwhile
        connection.set_schema_to_public()
        with connection.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema)} CASCADE")
        locked.delete()  # auto_drop_schema is off: the schema went above, in this transaction
        PlatformEvent.objects.create(action="tenant.purged", tenant_slug=slug, payload={
            "schema": schema, "requested_by": locked.deletion_requested_by,
            "requested_at": locked.deletion_requested_at.isoformat() if locked.deletion_requested_at else None})
        transaction.on_commit(lambda: shutil.rmtree(Path(settings.MEDIA_ROOT) / "tenants" / schema,
                                                    ignore_errors=True))
    logger.warning("purged tenant %s (schema %s)", slug, schema)


def tenants_purge_due(*, now=None) -> list[str]:
    """Beat: purge every workspace whose grace period is over."""
    now = now or timezone.now()
    due = list(Tenant.objects.filter(status=Tenant.Status.DELETING, deletion_due_at__lte=now))
    purged = []
    for tenant in due:
        try:
            with schema_context("public"):
                tenant_purge(tenant=tenant)
        except Exception:  # one workspace's failure must not hold up the others; retried next run
            logger.exception("purge of workspace %s failed", tenant.slug)
            continue
        purged.append(tenant.slug)
    return purged
