"""PostgreSQL client tools (pg_dump, pg_restore) and the arguments that point
them at the project's database. Used by backups and by the schema clone."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

from saas import embedded


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore: ``PG_BIN_DIR``, else the embedded server's, else PATH."""
    folder = os.environ.get("PG_BIN_DIR")
    if folder:
        return str(Path(folder) / name)
    if not os.environ.get("DATABASE_URL") or os.environ.get("SAAS_PG_TOOLS") == "embedded":
        return str(embedded._pg_bin() / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: install the PostgreSQL client or set PG_BIN_DIR")
    return found


def db_env(dbname: str | None = None) -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    env = os.environ.copy()
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["-h", str(db["HOST"] or "localhost"), "-p", str(db["PORT"] or 5432), "-U", db["USER"],
            "-d", dbname or db["NAME"]]
    return args, env


def run(cmd: list[str], env: dict) -> str:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed: {proc.stderr.strip()[-2000:]}")
    return proc.stdout
