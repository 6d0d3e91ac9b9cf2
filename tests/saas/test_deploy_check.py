"""`manage.py check --deploy` with the production settings and the environment
a production deployment sets (see docker-compose.yml) reports nothing, not
even a warning."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _db():
    """Overrides the folder's conftest.py's autouse fixture: the check runs in
    a subprocess and needs no freshly recreated test database."""
    yield


def production_env() -> dict:
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SAAS_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "saas.settings.prod",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),  # 80 random URL-safe characters
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SAAS_BASE_DOMAIN": "example.com",
        "DJANGO_ALLOWED_HOSTS": ".example.com",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def test_check_deploy_passes_with_production_settings():
    env = production_env()
    assert len(env["DJANGO_SECRET_KEY"]) >= 50 and len(set(env["DJANGO_SECRET_KEY"])) >= 5
    proc = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"check --deploy failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert "no issues" in proc.stdout, proc.stdout + proc.stderr
