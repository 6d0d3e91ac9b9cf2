"""Test settings: a separate database (and var dir/ports when embedded) so the
suite never touches the `make run` data."""
import os
from pathlib import Path

from saas import embedded

os.environ.setdefault("SAAS_DB_NAME", "saas_test")
embedded.use_test_servers()  # var/test, ports of this checkout's own

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
