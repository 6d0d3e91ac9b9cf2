"""Shared fixtures. The suite runs against real PostgreSQL and Redis (embedded
ones under var/test unless DATABASE_URL/REDIS_URL are set), a real Celery
worker process, a real gunicorn and Debian's chromium.

Django tests here don't use per-test transactions: tenants are PostgreSQL
schemas created and committed for real, each test builds its own tenants
with unique slugs, and the database is recreated once per session."""
from __future__ import annotations

import ctypes
import functools
import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in the main thread; the ORM calls
# the tests make around it are synchronous, so Django's async guard is moot here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parent.parent
WALMART_DIR = Path(os.environ.get("WALMART_DATA_DIR", REPO.parent / "shared" / "data" / "walmart"))
FAVORITA_DIR = Path(os.environ.get("FAVORITA_DATA_DIR", REPO.parent / "shared" / "data" / "favorita"))
CHROMIUM = "/usr/bin/chromium"


# the longest modules (minutes each) start first, so that with `make test`'s parallel processes (a module per
# process at a time, in this order: the Makefile turns off xdist's own ordering by number of tests, which put
# these single-test modules last) no process is left running one of them alone at the end
LONGEST_FIRST = ("tests/bench/test_bench_quick.py",
                 "tests/browser/test_favorita_page.py", "tests/demo/test_bootstrap_worker.py",
                 "tests/saas/test_make_run.py", "tests/saas/test_fuzz_api.py", "tests/forecasting/api/test_uploads.py",
                 "tests/forecasting/services/test_auto_rollback_worker.py", "tests/forecasting/services/test_training.py",
                 "tests/accounts/audit/test_chain.py", "tests/tenants/test_backup_signing.py",
                 "tests/tenants/test_backup.py")


def pytest_collection_modifyitems(config, items):
    """Tests that need something outside the repo say so with a marker; they
    are skipped, with the reason, only when that thing is absent:

    * ``walmart``: the real data is never committed; it sits beside the
      checkout in ``../shared/data/walmart`` (or ``$WALMART_DATA_DIR``).
    * ``favorita``: likewise, ``../shared/data/favorita`` (or ``$FAVORITA_DATA_DIR``).
    * ``browser``: Debian's chromium, which ``make test`` installs with apt.
      Under CI (``CI`` set) a missing browser is an error, not a skip."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
    have_data = (WALMART_DIR / "train.csv").is_file()
    have_favorita = (FAVORITA_DIR / "transactions.csv").is_file()
    have_browser = os.path.exists(CHROMIUM)
    for item in items:
        if "favorita" in item.keywords and not have_favorita:
            item.add_marker(pytest.mark.skip(
                reason=f"real Favorita data not found at {FAVORITA_DIR} (set FAVORITA_DATA_DIR)"))
        if "walmart" in item.keywords and not have_data:
            item.add_marker(pytest.mark.skip(
                reason=f"real Walmart data not found at {WALMART_DIR} (set WALMART_DATA_DIR)"))
        if "browser" in item.keywords and not have_browser and not os.environ.get("CI"):
            item.add_marker(pytest.mark.skip(
                reason=f"{CHROMIUM} is not installed and apt was not usable (make test installs it)"))
PASSWORD = "Test-pass-2026!x"


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    import psycopg2
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    db = settings.DATABASES["default"]
    with django_db_blocker.unblock():
        connections.close_all()
        conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
                                dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{db["NAME"]}"')
        conn.close()
        call_command("setup_platform")
        from django.core.cache import cache

        cache.clear()
    yield


@pytest.fixture
def db_access(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield
        from django.db import connection

        connection.set_schema_to_public()


_counter = itertools.count()


def unique_slug(prefix: str = "t") -> str:
    return f"{prefix}{next(_counter)}-{uuid.uuid4().hex[:6]}"


@dataclass
class T:
    """A provisioned test tenant."""

    slug: str
    schema: str
    host: str
    owner_email: str
    admin_key: str
    tenant: object

    def members(self):
        from django_tenants.utils import schema_context

        from accounts.models import User

        with schema_context(self.schema):
            return list(User.objects.all())


def provision(prefix: str = "t", plan: str = "pro") -> T:
    from django.conf import settings
    from django.db import connection

    from tenants.services import tenant_provision

    slug = unique_slug(prefix)
    connection.set_schema_to_public()  # a test client's request leaves the shared connection in its tenant's schema
    res = tenant_provision(slug=slug, name=f"Company {slug}", owner_email=f"owner@{slug}.test",
                           owner_password=PASSWORD, plan=plan)
    t = T(slug=slug, schema=res.tenant.schema_name, host=f"{slug}.{settings.SAAS_BASE_DOMAIN}",
          owner_email=res.owner_email, admin_key="", tenant=res.tenant)
    t.admin_key = add_key(t, "admin", name="Test admin key")  # the signup itself creates no key
    return t


@pytest.fixture
def tenant(db_access) -> T:
    return provision("a")


@pytest.fixture
def tenant_b(db_access) -> T:
    return provision("b")


def in_tenant(t: T):
    """Context manager: ORM calls run in ``t``'s schema with connection.tenant set."""
    from django_tenants.utils import tenant_context

    return tenant_context(t.tenant)


