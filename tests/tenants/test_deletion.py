"""Workspace deletion: an owner schedules it, the workspace closes for
everyone else at once, owners can cancel during the grace period, and after
it beat's purge drops the schema, the files and the rows."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import add_member, api_client, in_tenant, provision, web_client


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _schema_exists(schema: str) -> bool:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        return cur.fetchone() is not None


def test_owner_schedules_then_cancels_deletion(db_access):
    from django.core import mail

    from accounts.models import AuditEvent
    from tenants.models import PlatformEvent, Tenant

    t = provision("del")
    owner = api_client(t, user=_owner(t))
    admin = api_client(t, user=add_member(t, "admin"))
    analyst_user = add_member(t, "analyst")

    # only owners, and only with the right short name
    assert admin.post("/api/v1/workspace/deletion/", {"confirm": t.slug}, format="json").status_code == 403
    wrong = owner.post("/api/v1/workspace/deletion/", {"confirm": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["details"]["confirm"]
    assert Tenant.objects.get(slug=t.slug).status == "active"

    mail.outbox = []
    resp = owner.post("/api/v1/workspace/deletion/", {"confirm": t.slug.upper()}, format="json")
    assert resp.status_code == 202, resp.content
    body = resp.json()
    assert body["status"] == "deleting" and body["deletion_requested_by"] == t.owner_email
    tenant = Tenant.objects.get(slug=t.slug)
    assert abs((tenant.deletion_due_at - tenant.deletion_requested_at) - timedelta(days=30)) < timedelta(seconds=1)
    assert any(t.owner_email in m.to and "deleted on" in m.body for m in mail.outbox)
    assert PlatformEvent.objects.filter(action="tenant.deletion_requested", tenant_slug=t.slug).exists()
    with in_tenant(t):
        assert AuditEvent.objects.filter(action="tenant.deletion_requested").count() == 1

    # closed for everyone else at once, pages and API alike; nothing is deleted yet
    resp = api_client(t, key=t.admin_key).get("/api/v1/me/")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "tenant_pending_deletion"
    page = web_client(t, user=analyst_user).get("/")
    assert page.status_code == 403 and b"scheduled for deletion" in page.content
    assert web_client(t).get("/accounts/login/").status_code == 200  # owners can still sign in
    assert web_client(t, user=analyst_user).get("/settings/workspace/").status_code == 403
    assert _schema_exists(t.schema)
    assert owner.post("/api/v1/workspace/deletion/", {"confirm": t.slug}, format="json").status_code == 409

    # an owner cancels from the workspace page
    page = web_client(t, user=_owner(t))
    assert b"Cancel the deletion" in page.get("/settings/workspace/").content
    assert page.post("/settings/workspace/", {"action": "cancel"}).status_code == 302
    tenant.refresh_from_db()
    assert tenant.status == "active" and tenant.deletion_due_at is None
    assert api_client(t, key=t.admin_key).get("/api/v1/me/").status_code == 200
    with in_tenant(t):
        assert AuditEvent.objects.filter(action="tenant.deletion_cancelled").count() == 1


def test_purge_drops_schema_files_and_rows_only_when_due(db_access):
    from django.conf import settings

    from saas.storage import tenant_path
    from tenants.deletion import tenants_purge_due
    from tenants.models import Domain, PlatformEvent, Tenant

    t, keep = provision("purge"), provision("keep")
    for x in (t, keep):
        tenant_path("uploads", "probe.txt", schema_name=x.schema).write_text("data")
    resp = web_client(t, user=_owner(t)).post("/settings/workspace/", {"action": "delete", "confirm": t.slug})
    assert resp.status_code == 302
    assert Tenant.objects.get(slug=t.slug).status == "deleting"

    # not due yet: nothing happens (other tests' workspaces may be due; only ours is asserted)
    assert t.slug not in tenants_purge_due()
    assert _schema_exists(t.schema)

    later = timezone.now() + timedelta(days=30, minutes=1)
    purged = tenants_purge_due(now=later)
    assert t.slug in purged and keep.slug not in purged
    assert not _schema_exists(t.schema)
    assert not Tenant.objects.filter(slug=t.slug).exists() and not Domain.objects.filter(tenant__slug=t.slug).exists()
    assert not (Path(settings.MEDIA_ROOT) / "tenants" / t.schema).exists()
    event = PlatformEvent.objects.get(action="tenant.purged", tenant_slug=t.slug)
    assert event.payload["schema"] == t.schema and event.payload["requested_by"] == t.owner_email
    # the other tenant is untouched
    assert _schema_exists(keep.schema)
    assert (Path(settings.MEDIA_ROOT) / "tenants" / keep.schema / "uploads" / "probe.txt").read_text() == "data"
    assert api_client(keep, key=keep.admin_key).get("/api/v1/me/").status_code == 200
    # and the unknown host now answers 404
    assert api_client(t).get("/api/v1/me/").status_code == 404


def test_purge_is_scheduled_by_beat():
    from django.conf import settings

    entry = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "tenants.tasks.purge_deleted_tenants"]
    assert entry and entry[0]["schedule"] <= 24 * 3600
    from saas.celery import app

    app.loader.import_default_modules()
    assert "tenants.tasks.purge_deleted_tenants" in app.tasks


@pytest.mark.parametrize("slug", ["public", "tenant-template"])
def test_purge_refuses_platform_schemas(db_access, slug):
    from tenants.deletion import tenant_purge
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=slug)
    with pytest.raises(RuntimeError):
        tenant_purge(tenant=tenant)
