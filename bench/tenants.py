"""Tenant provisioning time with 20 tenants already present.

Runs the real provisioning path (``tenants.services.tenant_provision``: the
migrated template schema replayed from its pg_dump, tenants/schema_clone.py,
+ owner) for a few new tenants, then, as baselines, the same
call with django-tenants' ``clone_schema()`` (``TENANT_CLONE_FROM_DUMP=False``;
its cost grows with the number of schemas in the database: try
``--existing 200``) and with no template at all
(``TENANT_CREATION_FAKES_MIGRATIONS=False``: CREATE SCHEMA + every tenant
migration run from scratch).

Target: median provisioning time <= 3 s. Exit status 0 on PASS, 1 on FAIL.

Uses its own database ``saas_bench`` (embedded servers under var/bench on their
own ports, or, when DATABASE_URL is set, a ``saas_bench`` database on that
server), so dev and test data are never touched. Tenants are kept between runs;
slugs are unique per run.

    .venv/bin/python bench/tenants.py [--existing 20] [--runs 7] [--baseline-runs 7] [--fresh] [--quick]

--quick: 2 tenants present, 2 timed provisionings, 1 of each baseline, on the
quick database (bench/_django.py); the target is printed, not enforced.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

TARGET_SECONDS = 3.0
BENCH_DB = "saas_bench"
PASSWORD = "Bench-pass-2026!x"


def _configure_env() -> str:
    sys.path.insert(0, str(REPO / "bench"))
    from _django import use_bench_database

    return use_bench_database(BENCH_DB)


_SCHEMA_SECONDS: list[float] = []


def _time_schema_creation() -> None:
    """Record how long Tenant.create_schema (clone or migrate) takes inside each
    provisioning, to split the total into schema vs owner/key/domain rows."""
    from tenants.models import Tenant

    original = Tenant.create_schema

    def create_schema(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            _SCHEMA_SECONDS.append(time.perf_counter() - start)

    Tenant.create_schema = create_schema


def _provision(slug: str) -> tuple[float, float]:
    """(total seconds, seconds of them spent creating the schema)"""
    from tenants.services import tenant_provision

    _SCHEMA_SECONDS.clear()
    start = time.perf_counter()
    res = tenant_provision(slug=slug, name=f"Bench {slug}", owner_email=f"owner@{slug}.test",
                           owner_password=PASSWORD, plan="pro")
    elapsed = time.perf_counter() - start
    assert res.tenant.schema_name == "t_" + slug.replace("-", "_")
    return elapsed, sum(_SCHEMA_SECONDS)


def _drop_bench_database(name: str) -> None:
    """--fresh: drop this bench's database (saas_bench, or the quick one; never any other)."""
    from urllib.parse import urlsplit

    import psycopg2

    from saas import embedded

    assert name.startswith("saas_bench"), name
    url = os.environ.get("DATABASE_URL") or embedded.database_url(name)
    parts = urlsplit(url)
    assert parts.path.lstrip("/") == name, url
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _tenant_count() -> int:
    from tenants.models import Tenant

    return Tenant.objects.exclude(schema_name="public").exclude(status=Tenant.Status.TEMPLATE).count()


def _check_tenant(slug: str) -> None:
    """The provisioned schema is complete: the owner present (the signup makes no
    API key), nothing unapplied, the audit chain intact."""
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django_tenants.utils import schema_context

    from accounts.audit.chain import verify_chain
    from accounts.models import ApiKey, User
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=slug)
    with schema_context(tenant.schema_name):
        assert User.objects.count() == 1 and ApiKey.objects.count() == 0
        assert verify_chain().ok, f"{slug}: audit chain broken"
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        tenant_apps = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
        pending = [m for m, _ in pending if m.app_label in tenant_apps]
        assert not pending, f"{slug}: unapplied migrations {pending}"
    connection.set_schema_to_public()


