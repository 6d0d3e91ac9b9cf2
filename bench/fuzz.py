"""API fuzzing with schemathesis over the product's own OpenAPI schema, for
every kind of principal: anonymous, viewer/analyst/admin/owner sessions and
viewer/analyst/admin API keys, against a real gunicorn + worker on loopback
with a tenant that has data and a trained model.

Prints per principal the requests sent, 5xx answers and conformance failures
(undocumented status codes, bodies or content types that violate the
schema), then PASS/FAIL: at least --min-requests requests, 0 5xx, 0
conformance failures. Baseline in the same run: the same number of
operations answered for the admin key without fuzzing (GET /api/v1/me/).

Run: .venv/bin/python bench/fuzz.py [--examples 40] [--min-requests 10000]
(needs schemathesis, which requirements/lock.txt pins for the suite's shorter pass).
--quick: 1 example per operation of a few read paths of the schema
(QUICK_PATHS), for the admin key (--only to choose),
one web worker, quick database; targets not enforced."""
from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import add_quick, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("saas_bench_fuzz")
from _stack import Stack, api, baseline_me, load_and_train, provision_tenants  # noqa: E402

from tests.support.fuzzing import run_schemathesis  # noqa: E402

# read-only principals first: the admins' fuzzing deletes keys and members
# --quick: schemathesis' coverage phase sends ~35 requests per operation whatever --examples says
QUICK_PATHS = ("/api/v1/me/", "/api/v1/stores/", "/api/v1/forecasts/", "/api/v1/jobs/{id}/")
ORDER = ["anonymous", "viewer", "key_viewer", "analyst", "key_analyst", "admin", "key_admin", "owner"]


def principals(t: dict) -> dict[str, list[str]]:
    """Headers per principal; sessions carry a CSRF cookie and header like a browser."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_tenants.utils import tenant_context

    from accounts import services
    from accounts.audit import Actor
    from accounts.models import User
    from tenants.models import Tenant

    out = {"anonymous": []}
    with tenant_context(Tenant.objects.get(slug=t["slug"])):
        owner = Actor.for_user(User.objects.get(email=t["users"][0]["email"]))  # a key belongs to a member
        for role in ("viewer", "analyst", "admin"):
            raw = services.api_key_create(actor=owner, name=f"fuzz {role}", role=role).raw
            out[f"key_{role}"] = [f"Authorization: Token {raw}"]
        for role in ("viewer", "analyst", "admin", "owner"):
            user = (User.objects.get(email=t["users"][0]["email"]) if role == "owner" else
                    services.member_create(actor=Actor.system(), email=f"fuzz-{role}@{t['slug']}.test",
                                           password="Fuzz-pass-2026!x", role=role))
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            csrf = secrets.token_hex(16)
            out[role] = [f"Cookie: sessionid={session.session_key}; csrftoken={csrf}", f"X-CSRFToken: {csrf}"]
    return out


def fuzz(stack, t, name, headers, schema_file: Path, out: Path, examples: int, seed: int) -> dict:
    return run_schemathesis(schema_file=schema_file, base_url=f"http://127.0.0.1:{stack.port}", host=t["host"],
                            headers=headers, out=out, examples=examples, seed=seed)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=40, help="test cases per operation and principal")
    ap.add_argument("--min-requests", type=int, default=10000)
    ap.add_argument("--only", default=None, help="comma-separated principals (default: all)")
    ap.add_argument("--seed", type=int, default=1)
    add_quick(ap)
    args = ap.parse_args()
    if args.quick:
        args.examples, args.only = 1, args.only or "key_admin"
    import django

    django.setup()
    from forecasting.demo_data import generate

    setup_platform()
    var = Path(tempfile.mkdtemp(prefix="saas-fuzz-"))
    files = generate(var / "data", seed=7, small=True)
    (t,) = provision_tenants(1, users=1)
    stack = Stack(var, web_workers=1 if args.quick else 2)
    try:
        load_and_train(stack, [t], files)
        schema = api(stack, t, "GET", "/api/v1/schema/?format=json")
        assert schema.status_code == 200, schema.text[:300]
        schema_file = var / "openapi.json"
        doc = schema.json()
        if args.quick:
            doc["paths"] = {p: ops for p, ops in doc["paths"].items() if p in QUICK_PATHS}
            print(f"quick mode: only {', '.join(doc['paths'])} of the schema", flush=True)
        schema_file.write_text(json.dumps(doc))
        operations = sum(1 for p in doc["paths"].values() for m in p if m in ("get", "post", "put", "patch", "delete"))
        who = principals(t)
        names = [n for n in ORDER if not args.only or n in args.only.split(",")]
        base = baseline_me(stack, t)
        print(f"{operations} operations in the schema; baseline GET /api/v1/me/ p95 {base:.1f} ms\n")
        print(f"{'principal':<14}{'requests':>9}{'5xx':>6}{'conformance failures':>22}{'seconds':>9}")
        total = Counter()
        all_failures = Counter()
        for name in names:
            res = fuzz(stack, t, name, who[name], schema_file, var / name, args.examples, args.seed)
            nfail = sum(res["failures"].values())
            print(f"{name:<14}{res['requests']:>9}{res['5xx']:>6}{nfail:>22}{res['seconds']:>9.0f}")
            total.update({"requests": res["requests"], "5xx": res["5xx"], "failures": nfail})
            all_failures.update({f"[{name}] {k}": v for k, v in res["failures"].items()})
        print(f"{'total':<14}{total['requests']:>9}{total['5xx']:>6}{total['failures']:>22}")
        for line, n in all_failures.most_common(40):
            print(f"  {n:>4} x {line}")
        ok = total["requests"] >= args.min_requests and total["5xx"] == 0 and total["failures"] == 0
        print(f"{'PASS' if ok else 'FAIL'}: {total['requests']} requests (target >= {args.min_requests}), "
              f"{total['5xx']} 5xx (target 0), {total['failures']} conformance failures (target 0)")
        return verdict(ok, args.quick)
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
