"""Upload fuzzing: 1,000+ generated bad or odd files (mutations of real-looking
sales, features and stores files: truncations, encodings, separators, quotes,
huge fields, wrong types, duplicate keys, compressed junk) sent through the
API of a real gunicorn to a real ingest worker. Prints the answers and
outcomes, then PASS/FAIL: no 5xx, every job ends, every failed upload has a
clear report and wrote nothing, every loaded one accounts for its rows.
Baseline in the same run: the time of one valid upload.

Run: .venv/bin/python bench/fuzz_uploads.py [--n 1000] [--seed 0] [--quick]
(--quick: 30 files, one web worker, quick database; target not enforced)"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import add_quick, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("saas_bench_fuzz_uploads")
from _stack import Stack, api, provision_tenants, wait_job  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    add_quick(ap)
    args = ap.parse_args()
    if args.quick:
        args.n = min(args.n, 30)
    import django

    django.setup()
    from django_tenants.utils import tenant_context

    from forecasting.models import SalesRecord, Store, StoreWeek
    from tenants.models import Tenant
    from tests.forecasting.ingest.upload_fuzz import run

    setup_platform()
    (t,) = provision_tenants(1, users=1)
    tenant = Tenant.objects.get(slug=t["slug"])
    stack = Stack(Path(tempfile.mkdtemp(prefix="saas-fuzz-uploads-")), web_workers=1 if args.quick else 2)

    def post(name, data, kind):
        resp = api(stack, t, "POST", "/api/v1/uploads/", files={"file": (name, data)},
                   data={"kind": kind} if kind else None)
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, resp.content

    def get(path):
        resp = api(stack, t, "GET", path)
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, resp.content

    def counts():
        with tenant_context(tenant):
            return {m.__name__: m.objects.count() for m in (SalesRecord, Store, StoreWeek)}

    try:
        started = time.monotonic()
        job = api(stack, t, "POST", "/api/v1/uploads/", files={"file": ("stores.csv", b"Store,Type,Size\n1,A,151315\n")})
        assert wait_job(stack, t, job.json()["job"]["id"])["status"] == "succeeded"
        baseline = time.monotonic() - started
        started = time.monotonic()
        out = run(n=args.n, seed=args.seed, post=post, get=get, counts=counts)
        seconds = time.monotonic() - started
    finally:
        stack.stop()
    fivexx = sum(n for s, n in out.statuses.items() if s >= 500)
    print(f"{out.files:,} files in {seconds:.0f} s ({seconds / max(out.files, 1):.2f} s per file; "
          f"one valid upload alone {baseline:.2f} s)")
    print("POST answers:", dict(sorted(out.statuses.items())))
    print("outcomes:", dict(out.results))
    for name, what in out.problems[:20]:
        print(f"  problem: {name}: {what}")
    ok = out.files >= args.n and fivexx == 0 and not out.problems
    print(f"{'PASS' if ok else 'FAIL'}: {fivexx} 5xx (target 0), {len(out.problems)} files without a clear outcome "
          f"(target 0), {out.files:,} files (target >= {args.n:,})")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
