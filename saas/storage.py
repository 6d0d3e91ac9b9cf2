"""Tenant file storage. Every path carries the tenant's schema name, so no
code path can read or write another tenant's files by construction."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from django.conf import settings
from django.db import connection

LOGO_DIR = "branding"  # the workspace's logo (tenants/branding.py writes it)


def tenant_root(schema_name: str | None = None) -> Path:
    schema = schema_name or connection.schema_name
    if not schema or schema == "public" or not re.fullmatch(r"[a-z0-9_]+", schema):
        raise RuntimeError(f"no tenant context for file storage (schema={schema!r})")
    root = Path(settings.MEDIA_ROOT) / "tenants" / schema
    root.mkdir(parents=True, exist_ok=True)
    return root


def _inside_root(*parts: str, schema_name: str | None) -> Path:
    root = tenant_root(schema_name).resolve()
    path = root.joinpath(*parts).resolve()
    if not str(path).startswith(str(root) + os.sep):
        raise RuntimeError("path escapes the tenant's folder")
    return path


def tenant_dir(*parts: str, schema_name: str | None = None) -> Path:
    """A folder under the tenant's root (created)."""
    folder = _inside_root(*parts, schema_name=schema_name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def tenant_path(*parts: str, schema_name: str | None = None) -> Path:
    """A file path under the tenant's root (its folder created)."""
    path = _inside_root(*parts, schema_name=schema_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def tenant_file_problem(path: str, sha256: str) -> str | None:
    """None when ``path`` is a file inside the current tenant's folder whose
    SHA-256 is ``sha256``; else ``"missing"`` or ``"mismatch"``."""
    root = tenant_root().resolve()
    try:
        resolved = Path(path or "").resolve()
    except OSError:
        return "missing"
    if not path or root not in resolved.parents or not resolved.is_file():
        return "missing"
    digest = hashlib.sha256()
    with open(resolved, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return None if digest.hexdigest() == sha256 else "mismatch"


def logo_path(tenant):
    """The tenant's logo file, or None. Always under the tenant's own folder."""
    if not tenant.logo_file:
        return None
    path = tenant_path(LOGO_DIR, tenant.logo_file, schema_name=tenant.schema_name)
    return path if path.is_file() else None
