"""Environment for the bench scripts that use Django: a database of their own
(never dev or test data) on the embedded bench servers under var/bench, or,
when DATABASE_URL is set, a database of that name on that server. Call before
``django.setup()``.

Quick runs (``--quick`` on the command line) all use one database of their own,
``saas_bench_quick`` (``$BENCH_QUICK_DB`` to change it), never the full runs'
databases. Uploaded files and model artifacts go under var/bench/media
(``$SAAS_MEDIA_ROOT`` to change it), never the dev workspace's var/media."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from saas.embedded import ensure_database

REPO = Path(__file__).resolve().parents[1]
# $BENCH_PG_PORT / $BENCH_REDIS_PORT: another checkout's bench servers may hold the default ports
BENCH_PG_PORT = os.environ.get("BENCH_PG_PORT", "55449")
BENCH_REDIS_PORT = os.environ.get("BENCH_REDIS_PORT", "56399")
QUICK_DB = "saas_bench_quick"


def bench_database_name(name: str, argv: list[str] | None = None) -> str:
    if "--quick" in (sys.argv[1:] if argv is None else argv):
        return os.environ.get("BENCH_QUICK_DB", QUICK_DB)
    return name


def use_bench_database(name: str) -> str:
    """Point Django at the bench database ``name`` (the quick database under
    ``--quick``); returns the name used."""
    name = bench_database_name(name)
    os.environ["SAAS_DB_NAME"] = name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings.dev")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("SAAS_MEDIA_ROOT", str(REPO / "var" / "bench" / "media"))
    if os.environ.get("DATABASE_URL"):
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(os.environ["DATABASE_URL"])
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
        ensure_database(name, host=parts.hostname, port=parts.port or 5432, user=parts.username,
                        password=parts.password)
    else:
        os.environ["SAAS_VAR_DIR"] = str(REPO / "var" / "bench")
        os.environ["SAAS_PG_PORT"] = BENCH_PG_PORT
        os.environ["SAAS_REDIS_PORT"] = BENCH_REDIS_PORT
    return name


def setup_platform() -> None:
    """``manage.py setup_platform`` (after ``django.setup()``). Quick runs skip it when it has nothing to do:
    the public and template workspaces exist and every schema has every migration recorded. The quick database
    gathers every script's workspaces (about 45 by the end of tests/bench/test_bench_quick.py) and the
    command's pass over the tenant schemas checks each one again, a quarter of a second apiece, in every
    script; a database that lacks anything gets the command as before."""
    from django.core.management import call_command

    if "--quick" in sys.argv[1:] and _platform_current():  # public and template are there, every migration run
        print("platform ready", flush=True)
        return
    call_command("setup_platform", verbosity=0)


def _platform_current() -> bool:
    """Every workspace's schema (and public) has every migration of this checkout recorded."""
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migrations = set(MigrationLoader(connection, ignore_no_migrations=True).graph.nodes)
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('public.tenants_tenant') IS NOT NULL")
        if not cur.fetchone()[0]:
            return False
        cur.execute("SELECT schema_name FROM public.tenants_tenant")
        schemas = [row[0] for row in cur.fetchall()]
        if not {"public", settings.TENANT_BASE_SCHEMA} <= set(schemas):
            return False
        for schema in schemas:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".django_migrations'])
            if not cur.fetchone()[0]:
                return False
            cur.execute(f'SELECT app, name FROM "{schema}".django_migrations')
            if not migrations <= set(cur.fetchall()):
                return False
    return True
