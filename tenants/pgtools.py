"""PostgreSQL client tools (pg_dump, pg_restore) and the arguments that point
them at the project's database. Used by backups and by the schema clone."""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection

from saas import embedded


def _major_of_tool(path: str) -> int | None:
    """The major version a client tool reports (``pg_dump (PostgreSQL) 16.2`` -> 16), None if it does not run."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def server_major() -> int:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return int(cur.fetchone()[0]) // 10000


def _candidates(name: str) -> list[str]:
    """Where a client tool may be: the embedded server's own, then PATH, then Debian's per-version folders."""
    found = []
    try:
        found.append(str(embedded._pg_bin() / name))
    except Exception:  # noqa: BLE001 -- no embedded server on this machine
        pass
    if shutil.which(name):
        found.append(shutil.which(name))
    found += sorted((str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}")), reverse=True)
    return found


@functools.lru_cache(maxsize=8)
def _tool_for(name: str, major: int, pinned: str | None) -> str:
    tried = []
    for path in ([str(Path(pinned) / name)] if pinned else _candidates(name)):
        version = _major_of_tool(path)
        if version == major:
            return path
        tried.append(f"{path} ({version or 'does not run'})")
    raise RuntimeError(f"no {name} {major}.x for the PostgreSQL {major} server (tried {', '.join(tried) or 'none'}): "
                       f"install its client tools or set PG_BIN_DIR")


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the server's own major version (an older pg_dump refuses a newer server; a
    newer one writes archives an older pg_restore cannot read): ``PG_BIN_DIR`` when set (checked), else
    the first that matches among the embedded server's, PATH's and ``/usr/lib/postgresql/*/bin``."""
    return _tool_for(name, server_major(), os.environ.get("PG_BIN_DIR") or None)


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
