"""Back up one tenant and restore it under a new short name, with pg_dump /
pg_restore (operators: ``manage.py tenant_backup`` / ``tenant_restore``).

A backup is one tar file: ``manifest.json`` (slug, name, plan, schema, the
migrations applied), ``schema.dump`` (``pg_dump -Fc -n <schema>``) and
``media.tar`` (the tenant's files: uploads, model artifacts).

PostgreSQL cannot restore a schema under another name, so a restore goes
through a scratch database: restore there, ``ALTER SCHEMA ... RENAME``, dump
again, restore into the real database. Paths stored in rows are rewritten to
the new tenant's folder. A restore that fails part-way removes what it
created: the new schema, its rows in the public schema and its files."""
from __future__ import annotations

import io
import json
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
from django_tenants.utils import schema_context, schema_exists

from accounts.audit import Actor, audit_record
from saas.errors import Conflict, NotFound, ValidationFailed
from tenants.models import Domain, PlatformEvent, Tenant
from tenants.pgtools import db_env as _db_env
from tenants.pgtools import pg_tool
from tenants.pgtools import run as _run
from tenants.services import schema_name_for, validate_slug

FORMAT = 1
# columns holding absolute paths under the tenant's media folder
PATH_COLUMNS = (("forecasting_upload", "file_path"), ("forecasting_modelversion", "artifact_path"))


def _media_dir(schema: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "tenants" / schema


def _applied_migrations(schema: str) -> list[list[str]]:
    with schema_context(schema), connection.cursor() as cur:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return [list(r) for r in cur.fetchall()]


def tenant_backup(*, slug: str, out: Path) -> dict:
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
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname="schema.dump")
            tar.add(media, arcname="media.tar")
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
            cur.execute(f'CREATE DATABASE "{scratch}"')
            # functions the tenant's triggers call live in the public schema
            cur.execute("SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                        "WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.prorettype = 'trigger'::regtype")
            functions = [r[0] for r in cur.fetchall()]
        scratch_conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                                        password=db["PASSWORD"] or None, dbname=scratch)
        scratch_conn.autocommit = True
        try:
            with scratch_conn.cursor() as cur:
                for sql in functions:
                    cur.execute(sql)
            args, env = _db_env(scratch)
            _run([pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error", str(dump)], env)
            with scratch_conn.cursor() as cur:
                cur.execute(f'ALTER SCHEMA "{old}" RENAME TO "{new}"')
            _run([pg_tool("pg_dump"), *args, "-Fc", "--no-owner", "--no-privileges", "-n", new, "-f", str(out)], env)
        finally:
            scratch_conn.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()


def _read_backup(path: Path, into: Path) -> dict:
    try:
        with tarfile.open(path) as tar:
            names = set(tar.getnames())
            if not {"manifest.json", "schema.dump", "media.tar"} <= names:
                raise ValidationFailed("Not a tenant backup: manifest.json, schema.dump or media.tar is missing.")
            tar.extractall(into, members=[tar.getmember(n) for n in ("manifest.json", "schema.dump", "media.tar")],
                           filter="data")
        manifest = json.loads((into / "manifest.json").read_text())
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise ValidationFailed(f"Not a readable tenant backup: {exc}") from exc
    if manifest.get("format") != FORMAT or not str(manifest.get("schema", "")).startswith("t_"):
        raise ValidationFailed("Unsupported backup format.")
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
                        cur.execute(f'UPDATE "{schema}".{table} SET {column} = regexp_replace({column}, %s, %s) '
                                    f"WHERE {column} <> ''",
                                    [f"^.*/tenants/{manifest['schema']}/", f"{_media_dir(schema)}/"])
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
        cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    shutil.rmtree(_media_dir(schema), ignore_errors=True)
