"""Cost of the tamper-evident audit chain.

1. Writing: ``audit_record`` (locks the chain head, hashes, inserts, moves the
   head), one event per transaction as services do, vs the baseline of the
   plain insert it replaced (same row, no lock, no hash), in another tenant.
2. ``verify_chain`` over the whole log (events per second).
3. The Audit page's listing with runs of failed logins folded in SQL (count +
   first page, and the last page) vs the baseline of plain newest-first
   pagination of the same rows. Half of the events are failed-login floods.

Targets: a chained write <= 3x the plain insert; verify >= 5,000 events/s; the
folded listing's first page <= 1 s at the bench size. Exit status 0 on PASS.

Uses its own database ``saas_bench_audit`` (see bench/_django.py).

    .venv/bin/python bench/audit.py [--events 20000] [--quick]

--quick: 600 events per tenant on the quick database; targets not enforced.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

BENCH_DB = "saas_bench_audit"
PASSWORD = "Bench-pass-2026!x"


def _setup():
    from _django import setup_platform, use_bench_database

    use_bench_database(BENCH_DB)
    import django

    django.setup()
    setup_platform()


def _tenant(prefix: str):
    from tenants.services import tenant_provision

    slug = f"{prefix}-{uuid.uuid4().hex[:6]}"
    return tenant_provision(slug=slug, name=slug, owner_email=f"owner@{slug}.test", owner_password=PASSWORD).tenant


def _write(n: int, chained: bool) -> list[float]:
    from django.db import transaction
    from django.utils import timezone

    from accounts.audit import Actor, audit_record
    from accounts.models import AuditEvent

    times = []
    for i in range(n):
        flood = (i // 500) % 2 == 0  # alternate runs of 500 failed logins and 500 other events
        action = "auth.login_failed" if flood else "member.role_change"
        payload = {"username": "owner@x.test"} if flood else {"email": f"u{i}@x.test", "from": "viewer", "to": "analyst"}
        t0 = time.perf_counter()
        with transaction.atomic():
            if chained:
                audit_record(action=action, actor=Actor.system(ip="10.0.0.1"), target_type="" if flood else "user",
                             target_id=None if flood else i, payload=payload)
            else:
                AuditEvent.objects.create(created_at=timezone.now(), action=action, actor_label="system", ip="10.0.0.1",
                                          target_type="" if flood else "user",
                                          target_id="" if flood else str(i), payload=payload,
                                          sequence=-(i + 1) - 10**9, prev_hash="", hash="")
        times.append(time.perf_counter() - t0)
    return times


def _listing(collapse: bool) -> tuple[float, float, int]:
    from django.core.paginator import Paginator

    from accounts import selectors

    rows = selectors.audit_rows(collapse=True) if collapse else selectors.audit_event_list()
    t0 = time.perf_counter()
    pager = Paginator(rows, 50)
    first = list(pager.page(1).object_list)
    t1 = time.perf_counter()
    list(pager.page(pager.num_pages).object_list)
    t2 = time.perf_counter()
    assert first
    return t1 - t0, t2 - t1, pager.count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--quick", action="store_true", help="600 events; targets not enforced")
    args = parser.parse_args()
    if args.quick:
        args.events = min(args.events, 600)
    _setup()
    from django_tenants.utils import tenant_context

    from accounts.audit.chain import verify_chain

    chained_t, plain_t = _tenant("auditbench"), _tenant("auditbase")
    with tenant_context(plain_t):
        plain = _write(args.events, chained=False)
    with tenant_context(chained_t):
        chained = _write(args.events, chained=True)
        t0 = time.perf_counter()
        report = verify_chain()
        verify_s = time.perf_counter() - t0
        assert report.ok, report.first_break
        folded_first, folded_last, folded_rows = _listing(collapse=True)
        plain_first, plain_last, plain_rows = _listing(collapse=False)

    med_c, med_p = statistics.median(chained) * 1000, statistics.median(plain) * 1000
    rate = report.events / verify_s
    print(f"events per tenant: {args.events:,} (half in runs of 500 failed logins)")
    print(f"{'measure':44} {'ours':>12} {'baseline':>12}  target")
    print(f"{'write, median per event (ms)':44} {med_c:12.2f} {med_p:12.2f}  <= 3x ({med_c / med_p:.2f}x)")
    print(f"{'write, p95 per event (ms)':44} {statistics.quantiles(chained, n=20)[-1] * 1000:12.2f} "
          f"{statistics.quantiles(plain, n=20)[-1] * 1000:12.2f}")
    print(f"{'verify_chain (events/s)':44} {rate:12,.0f} {'':>12}  >= 5,000")
    print(f"{'listing rows (folded vs plain)':44} {folded_rows:12,} {plain_rows:12,}")
    print(f"{'listing first page, count included (ms)':44} {folded_first * 1000:12.1f} {plain_first * 1000:12.1f}"
          f"  <= 1000")
    print(f"{'listing last page (ms)':44} {folded_last * 1000:12.1f} {plain_last * 1000:12.1f}")
    ok = med_c <= 3 * med_p and rate >= 5000 and folded_first <= 1.0
    print("PASS" if ok else "FAIL")
    if args.quick:
        print("quick mode: targets not enforced")
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