def add_member(t: T, role: str, email: str | None = None, password: str = PASSWORD):
    from accounts import services as account_services
    from accounts.audit import Actor

    with in_tenant(t):
        return account_services.member_create(actor=Actor.system(), email=email or f"{role}-{uuid.uuid4().hex[:6]}@{t.slug}.test",
                                      password=password, role=role)


def add_key(t: T, role: str, name: str | None = None, creator=None) -> str:
    """A key created by ``creator`` (default: the first owner): a key acts
    with at most its creator's role."""
    from accounts import services as account_services
    from accounts.audit import Actor
    from accounts.models import User

    with in_tenant(t):
        creator = creator or User.objects.filter(role="owner", is_active=True).order_by("pk").first()
        return account_services.api_key_create(actor=Actor.for_user(creator), name=name or f"{role} key", role=role).raw


def web_client(t: T, user=None):
    from django.test import Client

    client = Client(HTTP_HOST=t.host)
    if user is not None:
        with in_tenant(t):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def api_client(t: T, key: str | None = None, user=None):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_HOST=t.host)
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    if user is not None:
        with in_tenant(t):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def count_rows(t: T, model) -> int:
    with in_tenant(t):
        return model.objects.count()


# ----------------------------------------------------------------- processes
def die_with_parent() -> None:
    """``preexec_fn`` for the servers and workers the suite starts: the child
    is killed when the test process dies (Linux ``PR_SET_PDEATHSIG``), so an
    interrupted session leaves no worker behind to steal the next session's
    tasks with old code."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def metrics_dir() -> str:
    """One Prometheus multiprocess folder shared by this session's gunicorn and
    workers (as under ``make run``), so /metrics shows the workers' tasks."""
    import tempfile

    return tempfile.mkdtemp(prefix="saas-metrics-")


def service_env(**extra) -> dict:
    """Environment for child processes: same database/redis as this session."""
    from django.conf import settings

    env = os.environ.copy()
    env.update({
        "DJANGO_SETTINGS_MODULE": "saas.settings.test",
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir(),
    })
    env.update(extra)
    return env


def wait_http(url: str, timeout: float = 30, host: str | None = None) -> None:
    import requests

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2, headers={"Host": host} if host else None)
            return
        except Exception as exc:  # noqa: BLE001
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer: {last}")


@dataclass
class LiveServer:
    port: int
    proc: subprocess.Popen
    mail_dir: Path
    log_path: Path

    def url(self, t: T | None = None, path: str = "/") -> str:
        from django.conf import settings

        host = t.host if t else settings.SAAS_BASE_DOMAIN
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def live_server_proc(django_db_setup, tmp_path_factory):
    port = free_port()
    mail_dir = tmp_path_factory.mktemp("mail")
    log_path = tmp_path_factory.mktemp("logs") / "gunicorn.log"
    log = open(log_path, "w")
    env = service_env(SAAS_PORT=str(port), EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                      EMAIL_FILE_PATH=str(mail_dir))
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "saas.wsgi", "--bind",
                             f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--timeout", "120"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    wait_http(f"http://127.0.0.1:{port}/healthz")
    server = LiveServer(port=port, proc=proc, mail_dir=mail_dir, log_path=log_path)
    yield server
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def celery_worker_proc(django_db_setup, tmp_path_factory):
    """A real Celery worker process consuming the default, ml and ingest queues."""
    from saas.celery import app

    log_path = tmp_path_factory.mktemp("logs") / "worker.log"
    log = open(log_path, "w")
    name = f"test-{uuid.uuid4().hex[:6]}@%h"
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "saas", "worker", "-Q", "default,ml,ingest",
                             "--concurrency", "2", "-n", name, "--loglevel", "INFO", "--without-mingle",
                             "--without-gossip"],
                            cwd=REPO, env=service_env(ML_NUM_THREADS="2"), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=die_with_parent)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            break
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text())
    else:
        raise RuntimeError("worker did not start:\n" + log_path.read_text())
    proc.log_path = log_path
    yield proc
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda msg: pg.console_errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: pg.console_errors.append(str(exc)))
    pg.bad_responses = []
    pg.on("response", lambda r: pg.bad_responses.append((r.status, r.url)) if r.status >= 400 else None)
    yield pg
    context.close()
