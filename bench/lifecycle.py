"""Bench: the model lifecycle on the real Walmart data, through the product.

A real stack (gunicorn, a Celery worker, beat; the bench database) and a fresh
tenant on the enterprise plan (500 trainings a day: the quota never blocks a
retrain here). Through the HTTP API: set the retraining policy (on new data,
at least 4 weeks; on degradation; cool-down 0; schedule off), upload stores,
features and the sales history to 2011-12-30, train by hand (horizon 13,
2-window backtest), then upload the following weeks 4 at a time up to
2012-07-27. After each batch it waits until every job is final (the upload,
its ``evaluate`` job, any training the policy triggered) and prints one row:

- the batch's weeks; the champion that forecast them (active before the upload);
- its live WMAE and seasonal naive's on the same rows, from the stored
  evaluation of the champion's newest run that predicted those weeks
  (``live wk``: realized weeks that evaluation covers, cumulative per run
  since its origin; ``-`` when no run of the champion reached the batch);
- drift: share of series outside their 95% band, the store whose actuals moved
  furthest from the forecast (actual / forecast);
- triggers fired (``model.retrain_triggered`` audit events and their jobs);
- versions promoted, rejected and rolled back during the step (audit events),
  and those that started a shadow period (``--shadow-weeks N``: the policy's
  shadow period; default 0, off);
- the count of active versions (ORM, tenant schema): must be exactly 1.

Ends with PASS/FAIL: one active version after every step and every job final.
The batch files go to a temp dir; the data is never copied into the repo.

Run: ML_NUM_THREADS=1 .venv/bin/python bench/lifecycle.py [--data DIR] [--shadow-weeks N]
(data: --data, $WALMART_DATA_DIR or ../shared/data/walmart).
--quick: the generator's small data (same calendar), 2 batches (to 2012-02-24), a first
training of horizon 8 with 1 backtest window, one web worker, quick database; the verdict is printed, not enforced."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import parser, quick_data, require_data, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("saas_bench_lifecycle")
from _stack import Stack, api, provision_tenants, wait_job  # noqa: E402

HISTORY_END, LAST_WEEK, BATCH = "2011-12-30", "2012-07-27", 4
QUICK_LAST_WEEK = "2012-02-24"  # two batches
POLICY = {"schedule": "off", "on_new_data": True, "min_new_weeks": 4, "on_degradation": True,
          "cooldown_hours": 0}
FINAL = ("succeeded", "failed")


class LifecycleStack(Stack):
    """The bench stack plus beat (the product's periodic tasks run as in production)."""

    def __init__(self, var: Path, web_workers: int = 2):
        super().__init__(var, web_workers=web_workers)
        from django.conf import settings

        env = os.environ.copy()
        env.update({"DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL,
                    "SAAS_PORT": str(self.port), "LOG_LEVEL": "WARNING"})
        self.beat = subprocess.Popen([sys.executable, "-m", "celery", "-A", "saas", "beat", "--schedule",
                                      str(var / "beat-schedule"), "--loglevel", "WARNING"], cwd=REPO, env=env,
                                     stdout=open(var / "beat.log", "w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self):
        super().stop()
        try:
            os.killpg(self.beat.pid, signal.SIGTERM)
            self.beat.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.beat.pid, signal.SIGKILL)


def upload(stack, t, path: Path, kind: str) -> int:
    with open(path, "rb") as fh:
        resp = api(stack, t, "POST", "/api/v1/uploads/", files={"file": (path.name, fh)}, data={"kind": kind})
    assert resp.status_code == 202, resp.text
    return resp.json()["job"]["id"]


def settle(tenant, since_job: int, timeout=1500, poll: float = 3) -> list:
    """Wait until the upload's evaluate job exists and no job is queued or
    running (twice in a row, ``poll`` s apart: a job may enqueue the next one)."""
    from django_tenants.utils import tenant_context

    from jobs.models import Job

    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            jobs = list(Job.objects.filter(pk__gte=since_job).values("id", "kind", "status", "params"))
        evaluated = any(j["kind"] == "evaluate" for j in jobs)
        if all(j["status"] in FINAL for j in jobs):
            quiet += 1
            if quiet >= (2 if evaluated else 10):  # an upload that adds no week has no evaluate job
                return jobs
        else:
            quiet = 0
        time.sleep(poll)
    raise RuntimeError(f"jobs since {since_job} not final in {timeout}s")


def step_figures(tenant, *, champion, upload_job: int, first: str, last: str, since_seq: int) -> dict:
    from django_tenants.utils import tenant_context

    from accounts.models import AuditEvent
    from forecasting.models import DriftReport, ModelEvaluation, ModelVersion, Upload
    from jobs.models import Job

    with tenant_context(tenant):
        ev = None
        if champion is not None:
            # the newest realized week of the batch the champion's runs covered (a champion kept after a
            # rejected retrain is refreshed from the newest week: forecasting/services/refresh.py)
            ev = (ModelEvaluation.objects.filter(model_version=champion, last_week__gte=first, last_week__lte=last)
                  .order_by("-last_week", "-origin", "-run_id").first())
        up = Upload.objects.filter(job_id=upload_job).first()
        drift = DriftReport.objects.filter(upload=up).first() if up else None
        events = list(AuditEvent.objects.filter(sequence__gt=since_seq).order_by("sequence")
                      .values("action", "target_id", "payload", "sequence"))
        seq = max([since_seq] + [e["sequence"] for e in events])
        active = list(ModelVersion.objects.filter(status="active").values_list("number", flat=True))
        open_jobs = Job.objects.exclude(status__in=FINAL).count()
        failed = list(Job.objects.filter(pk__gte=upload_job, status="failed").values_list("kind", flat=True))
        numbers = dict(ModelVersion.objects.values_list("pk", "number"))
        triggers = [f"{j.params.get('trigger', '?')}" for j in Job.objects.filter(pk__gte=upload_job, kind="train")]
    store_shift = ""
    if drift is not None:
        stores = [r for r in (drift.figures.get("band") or {}).get("level_shift", {}).get("store", [])
                  if r.get("ratio") is not None]
        if stores:
            top = max(stores, key=lambda r: abs(r["ratio"] - 1))
            store_shift = f"s{top['store']} x{top['ratio']:.2f}"

    def versions(action):
        return ",".join(f"v{numbers.get(int(e['target_id']), e['target_id'])}" for e in events
                        if e["action"] == action and str(e["target_id"]).isdigit()) or "-"

    fired = [e["payload"].get("trigger", "?") for e in events if e["action"] == "model.retrain_triggered"]
    return {"ev": ev, "drift": drift, "store_shift": store_shift, "seq": seq, "active": active,
            "open_jobs": open_jobs, "failed": failed, "fired": fired or triggers,
            "promoted": versions("model.promoted"), "rejected": versions("model.rejected"),
            "rolled_back": versions("model.rolled_back"), "shadow": versions("model.shadow_started")}


def main() -> int:
    cli = parser(__doc__)
    cli.add_argument("--shadow-weeks", type=int, default=0, help="the policy's shadow period (0: off)")
    args = cli.parse_args()
    data = quick_data() if args.quick else require_data(args.data)
    last_week, poll = (QUICK_LAST_WEEK, 1) if args.quick else (LAST_WEEK, 3)
    import django

    django.setup()
    import pandas as pd
    from django_tenants.utils import tenant_context

    from accounts.models import AuditEvent
    from forecasting.models import ModelVersion
    from tenants.models import Tenant

    setup_platform()
    tmp = Path(tempfile.mkdtemp(prefix="bench-lifecycle-"))
    sales = pd.read_csv(data / "train.csv")
    sales[sales["Date"] <= HISTORY_END].to_csv(tmp / "history.csv", index=False)
    weeks = sorted(d for d in sales["Date"].unique() if HISTORY_END < d <= last_week)
    batches = [weeks[i:i + BATCH] for i in range(0, len(weeks), BATCH)]
    for i, b in enumerate(batches):
        sales[sales["Date"].isin(b)].to_csv(tmp / f"batch{i + 1:02d}.csv", index=False)

    t = provision_tenants(1, users=1)[0]
    tenant = Tenant.objects.get(slug=t["slug"])
    stack = LifecycleStack(tmp, web_workers=1 if args.quick else 2)
    rows, ok = [], True
    started = time.monotonic()
    try:
        resp = api(stack, t, "PUT", "/api/v1/retraining-policy/", json={**POLICY, "shadow_weeks": args.shadow_weeks})
        assert resp.status_code == 200, resp.text
        for kind, path in (("stores", data / "stores.csv"), ("features", data / "features.csv"),
                           ("sales", tmp / "history.csv")):
            assert wait_job(stack, t, upload(stack, t, path, kind))["status"] == "succeeded", kind
        # the history upload may itself trigger a retrain (new data): let it end before the manual one
        with tenant_context(tenant):
            from jobs.models import Job
            first_job = Job.objects.order_by("pk").first().pk
        settle(tenant, first_job, poll=poll)
        s = time.monotonic()
        by_hand = {"horizon": 8, "backtest_windows": 1} if args.quick else {"horizon": 13, "backtest_windows": 2}
        resp = api(stack, t, "POST", "/api/v1/models/train/", json=by_hand)
        assert resp.status_code == 202, resp.text
        job = wait_job(stack, t, resp.json()["job"]["id"])
        settle(tenant, resp.json()["job"]["id"], poll=poll)
        with tenant_context(tenant):
            champion = ModelVersion.objects.filter(status="active").first()
            seq = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        print(f"history to {HISTORY_END}: manual training {job['status']} in {time.monotonic() - s:.0f} s -> "
              f"champion v{champion.number if champion else '-'} ({champion.chosen if champion else '-'}, "
              f"backtest WMAE {champion.wmae:,.0f})" if champion else "no champion after the manual training",
              flush=True)
        ok = ok and champion is not None
        head = (f"{'batch':<24}{'champ':>6}{'live WMAE':>11}{'naive':>10}{'live wk':>8}{'out95':>7}"
                f"{'store shift':>13}  {'triggers':<22}{'shadow':<8}{'promoted':<10}{'rejected':<10}{'rolled back':<12}"
                f"{'active':>6}{'s':>6}")
        print(head, flush=True)
        for i, b in enumerate(batches):
            s = time.monotonic()
            job_id = upload(stack, t, tmp / f"batch{i + 1:02d}.csv", "sales")
            settle(tenant, job_id, poll=poll)
            f = step_figures(tenant, champion=champion, upload_job=job_id, first=b[0], last=b[-1], since_seq=seq)
            seq = f["seq"]
            ev = f["ev"]
            out95 = f["drift"].share_outside95 if f["drift"] is not None else None
            step_ok = len(f["active"]) == 1 and f["open_jobs"] == 0
            ok = ok and step_ok
            row = (f"{b[0]}..{b[-1][5:]:<11}{'v%d' % champion.number if champion else '-':>6}"
                   f"{(f'{ev.wmae:,.0f}' if ev else '-'):>11}{(f'{ev.seasonal_naive_wmae:,.0f}' if ev else '-'):>10}"
                   f"{(ev.weeks if ev else '-'):>8}{(f'{out95:.0%}' if out95 is not None else '-'):>7}"
                   f"{f['store_shift'] or '-':>13}  {(','.join(f['fired']) or '-'):<22}{f['shadow']:<8}"
                   f"{f['promoted']:<10}{f['rejected']:<10}{f['rolled_back']:<12}{len(f['active']):>6}{time.monotonic() - s:>6.0f}"
                   + (f"  failed jobs: {','.join(f['failed'])}" if f["failed"] else "")
                   + ("" if step_ok else "  <-- NOT exactly one active version / open jobs"))
            rows.append(row)
            print(row, flush=True)
            decision = api(stack, t, "GET", "/api/v1/retraining-policy/").json().get("last_decision") or {}
            if not f["fired"] and decision.get("outcome") == "skipped":
                print(f"{'':<24}policy skipped: {decision.get('reason')}", flush=True)
            with tenant_context(tenant):
                champion = ModelVersion.objects.filter(status="active").first()
    finally:
        stack.stop()
    print(f"\n{len(batches)} batches in {(time.monotonic() - started) / 60:.1f} min (tenant {t['slug']}, "
          f"logs in {tmp})")
    print(f"{'PASS' if ok else 'FAIL'}: exactly one active version after every step, every job final")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
