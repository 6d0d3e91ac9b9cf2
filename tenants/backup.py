"""Back up one tenant and restore it under a new short name, with pg_dump /
pg_restore (operators: ``manage.py tenant_backup`` / ``tenant_restore``).

A backup is one tar file: ``manifest.json`` (slug, name, plan, schema, the
migrations applied, the SHA-256 of the two other files), ``manifest.sig``
(HMAC-SHA256 of the manifest with ``SAAS_BACKUP_SIGNING_KEY``, a key the
operator holds and both commands require), ``schema.dump`` (``pg_dump -Fc -n
<schema>``) and ``media.tar`` (the tenant's files: uploads, model artifacts).

An archive is as trusted as a database dump: pg_restore runs what it holds as
a superuser. So a restore first checks the signature, then the manifest
against a strict pattern (known keys and types, a schema name the product
itself generates) and each file against its digest, and only then runs
anything; identifiers go into SQL through ``psycopg2.sql.Identifier``.

PostgreSQL cannot restore a schema under another name, so a restore goes
through a scratch database: restore there, ``ALTER SCHEMA ... RENAME``, dump
again, restore into the real database. Paths stored in rows are rewritten to
the new tenant's folder. A restore that fails part-way removes what it
created: the new schema, its rows in the public schema and its files."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tenants.utils import schema_context, schema_exists
from psycopg2 import sql

from accounts.audit import Actor, audit_record
from billing.plans import PLANS
from saas.errors import Conflict, NotFound, ValidationFailed
from tenants.models import Domain, PlatformEvent, Tenant
from tenants.pgtools import db_env as _db_env
from tenants.pgtools import pg_tool
from tenants.pgtools import run as _run
from tenants.services import SLUG_RE, schema_name_for, validate_slug

FORMAT = 2  # 2: signed (format 1 archives carried no signature and are refused)
SIGNING_KEY_ENV = "SAAS_BACKUP_SIGNING_KEY"
MIN_KEY_LENGTH = 32
MANIFEST, SIGNATURE, DUMP, MEDIA = "manifest.json", "manifest.sig", "schema.dump", "media.tar"
MAX_MANIFEST_BYTES = 1024 * 1024
# the schema names the product gives tenants: schema_name_for(slug) of a slug SLUG_RE accepts
SCHEMA_RE = re.compile(r"t_[a-z][a-z0-9_]{1,38}[a-z0-9]")
MIGRATION_PART_RE = re.compile(r"[A-Za-z0-9_]{1,255}")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
# columns holding absolute paths under the tenant's media folder
PATH_COLUMNS = (("forecasting_upload", "file_path"), ("forecasting_modelversion", "artifact_path"))


def _media_dir(schema: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "tenants" / schema


def signing_key() -> bytes:
    """The operator's backup key (``SAAS_BACKUP_SIGNING_KEY``): required to
    back up and to restore."""
    key = os.environ.get(SIGNING_KEY_ENV, "")
    if len(key) < MIN_KEY_LENGTH:
        raise ValidationFailed(f"Set {SIGNING_KEY_ENV} (at least {MIN_KEY_LENGTH} characters, e.g. `openssl rand "
                               f"-hex 32`): backups are signed with it and restores refuse an archive it did not sign.")
    return key.encode()


def manifest_signature(raw: bytes, key: bytes) -> str:
    return hmac.new(key, b"saas-tenant-backup\n" + raw, hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _applied_migrations(schema: str) -> list[list[str]]:
    with schema_context(schema), connection.cursor() as cur:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return [list(r) for r in cur.fetchall()]


def tenant_backup(*, slug: str, out: Path) -> dict:
    key = signing_key()
    tenant = Tenant.objects.filter(slug=slug).exclude(status=Tenant.Status.TEMPLATE).first()
    if tenant is None or tenant.schema_name == "public":
        raise NotFound(f"No tenant {slug!r}.")
    manifest = {"format": FORMAT, "slug": tenant.slug, "name": tenant.name, "plan": tenant.plan,
                "schema": tenant.schema_name, "dataset_version": tenant.dataset_version,
                "backed_up_at": timezone.now().isoformat(), "migrations": _applied_migrations(tenant.schema_name)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="saas-backup-") as tmp:
        dump = Path(tmp) / "schema.dump"
        args, env = _db_env()
        _run([pg_tool("pg_dump"), *args, "-Fc", "--no-owner", "--no-privileges", "-n", tenant.schema_name,
              "-f", str(dump)], env)
        media = Path(tmp) / "media.tar"
        with tarfile.open(media, "w") as tar:
            if _media_dir(tenant.schema_name).is_dir():
                tar.add(_media_dir(tenant.schema_name), arcname=".")
        manifest["files"] = {DUMP: _sha256(dump), MEDIA: _sha256(media)}
        data = json.dumps(manifest, indent=2).encode()
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            for name, content in ((MANIFEST, data), (SIGNATURE, manifest_signature(data, key).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
            tar.add(dump, arcname=DUMP)
            tar.add(media, arcname=MEDIA)
        partial.replace(out)
    PlatformEvent.objects.create(action="tenant.backed_up", tenant_slug=slug, payload={"file": out.name})
    return manifest


@dataclass
class Restored:
    tenant: Tenant
    from_slug: str


def _scratch_copy_with_new_name(dump: Path, old: str, new: str, out: Path) -> None:
    """Restores ``dump`` into a scratch database, renames the schema, dumps it again."""
    db = settings.DATABASES["default"]
    scratch = f"saas_restore_{secrets.token_hex(4)}"
    admin = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
                             dbname=db["NAME"])
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
            # functions the tenant's triggers call live in the public schema
            cur.execute("SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                        "WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.prorettype = 'trigger'::regtype")
            functions = [r[0] for r in cur.fetchall()]
        scratch_conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                                        password=db["PASSWORD"] or None, dbname=scratch)
        scratch_conn.autocommit = True
        try:
            with scratch_conn.cursor() as cur:
                for definition in functions:
                    cur.execute(definition)
            args, env = _db_env(scratch)
            _run([pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error", str(dump)], env)
            with scratch_conn.cursor() as cur:
                cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))
            _run([pg_tool("pg_dump"), *args, "-Fc", "--no-owner", "--no-privileges", "-n", new, "-f", str(out)], env)
        finally:
            scratch_conn.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
        admin.close()


def _valid_manifest(manifest) -> dict:
    """The manifest as tenant_backup writes it, or ValidationFailed: known keys
    of known types, a slug and schema name of the product's own pattern."""
    def bad(why: str):
        raise ValidationFailed(f"The backup's manifest is not valid: {why}.")

    keys = {"format", "slug", "name", "plan", "schema", "dataset_version", "backed_up_at", "migrations", "files"}
    if not isinstance(manifest, dict) or set(manifest) != keys:
        bad("unexpected or missing fields")
    if type(manifest["format"]) is not int or manifest["format"] != FORMAT:
        bad(f"format {manifest['format']!r}, this version reads format {FORMAT} (signed) only")
    slug, schema = manifest["slug"], manifest["schema"]
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        bad("slug")
    if not isinstance(schema, str) or not SCHEMA_RE.fullmatch(schema):
        bad("schema name")
    if not isinstance(manifest["name"], str) or not 0 < len(manifest["name"]) <= 200:
        bad("name")
    if manifest["plan"] not in PLANS:
        bad("plan")
    if type(manifest["dataset_version"]) is not int or manifest["dataset_version"] < 0:
        bad("dataset_version")
    if not isinstance(manifest["backed_up_at"], str) or parse_datetime(manifest["backed_up_at"]) is None:
        bad("backed_up_at")
    migrations = manifest["migrations"]
    if not isinstance(migrations, list) or not all(
            isinstance(m, list) and len(m) == 2 and all(isinstance(p, str) and MIGRATION_PART_RE.fullmatch(p)
                                                        for p in m) for m in migrations):
        bad("migrations")
    files = manifest["files"]
    if not isinstance(files, dict) or set(files) != {DUMP, MEDIA} or not all(
            isinstance(v, str) and SHA256_RE.fullmatch(v) for v in files.values()):
        bad("files")
    return manifest


