"""Operators back up one tenant and restore it under a new short name
(pg_dump/pg_restore through a scratch database); a failed restore leaves
nothing behind."""
from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import api_client, in_tenant, provision, unique_slug
from tests.support.data import upload

pytestmark = pytest.mark.worker

SALES = (b"Store,Dept,Date,Weekly_Sales,IsHoliday\n"
         b"1,1,2010-02-05,24924.50,FALSE\n1,1,2010-02-12,46039.49,TRUE\n2,1,2010-02-05,35034.06,FALSE\n")


def _counts(t) -> dict:
    from accounts.models import ApiKey, AuditEvent, User
    from forecasting.models import SalesRecord, Store, Upload

    with in_tenant(t):
        return {m.__name__: m.objects.count() for m in (SalesRecord, Store, Upload, User, ApiKey, AuditEvent)}


def test_backup_then_restore_under_a_new_slug(db_access, celery_worker_proc, tmp_path, monkeypatch):
    from django.conf import settings

    from accounts.models import AuditEvent
    from forecasting.models import SalesRecord, Upload
    from saas.storage import tenant_path
    from tenants.models import PlatformEvent, Tenant

    src = provision("bk")
    assert upload(src, b"Store,Type,Size\n1,A,151315\n2,B,202307\n", "stores.csv")["status"] == "succeeded"
    assert upload(src, SALES, "sales.csv")["status"] == "succeeded"
    artifact = tenant_path("models", "abc.fcm", schema_name=src.schema)
    artifact.write_bytes(b"model-bytes")
    before = _counts(src)

    monkeypatch.setenv("SAAS_BACKUP_SIGNING_KEY", "round-trip-backup-signing-key-0123456789")
    out = tmp_path / "bk.tar"
    call_command("tenant_backup", src.slug, "--out", str(out))
    with tarfile.open(out) as tar:
        assert {"manifest.json", "manifest.sig", "schema.dump", "media.tar"} <= set(tar.getnames())

    new_slug = unique_slug("rs")
    call_command("tenant_restore", str(out), "--slug", new_slug)
    restored = Tenant.objects.get(slug=new_slug)
    assert restored.schema_name != src.schema and restored.plan == src.tenant.plan
    from tests.conftest import T

    dst = T(slug=new_slug, schema=restored.schema_name, host=f"{new_slug}.{settings.SAAS_BASE_DOMAIN}",
            owner_email=src.owner_email, admin_key=src.admin_key, tenant=restored)
    after = _counts(dst)
    assert after == {**before, "AuditEvent": before["AuditEvent"] + 1}
    with in_tenant(src):
        src_sales = sorted(SalesRecord.objects.values_list("store", "dept", "date", "sales"))
    with in_tenant(dst):
        assert sorted(SalesRecord.objects.values_list("store", "dept", "date", "sales")) == src_sales
        assert AuditEvent.objects.filter(action="tenant.restored").count() == 1
        paths = [u.file_path for u in Upload.objects.all() if u.file_path]
    # stored paths point into the new tenant's own folder, and the files are there
    media = Path(settings.MEDIA_ROOT) / "tenants" / restored.schema_name
    assert paths and all(p.startswith(str(media) + "/") and Path(p).is_file() for p in paths)
    assert (media / "models" / "abc.fcm").read_bytes() == b"model-bytes"
    # the copy answers on its own host; the original is untouched
    assert api_client(dst, key=src.admin_key).get("/api/v1/datasets/summary/").status_code == 200
    assert _counts(src) == before
    assert PlatformEvent.objects.filter(action="tenant.restored", tenant_slug=new_slug).exists()

    # the same slug again, or a damaged file: refused, nothing half-written
    with pytest.raises(CommandError, match="taken"):
        call_command("tenant_restore", str(out), "--slug", new_slug)
    bad = tmp_path / "bad.tar"
    bad.write_bytes(out.read_bytes()[: len(out.read_bytes()) // 2])
    other = unique_slug("rs")
    with pytest.raises(CommandError):
        call_command("tenant_restore", str(bad), "--slug", other)
    assert not Tenant.objects.filter(slug=other).exists()
    assert not (Path(settings.MEDIA_ROOT) / "tenants" / f"t_{other.replace('-', '_')}").exists()


def test_backup_of_unknown_tenant_is_a_clear_error(db_access, tmp_path, monkeypatch):
    monkeypatch.setenv("SAAS_BACKUP_SIGNING_KEY", "round-trip-backup-signing-key-0123456789")
    with pytest.raises(CommandError, match="No tenant"):
        call_command("tenant_backup", "no-such-tenant", "--out", str(tmp_path / "x.tar"))
