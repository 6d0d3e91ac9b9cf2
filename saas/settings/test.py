"""Test settings: a separate database (and var dir/ports when embedded) so the
suite never touches the `make run` data."""
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from saas import embedded, secret_key


def _db_of_worker(url: str, worker: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return url if name.endswith(f"_{worker}") else urlunsplit(parts._replace(path=f"/{name}_{worker}"))


def _redis_of_worker(url: str, worker: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{1 + int(worker.removeprefix('gw'))}"))


# a random key per run, never a known one; set in the environment so that the gunicorn and worker the suite
# starts (they inherit it) sign and verify with the same key
os.environ.setdefault("DJANGO_SECRET_KEY", secret_key.generate())
embedded.use_test_servers()  # var/test, ports of this checkout's own
# `make test` runs the suite in parallel processes (pytest-xdist: gw0, gw1, ...): each has a database and a
# Redis database (broker, cache) of its own, and so do the worker and gunicorn it starts (they inherit both)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# (set, not defaulted: xdist's workers inherit the environment of the process that started them)
os.environ["SAAS_DB_NAME"] = os.environ.get("SAAS_TEST_DB_NAME", "saas_test") + (f"_{WORKER}" if WORKER else "")
if WORKER:
    os.environ["SAAS_REDIS_DB"] = str(1 + int(WORKER.removeprefix("gw")))
    for name, per_worker in (("DATABASE_URL", _db_of_worker), ("REDIS_URL", _redis_of_worker)):
        if os.environ.get(name):
            os.environ[name] = per_worker(os.environ[name], WORKER)

from .base import *  # noqa: E402,F401,F403

DEBUG = False
PASSWORD_HASHERS = ["saas.hashers.FastArgon2PasswordHasher"]  # argon2, cheap parameters
# the suite polls jobs and signs up from one address far faster than any client; the
# limiter's own tests (tests/saas/test_rate_limits.py) switch it on
RATE_LIMITS = False
AXES_FAILURE_LIMIT = 5
# uploads and model artifacts of the suite stay under var/test (never the dev workspace's files)
MEDIA_ROOT = Path(os.environ["SAAS_VAR_DIR"]).resolve() / "media"
# tests stop jobs at known points (saas/checkpoints.py); off in every other setting
JOB_CHECKPOINTS = True
