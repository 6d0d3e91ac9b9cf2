"""Fair scheduling: how long tenant B waits for its upload and its training
while tenant A has N trainings queued, through real Celery workers laid
out as in the Procfile (`-Q default,ml --concurrency 2` and `-Q ingest`).

Three runs on fresh tenants (generated data, same for all):
  alone    B alone (baseline)
  capped   A queues N trainings first; at most JOBS_HEAVY_PER_TENANT=1 of A's run at once
  uncapped the same with the cap lifted (JOBS_HEAVY_PER_TENANT=999): plain FIFO
Prints B's waits (queued -> started) and totals per run. PASS when, with the
cap, B's training starts within the duration of one of A's trainings and at
least 4x sooner than without the cap.

Run: .venv/bin/python bench/fairness.py [--n 20] [--quick]
(--quick: A queues 2 trainings of 1 backtest window each, quick database; the
verdict is printed, not enforced.)
"""
from __future__ import annotations

import argparse
import io
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
from _data import add_quick, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("saas_bench_fair")


def start_workers(cap: int, log: Path) -> list[subprocess.Popen]:
    """As in the Procfile: one worker for default+ml, one for ingest."""
    from django.conf import settings

    from saas.celery import app

    env = dict(os.environ, DATABASE_URL=settings.DATABASE_URL, REDIS_URL=settings.REDIS_URL,
               JOBS_HEAVY_PER_TENANT=str(cap), ML_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    tag = uuid.uuid4().hex[:6]
    procs = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "saas", "worker", "-Q", queues,
                               "--concurrency", conc, "-n", f"fair-{role}-{tag}@%h", "--without-mingle",
                               "--without-gossip", "--loglevel", "WARNING"], cwd=REPO, env=env,
                              stdout=open(log, "a"), stderr=subprocess.STDOUT, start_new_session=True)
             for role, queues, conc in (("main", "default,ml", "2"), ("ingest", "ingest", "1"))]
    deadline = time.monotonic() + 120
    while sum(n.endswith(tag) or f"-{tag}@" in n for r in (app.control.ping(timeout=0.5) or []) for n in r) < 2:
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            raise SystemExit("workers did not start:\n" + log.read_text()[-3000:])
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    from saas.celery import app

    for proc in procs:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    app.control.purge()  # what the run left queued never reaches the next run


def wait_done(tenant, job_id: int, timeout: float = 3600):
    from django_tenants.utils import tenant_context

    from jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            job = Job.objects.get(pk=job_id)
        if job.is_done:
            if job.status != "succeeded":
                raise SystemExit(f"job {job_id} of {tenant.slug} failed: {job.error[:500]}")
            return job
        time.sleep(0.2)
    raise SystemExit(f"job {job_id} of {tenant.slug} not done in {timeout} s")


def new_tenant(prefix: str):
    from tenants.services import tenant_provision

    slug = f"{prefix}-{uuid.uuid4().hex[:6]}"
    return tenant_provision(slug=slug, name=slug, owner_email=f"o@{slug}.test", owner_password="Bench-pass-2026!",
                            plan="enterprise").tenant


def load(tenant, files) -> None:
    from django_tenants.utils import tenant_context

    from accounts.audit import Actor
    from forecasting.services.uploads import upload_create

    with tenant_context(tenant):
        jobs = []
        for kind in ("stores", "features", "sales"):
            with open(files[kind], "rb") as fh:
                jobs.append(upload_create(actor=Actor.system(), file=fh, filename=files[kind].name, kind=kind).job_id)
    for job_id in jobs:
        wait_done(tenant, job_id)


def run(label: str, n_a: int, cap: int, files, log: Path, windows: int = 4) -> dict:
    from django_tenants.utils import tenant_context

    from accounts.audit import Actor
    from forecasting.services.training import model_train_start
    from forecasting.services.uploads import upload_create
    from tenants.services import tenant_suspend

    workers = start_workers(cap, log)
    try:
        a, b = new_tenant("fair-a"), new_tenant("fair-b")
        if n_a:
            load(a, files)
        load(b, files)
        a_jobs = []
        with tenant_context(a):
            for _ in range(n_a):
                a_jobs.append(model_train_start(actor=Actor.system(), horizon=13, backtest_windows=windows).pk)
        with tenant_context(b):
            up = upload_create(actor=Actor.system(), file=io.BytesIO(files["sales"].read_bytes()),
                               filename="again.csv", kind="sales").job_id
            tr = model_train_start(actor=Actor.system(), horizon=13, backtest_windows=windows).pk
        up_job, tr_job = wait_done(b, up), wait_done(b, tr)
        first_a = wait_done(a, a_jobs[0]) if a_jobs else None
        if n_a:
            tenant_suspend(slug=a.slug, reason="bench over")  # A's leftovers wait for ever
    finally:
        stop_workers(workers)

    def wait(job):
        return (job.started_at - job.created_at).total_seconds()

    def total(job):
        return (job.finished_at - job.created_at).total_seconds()

    return {"label": label, "upload_wait": wait(up_job), "upload_total": total(up_job), "train_wait": wait(tr_job),
            "train_total": total(tr_job),
            "a_train": (first_a.finished_at - first_a.started_at).total_seconds() if first_a else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20, help="trainings tenant A queues (default 20)")
    add_quick(ap)
    args = ap.parse_args()
    windows = 4
    if args.quick:
        args.n, windows = min(args.n, 2), 1
    import django

    django.setup()
    from forecasting.demo_data import generate

    setup_platform()
    tmp = Path(tempfile.mkdtemp(prefix="fair-"))
    files = generate(tmp / "data", seed=3, small=True)
    log = tmp / "worker.log"
    rows = [run("alone", 0, 1, files, log, windows), run("capped", args.n, 1, files, log, windows),
            run("uncapped", args.n, 999, files, log, windows)]
    print(f"\nTenant B's upload and training while tenant A has {args.n} trainings queued "
          "(seconds; wait = queued -> started)")
    print(f"{'run':<10} {'upload wait':>12} {'upload total':>13} {'training wait':>14} {'training total':>15}")
    for r in rows:
        print(f"{r['label']:<10} {r['upload_wait']:>12.1f} {r['upload_total']:>13.1f} {r['train_wait']:>14.1f} "
              f"{r['train_total']:>15.1f}")
    alone, capped, uncapped = rows
    one_a = capped["a_train"]
    print(f"one of A's trainings runs {one_a:.1f} s")
    ok = capped["train_wait"] <= one_a and capped["train_wait"] * 4 <= uncapped["train_wait"]
    print(f"{'PASS' if ok else 'FAIL'}: with the cap B's training waited {capped['train_wait']:.1f} s "
          f"(<= one A training {one_a:.1f} s; without the cap {uncapped['train_wait']:.1f} s, alone "
          f"{alone['train_wait']:.1f} s)")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
