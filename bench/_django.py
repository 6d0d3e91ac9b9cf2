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
        from saas.embedded import ensure_database

        ensure_database(name, host=parts.hostname, port=parts.port or 5432, user=parts.username,
                        password=parts.password)
    else:
        os.environ["SAAS_VAR_DIR"] = str(REPO / "var" / "bench")
        os.environ["SAAS_PG_PORT"] = BENCH_PG_PORT
        os.environ["SAAS_REDIS_PORT"] = BENCH_REDIS_PORT
    return name
