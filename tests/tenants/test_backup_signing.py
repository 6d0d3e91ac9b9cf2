"""A backup archive is as trusted as a database dump, so a restore checks it
before running anything: the manifest's HMAC with the operator's key
(SAAS_BACKUP_SIGNING_KEY), the manifest against the product's own patterns,
each file against its signed digest. No worker needed: the tenant is empty."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import T, count_rows, provision, unique_slug

KEY = "k" * 16 + "operator-backup-key-2026"
OTHER_KEY = "another-operators-backup-key-0123456789"


@pytest.fixture
def archive(db_access, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SAAS_BACKUP_SIGNING_KEY", KEY)
    src = provision("sg")
    out = tmp_path / "sg.tar"
    call_command("tenant_backup", src.slug, "--out", str(out))
    return out


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fails the test if pg_restore (or any PostgreSQL tool) or the scratch database is reached."""
    import tenants.backup

    calls = []
    monkeypatch.setattr(tenants.backup, "_run", lambda cmd, env: calls.append(cmd) or "")
    monkeypatch.setattr(tenants.backup, "_scratch_copy_with_new_name", lambda *a: calls.append(a))
    return calls


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def _write(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _sign(raw: bytes, key: str) -> bytes:
    """manifest.sig as documented (docs/operations.md): hex HMAC-SHA256 of the manifest's bytes."""
    return hmac.new(key.encode(), b"saas-tenant-backup\n" + raw, hashlib.sha256).hexdigest().encode()


def _refused(path: Path, match: str, calls: list) -> None:
    from tenants.models import Tenant

    slug = unique_slug("rs")
    with pytest.raises(CommandError, match=match):
        call_command("tenant_restore", str(path), "--slug", slug)
    assert calls == [], "a PostgreSQL tool ran on an archive that was refused"
    assert not Tenant.objects.filter(slug=slug).exists()


def test_signed_backup_restores_with_the_key(archive):
    from accounts.models import User
    from tenants.models import PlatformEvent, Tenant

    members = _members(archive)
    assert set(members) == {"manifest.json", "manifest.sig", "schema.dump", "media.tar"}
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == 2 and set(manifest["files"]) == {"schema.dump", "media.tar"}
    slug = unique_slug("rs")
    call_command("tenant_restore", str(archive), "--slug", slug)
    restored = Tenant.objects.get(slug=slug)
    assert PlatformEvent.objects.filter(action="tenant.restored", tenant_slug=slug).exists()
    t = T(slug=slug, schema=restored.schema_name, host="", owner_email="", admin_key="", tenant=restored)
    assert count_rows(t, User) == 1


def test_one_byte_changed_is_refused_before_pg_restore(archive, tmp_path, nothing_runs):
    data = archive.read_bytes()
    with tarfile.open(archive) as tar:
        dump, manifest = tar.getmember("schema.dump"), tar.getmember("manifest.json")
    for offset in (dump.offset_data + dump.size // 2, manifest.offset_data + 20):
        tampered = bytearray(data)
        tampered[offset] ^= 0x01
        path = tmp_path / f"tampered-{offset}.tar"
        path.write_bytes(bytes(tampered))
        _refused(path, "altered|signature does not match", nothing_runs)


def test_an_archive_signed_with_another_key_is_refused(archive, monkeypatch, nothing_runs):
    monkeypatch.setenv("SAAS_BACKUP_SIGNING_KEY", OTHER_KEY)
    _refused(archive, "signature does not match", nothing_runs)
    monkeypatch.delenv("SAAS_BACKUP_SIGNING_KEY")
    _refused(archive, "SAAS_BACKUP_SIGNING_KEY", nothing_runs)
    monkeypatch.setenv("SAAS_BACKUP_SIGNING_KEY", "short")
    _refused(archive, "SAAS_BACKUP_SIGNING_KEY", nothing_runs)


def test_a_backup_needs_the_key(db_access, tmp_path, monkeypatch):
    monkeypatch.delenv("SAAS_BACKUP_SIGNING_KEY", raising=False)
    src = provision("sg")
    with pytest.raises(CommandError, match="SAAS_BACKUP_SIGNING_KEY"):
        call_command("tenant_backup", src.slug, "--out", str(tmp_path / "x.tar"))
    assert not (tmp_path / "x.tar").exists()


@pytest.mark.parametrize("change", [
    {"schema": 't_x"; DROP SCHEMA public CASCADE; --'},
    {"schema": "public"},
    {"schema": "t_ok", "slug": "../../etc"},
    {"extra": "field"},
    {"format": 1},
    {"dataset_version": "0"},
    {"plan": "platinum"},
    {"migrations": [["accounts", "0001; DROP TABLE x"]]},
])
def test_a_manifest_outside_the_products_pattern_is_refused_even_when_signed(archive, tmp_path, nothing_runs, change):
    """Defence in depth: even an archive signed with the right key (a key that
    leaked, or a backup edited by hand and re-signed) names only a schema the
    product could have made."""
    members = _members(archive)
    manifest = {**json.loads(members["manifest.json"]), **change}
    raw = json.dumps(manifest).encode()
    members["manifest.json"], members["manifest.sig"] = raw, _sign(raw, KEY)
    _refused(_write(tmp_path / "forged.tar", members), "manifest is not valid", nothing_runs)


def test_an_unsigned_or_incomplete_archive_is_refused(archive, tmp_path, nothing_runs):
    members = _members(archive)
    unsigned = {k: v for k, v in members.items() if k != "manifest.sig"}
    _refused(_write(tmp_path / "unsigned.tar", unsigned), "Not a signed tenant backup", nothing_runs)
    # a swapped dump under the original, signed manifest
    swapped = {**members, "schema.dump": members["schema.dump"] + b"\0"}
    _refused(_write(tmp_path / "swapped.tar", swapped), "altered", nothing_runs)
