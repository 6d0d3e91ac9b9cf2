"""The code version recorded on what the product computes (model lineage):
``settings.CODE_VERSION`` (env ``SAAS_CODE_VERSION``, set by a deploy), else
the git commit of the checkout, else ``"unknown"``. Read once per process."""
from __future__ import annotations

import functools
import subprocess

from django.conf import settings


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    if settings.CODE_VERSION:
        return settings.CODE_VERSION[:64]
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=settings.BASE_DIR, capture_output=True,
                             text=True, timeout=5, check=True)
        return f"git:{out.stdout.strip()}" if out.stdout.strip() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
