"""Acceptance (foundation 1 and 7): start the stack as `make run` does, log
in to the demo workspace, stop it with Ctrl-C: every process it started is
gone; start again: the data is reused."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import REPO, free_port

pytestmark = pytest.mark.slow


def _start(var_dir: Path, port: int, pg_port: int, redis_port: int, log: Path) -> subprocess.Popen:
    # as from a developer's shell: no key either (the suite's own is in the environment)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY")}
    env.update({"SAAS_VAR_DIR": str(var_dir), "SAAS_PORT": str(port), "SAAS_PG_PORT": str(pg_port),
                "SAAS_REDIS_PORT": str(redis_port), "SAAS_DB_NAME": "saas", "SAAS_DEMO_DATA": "none",
                "PYTHONUNBUFFERED": "1"})
    return subprocess.Popen([sys.executable, "-m", "saas.run"], cwd=REPO, env=env, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(url: str, proc, log: Path, timeout=600):  # a generous guard, not a speed target
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("make run exited early:\n" + log.read_text()[-4000:])
        try:
            r = requests.get(url + "healthz", timeout=3)
            if r.status_code == 200:
                return r.json()
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("stack not healthy in time:\n" + log.read_text()[-4000:])


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _login(base: str, host: str) -> requests.Session:
    # the system resolver may not map *.localhost: talk to 127.0.0.1 with the tenant's Host
    s = requests.Session()
    s.headers["Host"] = host
    page = s.get(base + "accounts/login/")
    assert page.status_code == 200
    token = s.cookies.get("csrftoken")
    r = s.post(base + "accounts/login/", data={"username": "owner@demo.test", "password": "demo-owner-pass-2026",
                                                 "csrfmiddlewaretoken": token}, headers={"Referer": f"http://{host}/accounts/login/"},
               allow_redirects=False)
    assert r.status_code == 302, r.text[:500]
    dash = s.get(base)
    assert dash.status_code == 200 and "Demo Retail" in dash.text
    return s


def _run_once(tmp_path, ports, n, earlier: requests.Session | None = None) -> requests.Session:
    port, pg_port, redis_port = ports
    log = tmp_path / f"run{n}.log"
    proc = _start(tmp_path / "var", port, pg_port, redis_port, log)
    try:
        health = _wait_ready(f"http://127.0.0.1:{port}/", proc, log)
        assert health["celery"]["ok"] and health["database"]["ok"] and health["redis"]["ok"]
        out = log.read_text()
        assert f"http://demo.localhost:{port}/" in out and "owner@demo.test" in out
        if earlier is not None:
            # the first start's session still signs in: the second start signs with the same key (var/secret_key)
            dash = earlier.get(f"http://127.0.0.1:{port}/", allow_redirects=False)
            assert dash.status_code == 200 and "Demo Retail" in dash.text, dash.status_code
        session = _login(f"http://127.0.0.1:{port}/", f"demo.localhost:{port}")
        started = [p.pid for p in _descendants(proc.pid)]
        pg_pid = int((tmp_path / "var" / "pgdata" / "postmaster.pid").read_text().split()[0])
        redis_pid = int((tmp_path / "var" / "redis" / "redis.pid").read_text().strip())
        started += [pg_pid, redis_pid]
        names = {psutil.Process(p).name() for p in started if psutil.pid_exists(p)}
        assert {"postgres", "redis-server"} <= names and any("gunicorn" in n or "python" in n for n in names)
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        proc.wait(timeout=60)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                                             for p in started):
        time.sleep(0.3)
    alive = [p for p in started if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert alive == [], f"still running after Ctrl-C: {[(p, psutil.Process(p).cmdline()) for p in alive]}"
    assert "stopped." in log.read_text()
    return session


@pytest.fixture
def run_dir():
    """A folder outside pytest's /tmp/pytest-of-<user> (mode 0700, reset by every
    pytest session on the machine), which the embedded PostgreSQL's own user
    must be able to traverse for the whole test."""
    import shutil
    import uuid

    path = REPO / "var" / f"make-run-test-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_make_run_serves_demo_and_ctrl_c_stops_everything(run_dir):
    tmp_path = run_dir
    ports = (free_port(), free_port(), free_port())
    session = _run_once(tmp_path, ports, 1)
    marker = (tmp_path / "var" / "pgdata" / "PG_VERSION").stat().st_mtime
    key_file = tmp_path / "var" / "secret_key"  # generated by the first start, for its owner only
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    _run_once(tmp_path, ports, 2, earlier=session)  # second start reuses the data (no initdb, demo tenant exists)
    assert key_file.read_text() == key
    assert (tmp_path / "var" / "pgdata" / "PG_VERSION").stat().st_mtime == marker
    assert "already exists" not in (tmp_path / "run2.log").read_text()