def _fmt(seconds: float) -> str:
    return f"{seconds:6.2f} s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--existing", type=int, default=20, help="tenants that must exist before timing (default 20)")
    p.add_argument("--runs", type=int, default=7, help="timed provisionings from the template (default 7)")
    p.add_argument("--baseline-runs", type=int, default=7,
                   help="timed provisionings with full migrations, no template (default 7; 0 skips)")
    p.add_argument("--fresh", action="store_true",
                   help="drop and recreate the saas_bench database first (exactly --existing tenants present)")
    p.add_argument("--keep-services", action="store_true",
                   help="leave the embedded PostgreSQL/Redis running if this run started them")
    p.add_argument("--quick", action="store_true",
                   help="2 tenants present, 2 timed runs, 1 of each baseline; target not enforced")
    args = p.parse_args(argv)
    if args.quick:
        args.existing, args.runs, args.baseline_runs = min(args.existing, 2), min(args.runs, 2), min(
            args.baseline_runs, 1)

    name = _configure_env()
    from saas import embedded

    started = embedded.ensure_started(name)
    try:
        if args.fresh:
            _drop_bench_database(name)
        import django

        django.setup()
        _time_schema_creation()
        return _bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_services:
            if started["redis"]:
                embedded.stop_redis()
            if started["postgres"]:
                embedded.stop_postgres()


def _timed(prefix: str, runs: int) -> float:
    """Provision ``runs`` tenants, print each, return the median seconds."""
    times = []
    for i in range(runs):
        slug = f"{prefix}{i:02d}"
        t, schema_t = _provision(slug)
        times.append(t)
        print(f"  {slug:<24} {_fmt(t)}   (schema {_fmt(schema_t)}, owner/key/domain {_fmt(t - schema_t)})", flush=True)
        _check_tenant(slug)
    median = statistics.median(times)
    print(f"  median {_fmt(median)}   min {_fmt(min(times))}   max {_fmt(max(times))}", flush=True)
    return median


def _bench(args) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    run_id = uuid.uuid4().hex[:6]
    print(f"database: {settings.DATABASES['default']['NAME']} on "
          f"{settings.DATABASES['default']['HOST']}:{settings.DATABASES['default']['PORT']}", flush=True)
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"PostgreSQL {cur.fetchone()[0]}, Django {django_version()}", flush=True)

    start = time.perf_counter()
    call_command("setup_platform", stdout=open(os.devnull, "w"))
    print(f"setup_platform: {time.perf_counter() - start:.2f} s", flush=True)

    existing = _tenant_count()
    missing = max(0, args.existing - existing)
    print(f"tenants present: {existing}; provisioning {missing} more to reach {args.existing}", flush=True)
    for i in range(missing):
        _provision(f"bench-{run_id}-f{i:02d}")
        if (i + 1) % 5 == 0 or i + 1 == missing:
            print(f"  {existing + i + 1} tenants", flush=True)
    n_before = _tenant_count()

    print(f"\nprovisioning from template '{settings.TENANT_BASE_SCHEMA}' "
          f"with {n_before} tenants present (target: median <= {TARGET_SECONDS:g} s)", flush=True)
    clone_median = _timed(f"bench-{run_id}-c", args.runs)

    medians = {}
    if args.baseline_runs > 0:
        print("\nbaseline 1: django-tenants' clone_schema() (TENANT_CLONE_FROM_DUMP=False)", flush=True)
        with override_settings(TENANT_CLONE_FROM_DUMP=False):
            medians["django-tenants clone_schema()"] = _timed(f"bench-{run_id}-s", args.baseline_runs)
        print("\nbaseline 2: full tenant migrations, no template (TENANT_CREATION_FAKES_MIGRATIONS=False)",
              flush=True)
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            medians["full migrations"] = _timed(f"bench-{run_id}-m", args.baseline_runs)

    ok = clone_median <= TARGET_SECONDS
    print("\nsummary", flush=True)
    print(f"  tenants present before timing: {n_before}, after: {_tenant_count()}", flush=True)
    print(f"  {'template replayed from pg_dump':<32} median {_fmt(clone_median)}", flush=True)
    for label, median in medians.items():
        print(f"  {label:<32} median {_fmt(median)}   ({median / clone_median:.1f}x slower)", flush=True)
    print(f"{'PASS' if ok else 'FAIL'}: median tenant provisioning {clone_median:.2f} s "
          f"(target <= {TARGET_SECONDS:g} s, {n_before} tenants present)", flush=True)
    if args.quick:
        print("quick mode: target not enforced")
        return 0
    return 0 if ok else 1


def django_version() -> str:
    import django

    return django.get_version()


if __name__ == "__main__":
    sys.exit(main())
