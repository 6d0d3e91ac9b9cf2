"""Fault injection against a real stack (gunicorn, an ingest worker, an ML
worker, beat, embedded PostgreSQL and Redis on loopback):

1. SIGKILL the ingest worker during an upload, restart it;
2. SIGKILL the ML worker during a training, restart it;
3. restart Redis during a training;
4. restart PostgreSQL during a training;
5. stop beat (and start it again).

After each: every job reached a final state, no upload is half-written
(the sales rows are all there or none), exactly one active model per tenant,
no orphan artifact (every file in the tenant's models folder belongs to a
registered version and every version's file exists), and /healthz reported
the outage while it lasted. Printed as a table, then PASS/FAIL.

A bench, not a test: it kills processes while jobs run and polls for the
moment to do so; a job that finished before the fault is reported as such.

Run: .venv/bin/python bench/chaos.py [--quick]  (embedded servers only: it restarts them).
--quick: embedded PostgreSQL and Redis of its own (a temp folder, free ports,
stopped at the end: DATABASE_URL/REDIS_URL are ignored), smaller uploads, and
beat's heartbeat aged by the bench instead of waiting the 150 s it takes to go
stale; the verdict is printed, not enforced."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import is_quick, verdict  # noqa: E402
from _django import use_bench_database  # noqa: E402
from _stack import api, free_port, provision_tenants, wait_job  # noqa: E402

QUICK = is_quick()
if QUICK:  # servers of its own, whatever the caller's: they are restarted
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
use_bench_database("saas_bench_chaos")
if QUICK:
    os.environ["SAAS_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-chaos-quick-")
    os.environ["SAAS_PG_PORT"], os.environ["SAAS_REDIS_PORT"] = str(free_port()), str(free_port())
elif os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"):
    sys.exit("bench/chaos.py restarts the embedded PostgreSQL and Redis: unset DATABASE_URL/REDIS_URL")

from forecasting.demo_data import generate  # noqa: E402
from saas import embedded  # noqa: E402
from saas.beat import HEARTBEAT_KEY  # noqa: E402
from saas.celery import app  # noqa: E402  (after the environment above: its settings are read when first used)


class Proc:
    def __init__(self, name: str, cmd: list[str], env: dict, var: Path):
        self.name, self.cmd, self.env, self.var = name, cmd, env, var
        self.p = None
        self.start()

    def start(self):
        log = open(self.var / f"{self.name}.log", "a")
        self.p = subprocess.Popen(self.cmd, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)

    def kill(self, sig=signal.SIGKILL):
        try:
            os.killpg(self.p.pid, sig)
            self.p.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.p.pid, signal.SIGKILL)


class Stack:
    def __init__(self, var: Path):
        from django.conf import settings

        self.port = free_port()
        env = os.environ.copy()
        env.update({"DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL,
                    "SAAS_PORT": str(self.port), "ML_NUM_THREADS": "1", "LOG_LEVEL": "WARNING",
                    "PROMETHEUS_MULTIPROC_DIR": str(var / "prometheus"), "SAAS_HEALTHZ_CACHE_SECONDS": "0"})
        (var / "prometheus").mkdir(exist_ok=True)
        py, bin_dir = sys.executable, Path(sys.executable).parent

        def worker(name, queues):
            return [py, "-m", "celery", "-A", "saas", "worker", "-Q", queues, "--concurrency", "1",
                    "-n", f"{name}-{uuid.uuid4().hex[:4]}@%h", "--without-mingle", "--without-gossip",
                    "--loglevel", "INFO"]

        self.web = Proc("web", [str(bin_dir / "gunicorn"), "saas.wsgi", "--bind", f"127.0.0.1:{self.port}",
                                "--workers", "2", "--threads", "4", "--timeout", "120"], env, var)
        self.ingest = Proc("ingest", worker("ingest", "ingest"), env, var)
        self.ml = Proc("ml", worker("ml", "default,ml"), env, var)
        self.beat = Proc("beat", [py, "-m", "celery", "-A", "saas", "beat", "--schedule",
                                  str(var / "beat-schedule"), "--loglevel", "INFO"], env, var)
        self.health()  # up

    def health(self) -> dict:
        import requests

        deadline = time.monotonic() + 60
        while True:
            try:
                resp = requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=10)
                return {**resp.json(), "http": resp.status_code}
            except (requests.RequestException, ValueError) as exc:
                if time.monotonic() > deadline:
                    return {"http": 0, "error": str(exc)}
                time.sleep(0.5)

    def stop(self):
        for proc in (self.web, self.ingest, self.ml, self.beat):
            proc.kill(signal.SIGTERM)


def wait_status(stack, t, job_id, statuses=("running",), timeout=240 if QUICK else 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            job = api(stack, t, "GET", f"/api/v1/jobs/{job_id}/").json()
        except Exception:  # noqa: BLE001 - the stack may be down for a moment
            time.sleep(0.5)
            continue
        if job["status"] in statuses or job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise RuntimeError(f"job {job_id} never reached {statuses}")


def invariants(t, expected_sales: int | None) -> dict:
    """Final jobs, whole uploads, one active model, no orphan artifact."""
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from forecasting.models import ModelVersion, SalesRecord
    from jobs.models import Job
    from tenants.models import Tenant

    with tenant_context(Tenant.objects.get(slug=t["slug"])):
        open_jobs = Job.objects.exclude(status__in=["succeeded", "failed"]).count()
        sales = SalesRecord.objects.count()
        active = ModelVersion.objects.filter(status="active").count()
        versions = set(ModelVersion.objects.values_list("artifact_sha256", flat=True))
        missing = [v.number for v in ModelVersion.objects.all() if not Path(v.artifact_path).is_file()]
    folder = Path(settings.MEDIA_ROOT) / "tenants" / f"t_{t['slug'].replace('-', '_')}" / "models"
    files = {p.stem for p in folder.glob("*.fcm")} if folder.is_dir() else set()
    return {"open_jobs": open_jobs, "whole_upload": expected_sales is None or sales in (0, expected_sales),
            "sales": sales, "active": active, "orphans": len(files - versions), "missing": len(missing)}


def settle(stack, t, job_ids, timeout=240 if QUICK else 900):
    return [wait_job(stack, t, j, timeout=timeout)["status"] for j in job_ids]


def upload(stack, t, path, kind):
    with open(path, "rb") as fh:
        resp = api(stack, t, "POST", "/api/v1/uploads/", files={"file": (path.name, fh)}, data={"kind": kind})
    assert resp.status_code == 202, resp.text
    return resp.json()["job"]["id"]


def train(stack, t):
    body = {"horizon": 4, "backtest_windows": 1} if QUICK else {"horizon": 13, "backtest_windows": 2}
    resp = api(stack, t, "POST", "/api/v1/models/train/", json=body)
    assert resp.status_code == 202, resp.text
    return resp.json()["job"]["id"]


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="servers of its own, small uploads; verdict not enforced")
    args = ap.parse_args()
    if not args.quick:
        return _main(quick=False)
    try:
        return _main(quick=True)
    finally:
        from django.db import connections

        connections.close_all()
        embedded.stop_redis()
        embedded.stop_postgres()
        import shutil

        shutil.rmtree(os.environ["SAAS_VAR_DIR"], ignore_errors=True)


def age_beat_heartbeat() -> None:
    """Quick mode: make beat's last heartbeat older than /healthz tolerates (what
    150 s without beat would do)."""
    from django.core.cache import cache
    from django_tenants.utils import get_public_schema_name, schema_context

    with schema_context(get_public_schema_name()):
        cache.set(HEARTBEAT_KEY, time.time() - 3600, timeout=None)


def recover_when_idle() -> None:
    """Quick mode: once the ML worker runs no training (the one PostgreSQL's restart cut short has ended),
    the job recovery beat sends every minute is sent now: a job left running goes back to the queue."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        replies = app.control.inspect(timeout=1).active() or {}
        ml = [tasks for name, tasks in replies.items() if name.startswith("ml-")]
        if ml and not any(task["name"] == "forecasting.tasks.train_model" for tasks in ml for task in tasks):
            break
        time.sleep(0.5)
    app.send_task("forecasting.tasks.recover_jobs")


STARTED = time.monotonic()


def step(message: str) -> None:
    """A progress line with the elapsed time: a run stopped by a timeout shows where it was."""
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


def _main(quick: bool) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("setup_platform", verbosity=0)
    var = Path(tempfile.mkdtemp(prefix="saas-chaos-"))
    small = generate(var / "small", seed=11, small=True)
    big = (generate(var / "big", seed=12, stores=6, depts=10) if quick else
           generate(var / "big", seed=12, stores=20, depts=40))  # an upload that takes a moment
    big_rows = sum(1 for _ in open(big["sales"])) - 1
    step("data generated")
    tenants = provision_tenants(5, users=1)
    step("5 workspaces provisioned")
    stack = Stack(var)
    step("stack up (gunicorn, ingest and ML workers, beat)")
    rows = []

    def record(name, t, seen, job_ids, expected_sales=None, note=""):
        finals = settle(stack, t, job_ids)
        inv = invariants(t, expected_sales)
        ok = (inv["open_jobs"] == 0 and inv["whole_upload"] and inv["active"] <= 1 and inv["orphans"] == 0
              and inv["missing"] == 0 and seen)
        rows.append((name, "/".join(finals), inv, seen, note, ok))
        step(f"{name}: {'/'.join(finals)}")

    try:
        for i, t in enumerate(tenants):
            files = big if i == 0 else small
            for kind in ("stores", "features") if i == 0 else ("stores", "features", "sales"):
                done = wait_job(stack, t, upload(stack, t, files[kind], kind), timeout=240 if QUICK else 1800)
                assert done["status"] == "succeeded", done
        step("uploads loaded")

        # 1. SIGKILL the ingest worker during an upload
        t = tenants[0]
        job = upload(stack, t, big["sales"], "sales")
        state = wait_status(stack, t, job)
        note = "" if state["status"] == "running" else "upload finished before the kill"
        stack.ingest.kill()
        seen = not stack.health().get("celery", {}).get("ok", True)
        stack.ingest.start()
        record("SIGKILL ingest worker mid-upload", t, seen, [job], expected_sales=big_rows, note=note)

        # 2. SIGKILL the ML worker during a training
        t = tenants[1]
        job = train(stack, t)
        state = wait_status(stack, t, job)
        stack.ml.kill()
        health = stack.health()
        seen = not health.get("celery", {}).get("ok", True)
        stack.ml.start()
        record("SIGKILL ML worker mid-training", t, seen, [job],
               note="" if state["status"] == "running" else "training finished before the kill")

        # 3. restart Redis during a training
        t = tenants[2]
        job = train(stack, t)
        wait_status(stack, t, job)
        embedded.stop_redis()
        health = stack.health()
        seen = not health.get("redis", {}).get("ok", True) or health["http"] == 503
        embedded.start_redis()
        record("restart Redis mid-training", t, seen, [job])

        # 4. restart PostgreSQL during a training
        t = tenants[3]
        job = train(stack, t)
        wait_status(stack, t, job)
        embedded.stop_postgres()
        health = stack.health()
        seen = health["http"] in (0, 503) and not health.get("database", {}).get("ok", False)
        embedded.start_postgres()
        from django.db import connections

        connections.close_all()
        if quick:
            print("quick mode: the training cut short recovered once the ML worker is idle instead of at beat's "
                  "next minute", flush=True)
            recover_when_idle()
        record("restart PostgreSQL mid-training", t, seen, [job])

        # 5. stop beat: /healthz says so once its heartbeat is stale
        t = tenants[4]
        stack.beat.kill(signal.SIGTERM)
        if quick:
            print("quick mode: beat's heartbeat aged by the bench instead of waiting for it to go stale", flush=True)
            age_beat_heartbeat()
        deadline = time.monotonic() + 240
        seen = False
        while time.monotonic() < deadline and not seen:
            beat = stack.health().get("beat", {})
            seen = beat.get("ok") is False
            time.sleep(0 if seen else 1 if quick else 5)
        stack.beat.start()
        record("stop beat", t, seen, [train(stack, t)])
    finally:
        stack.stop()

    print(f"\n{'fault':<34}{'jobs':<12}{'open':>5}{'whole upload':>14}{'active':>7}{'orphans':>8}"
          f"{'missing':>8}{'healthz saw it':>16}  ok")
    for name, finals, inv, seen, note, ok in rows:
        print(f"{name:<34}{finals:<12}{inv['open_jobs']:>5}{str(inv['whole_upload']):>14}{inv['active']:>7}"
              f"{inv['orphans']:>8}{inv['missing']:>8}{str(seen):>16}  {'yes' if ok else 'NO'}"
              + (f"  ({note})" if note else ""))
    ok = all(r[-1] for r in rows)
    print(f"{'PASS' if ok else 'FAIL'}: every fault ends with final jobs, whole uploads, at most one active model, "
          f"no orphan artifact, and /healthz reporting the outage ({big_rows:,} rows in the big upload)")
    return verdict(ok, quick)


if __name__ == "__main__":
    sys.exit(main())
