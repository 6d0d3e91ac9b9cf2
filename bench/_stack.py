"""A real stack for the benches that drive the product over HTTP: gunicorn and
a Celery worker on the bench database (loopback only), tenants provisioned
through the services, and small helpers to call the API and wait for jobs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-pass-2026!x"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """gunicorn + a Celery worker on the bench database, like ``make run``."""

    def __init__(self, var: Path, web_workers: int = 2):
        from django.conf import settings

        self.port = free_port()
        self.var = var
        env = os.environ.copy()
        env.update({"DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL,
                    "SAAS_PORT": str(self.port), "PROMETHEUS_MULTIPROC_DIR": str(var / "prometheus"),
                    "ML_NUM_THREADS": "1", "LOG_LEVEL": "WARNING", "OMP_WAIT_POLICY": "PASSIVE"})
        (var / "prometheus").mkdir(parents=True, exist_ok=True)
        bin_dir = Path(sys.executable).parent
        self.web = subprocess.Popen([str(bin_dir / "gunicorn"), "saas.wsgi", "--bind", f"127.0.0.1:{self.port}",
                                     "--workers", str(web_workers), "--threads", "4", "--timeout", "120"], cwd=REPO,
                                    env=env,
                                    stdout=open(var / "web.log", "w"), stderr=subprocess.STDOUT,
                                    start_new_session=True)
        # the worker runs at a lower CPU priority, as it would on its own machine
        queues = os.environ.get("LOAD_WORKER_QUEUES", "default,ml,ingest")
        self.worker = subprocess.Popen(["nice", "-n", "10", sys.executable, "-m", "celery", "-A", "saas", "worker",
                                        "-Q", queues, "--concurrency", "2", "-n", f"load-{uuid.uuid4().hex[:6]}@%h",
                                        "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
                                       cwd=REPO, env=env, stdout=open(var / "worker.log", "w"),
                                       stderr=subprocess.STDOUT, start_new_session=True)
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)

    def stop(self):
        for proc in (self.web, self.worker):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


def api(stack, t, method, path, **kw):
    import requests

    headers = {"Host": t["host"], "Authorization": f"Token {t['key']}", **kw.pop("headers", {})}
    return requests.request(method, f"http://127.0.0.1:{stack.port}{path}", headers=headers, timeout=120, **kw)


def wait_job(stack, t, job_id, timeout=1800):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = api(stack, t, "GET", f"/api/v1/jobs/{job_id}/")
        # while a service is down (chaos restarts Redis, PostgreSQL) the API may answer its JSON error (503): poll on
        job = answer.json() if answer.status_code == 200 else {}
        if job.get("status") in ("succeeded", "failed"):
            return job
        time.sleep(0.25)
    raise RuntimeError(f"job {job_id} not done in {timeout}s")


def provision_tenants(n: int, users: int) -> list[dict]:
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from accounts import services as account_services
    from accounts.audit import Actor
    from accounts.models import User
    from tenants.services import tenant_provision

    out = []
    run = uuid.uuid4().hex[:5]
    for i in range(n):
        slug = f"load{i}-{run}"
        prov = tenant_provision(slug=slug, name=f"Load {i}", owner_email=f"owner@{slug}.test",
                                owner_password=PASSWORD, plan="enterprise")
        with tenant_context(prov.tenant):
            owner = User.objects.get(email=prov.owner_email)  # a key belongs to a member
            key = account_services.api_key_create(actor=Actor.for_user(owner), name="load", role="admin").raw
            accounts_ = [{"email": prov.owner_email, "password": PASSWORD}]
            for u in range(users - 1):
                email = f"analyst{u}@{slug}.test"
                account_services.member_create(actor=Actor.system(), email=email, password=PASSWORD, role="analyst")
                accounts_.append({"email": email, "password": PASSWORD})
        host = f"{slug}.{settings.SAAS_BASE_DOMAIN}"
        out.append({"slug": slug, "host": host, "key": key, "users": accounts_,
                    "url": f"http://{host}:{settings.SAAS_PORT}/"})
    return out


def load_and_train(stack, tenants, files) -> float:
    jobs = []
    for t in tenants:
        for kind in ("stores", "features", "sales"):
            with open(files[kind], "rb") as fh:
                resp = api(stack, t, "POST", "/api/v1/uploads/", files={"file": (files[kind].name, fh)},
                           data={"kind": kind})
            assert resp.status_code == 202, resp.text
            assert wait_job(stack, t, resp.json()["job"]["id"])["status"] == "succeeded"
    started = time.monotonic()
    for t in tenants:
        resp = api(stack, t, "POST", "/api/v1/models/train/", json={"horizon": 13, "backtest_windows": 2})
        assert resp.status_code == 202, resp.text
        jobs.append((t, resp.json()["job"]["id"]))
    for t, job_id in jobs:
        assert wait_job(stack, t, job_id)["status"] == "succeeded"
    from django_tenants.utils import tenant_context

    from forecasting.models import SalesRecord
    from tenants.models import Tenant

    for t in tenants:
        with tenant_context(Tenant.objects.get(slug=t["slug"])):
            t["series"] = [list(s) for s in SalesRecord.objects.values_list("store", "dept").distinct()]
    return time.monotonic() - started


def baseline_me(stack, t, n=50) -> float:
    lat = []
    for _ in range(n):
        s = time.perf_counter()
        assert api(stack, t, "GET", "/api/v1/me/").status_code == 200
        lat.append((time.perf_counter() - s) * 1000)
    return pct(lat, 95)