def _copy_checked(tar: tarfile.TarFile, member: tarfile.TarInfo, to: Path, expected: str) -> None:
    digest = hashlib.sha256()
    with tar.extractfile(member) as src, open(to, "wb") as dst:
        for chunk in iter(lambda: src.read(1024 * 1024), b""):
            digest.update(chunk)
            dst.write(chunk)
    if not hmac.compare_digest(digest.hexdigest(), expected):
        raise ValidationFailed(f"The backup was altered: {member.name} does not match its signed digest.")


def _read_backup(path: Path, into: Path) -> dict:
    """Checks the archive before anything runs it: the manifest's signature
    with the operator's key, the manifest itself, each file's digest. Only
    then are schema.dump and media.tar written under ``into``."""
    key = signing_key()
    try:
        with tarfile.open(path) as tar:
            members = {}
            for member in tar.getmembers():
                if member.name in members:
                    raise ValidationFailed(f"Not a tenant backup: {member.name} appears twice.")
                members[member.name] = member
            names = (MANIFEST, SIGNATURE, DUMP, MEDIA)
            if not all(n in members and members[n].isfile() for n in names):
                raise ValidationFailed("Not a signed tenant backup: " + ", ".join(names) + " are required "
                                       "(backups made before signing cannot be restored).")
            if members[MANIFEST].size > MAX_MANIFEST_BYTES or members[SIGNATURE].size > 256:
                raise ValidationFailed("Not a tenant backup: its manifest is too large.")
            raw = tar.extractfile(members[MANIFEST]).read()
            signature = tar.extractfile(members[SIGNATURE]).read().decode("ascii", "replace").strip()
            if not hmac.compare_digest(signature, manifest_signature(raw, key)):
                raise ValidationFailed(f"The backup's signature does not match: it was altered, or signed with "
                                       f"another key than this {SIGNING_KEY_ENV}. Nothing was restored.")
            manifest = _valid_manifest(json.loads(raw))
            for name in (DUMP, MEDIA):
                _copy_checked(tar, members[name], into / name, manifest["files"][name])
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise ValidationFailed(f"Not a readable tenant backup: {exc}") from exc
    return manifest


