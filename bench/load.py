"""Load: 10 tenants x 5 users (Locust) mixing page views, API reads, on-demand
forecasts, uploads and a few trainings for 2 minutes against a real gunicorn
and Celery worker on loopback. Prints per endpoint the request count, 5xx
count, median and p95, and PASS/FAIL: 0 5xx and p95 of reads <= 300 ms.
Baseline in the same run: GET /api/v1/me/ with no other load.

Then fair scheduling: one tenant queues 20 trainings; another tenant's upload
and training are timed against the same upload and training on an idle
system.

Run: .venv/bin/python bench/load.py [--tenants 10] [--users 5] [--seconds 120]
(needs `pip install -r requirements/bench.txt` for Locust; `make bench` does it).
--quick: 2 tenants x 1 user for 10 s, A queues 2 trainings, one web worker,
quick database; without Locust the load part is skipped with a note; targets
not enforced."""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import add_quick, optional, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("saas_bench_load")
from _stack import Stack, api, baseline_me, load_and_train, provision_tenants, wait_job  # noqa: E402

READ_TARGET_MS = 300


def run_locust(stack, tenants, users, seconds, var: Path) -> list[dict]:
    tenants_file = var / "tenants.json"
    tenants_file.write_text(json.dumps(tenants))
    env = {**os.environ, "LOAD_TENANTS": str(tenants_file)}
    prefix = var / "locust"
    cmd = [str(Path(sys.executable).parent / "locust"), "-f", str(REPO / "bench" / "locustfile.py"), "--headless",
           "-u", str(users), "-r", "10", "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{stack.port}",
           "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]
    subprocess.run(cmd, cwd=REPO, env=env, timeout=seconds + 120)
    with open(f"{prefix}_stats.csv") as fh:
        stats = [r for r in csv.DictReader(fh) if r["Name"] != "Aggregated"]
    fivexx: dict[str, int] = {}
    with open(f"{prefix}_failures.csv") as fh:
        for r in csv.DictReader(fh):
            if r["Error"].startswith(("5xx", "CatchResponseError('5xx")) or "Connection" in r["Error"]:
                fivexx[f"{r['Method']} {r['Name']}"] = fivexx.get(f"{r['Method']} {r['Name']}", 0) + int(r["Occurrences"])
    for r in stats:
        r["5xx"] = fivexx.get(f"{r['Type']} {r['Name']}", 0)
    return stats


def fair_scheduling(stack, tenants, files, queued: int = 20) -> tuple[float, float, float, float]:
    """(B's upload+training seconds idle, the same while A has 20 trainings queued)."""
    a, b = tenants[0], tenants[1]

    def b_round():
        s = time.monotonic()
        with open(files["sales"], "rb") as fh:
            resp = api(stack, b, "POST", "/api/v1/uploads/", files={"file": ("sales.csv", fh)}, data={"kind": "sales"})
        assert wait_job(stack, b, resp.json()["job"]["id"])["status"] == "succeeded"
        upload_s = time.monotonic() - s
        resp = api(stack, b, "POST", "/api/v1/models/train/", json={"horizon": 13, "backtest_windows": 2})
        assert wait_job(stack, b, resp.json()["job"]["id"])["status"] == "succeeded"
        return upload_s, time.monotonic() - s

    idle_upload, idle_total = b_round()
    a_jobs = []
    for _ in range(queued):
        resp = api(stack, a, "POST", "/api/v1/models/train/", json={"horizon": 13, "backtest_windows": 2})
        if resp.status_code == 202:
            a_jobs.append(resp.json()["job"]["id"])
    busy_upload, busy_total = b_round()
    print(f"tenant A queued {len(a_jobs)} trainings")
    return idle_upload, busy_upload, idle_total, busy_total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--users", type=int, default=5, help="users per tenant")
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--skip-fairness", action="store_true")
    add_quick(ap)
    args = ap.parse_args()
    if args.quick:
        args.tenants, args.users, args.seconds = 2, 1, 10
    with_locust = optional("locust", "the Locust load (per-endpoint table)", args.quick)
    import django

    django.setup()
    from forecasting.demo_data import generate

    setup_platform()
    var = Path(tempfile.mkdtemp(prefix="saas-load-"))
    files = generate(var / "data", seed=5, small=True)
    tenants = provision_tenants(args.tenants, args.users)
    stack = Stack(var, web_workers=1 if args.quick else 2)
    try:
        t0 = time.monotonic()
        train_s = load_and_train(stack, tenants, files)
        print(f"{len(tenants)} tenants loaded and trained in {time.monotonic() - t0:.0f} s (trainings {train_s:.0f} s)")
        base = baseline_me(stack, tenants[0])
        stats = run_locust(stack, tenants, args.tenants * args.users, args.seconds, var) if with_locust else []
        print(f"\n{'endpoint':<36}{'requests':>9}{'5xx':>6}{'median ms':>11}{'p95 ms':>9}")
        total_5xx, worst_read = 0, 0.0
        for r in sorted(stats, key=lambda r: r["Name"]):
            p95 = float(r["95%"]) if r["95%"] not in ("N/A", "") else float("nan")
            print(f"{r['Name']:<36}{r['Request Count']:>9}{r['5xx']:>6}{float(r['Median Response Time']):>11.0f}{p95:>9.0f}")
            total_5xx += r["5xx"]
            is_read = r["Type"] == "GET" and not r["Name"].startswith("GET /accounts")
            if is_read:
                worst_read = max(worst_read, p95)
        print(f"baseline GET /api/v1/me/ (idle, same run): p95 {base:.1f} ms")
        ok = total_5xx == 0 and worst_read <= READ_TARGET_MS and with_locust
        print(f"{'PASS' if ok else 'FAIL'}: {total_5xx} 5xx (target 0); worst read p95 {worst_read:.0f} ms "
              f"(target <= {READ_TARGET_MS} ms)")
        if not args.skip_fairness:
            queued = 2 if args.quick else 20
            iu, bu, it, bt = fair_scheduling(stack, tenants, files, queued)
            print(f"fair scheduling: tenant B's upload {iu:.1f} s idle vs {bu:.1f} s while A has {queued} trainings queued; "
                  f"B's upload + training {it:.1f} s idle vs {bt:.1f} s")
            fair = bt <= max(3 * it, it + 60)
            print(f"{'PASS' if fair else 'FAIL'}: another tenant's work is not held behind A's queue")
            ok = ok and fair
        return verdict(ok, args.quick)
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
