"""Tenant file storage. Every path carries the tenant's schema name, so no
code path can read or write another tenant's files by construction."""
from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings
from django.db import connection


def tenant_root(schema_name: str | None = None) -> Path:
    schema = schema_name or connection.schema_name
    if not schema or schema == "public" or not re.fullmatch(r"[a-z0-9_]+", schema):
        raise RuntimeError(f"no tenant context for file storage (schema={schema!r})")
    root = Path(settings.MEDIA_ROOT) / "tenants" / schema
    root.mkdir(parents=True, exist_ok=True)
    return root


def tenant_path(*parts: str, schema_name: str | None = None) -> Path:
    root = tenant_root(schema_name)
    path = (root.joinpath(*parts)).resolve()
    if not str(path).startswith(str(root.resolve()) + os.sep):
        raise RuntimeError("path escapes the tenant's folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