def tenant_restore(*, path: Path, slug: str, name: str | None = None) -> Restored:
    connection.set_schema_to_public()
    slug = validate_slug(slug)
    schema = schema_name_for(slug)
    if Tenant.objects.filter(slug=slug).exists() or schema_exists(schema):
        raise Conflict(f"The short name {slug!r} is taken.")
    with tempfile.TemporaryDirectory(prefix="saas-restore-") as tmp:
        tmp = Path(tmp)
        manifest = _read_backup(Path(path), tmp)
        renamed = tmp / "renamed.dump"
        _scratch_copy_with_new_name(tmp / "schema.dump", manifest["schema"], schema, renamed)
        tenant = None
        try:
            args, env = _db_env()
            _run([pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
                  str(renamed)], env)
            with tarfile.open(tmp / "media.tar") as tar:
                tar.extractall(_media_dir(schema), filter="data")
            with transaction.atomic():
                tenant = Tenant(schema_name=schema, slug=slug, name=name or manifest["name"], plan=manifest["plan"],
                                dataset_version=manifest.get("dataset_version", 0))
                tenant.auto_create_schema = False  # restored above
                tenant.save()
                Domain.objects.create(domain=f"{slug}.{settings.SAAS_BASE_DOMAIN}", tenant=tenant, is_primary=True)
                with connection.cursor() as cur:
                    for table, column in PATH_COLUMNS:
                        query = sql.SQL("UPDATE {}.{} SET {col} = regexp_replace({col}, %s, %s) WHERE {col} <> ''")
                        cur.execute(query.format(sql.Identifier(schema), sql.Identifier(table),
                                                 col=sql.Identifier(column)).as_string(cur.connection),
                                    [f"^.*/tenants/{re.escape(manifest['schema'])}/", f"{_media_dir(schema)}/"])
            # bring an older backup up to the code's migrations
            call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
            with transaction.atomic(), schema_context(schema):
                connection.tenant = tenant
                audit_record(action="tenant.restored", actor=Actor.system(), target_type="tenant", target_id=slug,
                             payload={"from": manifest["slug"], "backed_up_at": manifest["backed_up_at"]})
            PlatformEvent.objects.create(action="tenant.restored", tenant_slug=slug,
                                         payload={"from": manifest["slug"], "backed_up_at": manifest["backed_up_at"]})
        except Exception:
            _undo_restore(schema=schema, tenant=tenant)
            raise
        finally:
            connection.set_schema_to_public()
    return Restored(tenant=tenant, from_slug=manifest["slug"])


def _undo_restore(*, schema: str, tenant: Tenant | None) -> None:
    connection.set_schema_to_public()
    if tenant is not None and tenant.pk:
        Tenant.objects.filter(pk=tenant.pk).delete()
    with connection.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                    .as_string(cur.connection))
    shutil.rmtree(_media_dir(schema), ignore_errors=True)
