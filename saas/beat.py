"""Beat's scheduler with its own heartbeat.

Beat writes ``beat:last`` (Redis, via Django's cache; no expiry, so a stopped
beat stays visible as stale) on every tick and ticks at least every
``HEARTBEAT_SECONDS``; /healthz (saas/health.py) calls beat down when the
heartbeat is older than ``SAAS_BEAT_STALE_SECONDS``. A heartbeat *task* would
measure the workers instead: queued behind a long training it ran late, and a
backlog of them executed after beat died made a dead beat look alive
(bench/chaos.py found it)."""
from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler
from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "beat:last"
HEARTBEAT_SECONDS = 30.0


def beat_heartbeat() -> float:
    now = time.time()
    try:
        with schema_context(get_public_schema_name()):  # cache keys carry the connection's schema
            cache.set(HEARTBEAT_KEY, now, timeout=None)
    except Exception:  # noqa: BLE001 - Redis down: /healthz reports Redis itself; beat keeps scheduling
        logger.warning("beat heartbeat not written (Redis unavailable)")
    return now


def last_heartbeat() -> float | None:
    """When beat last ticked (epoch seconds), None if never. Read under the
    public schema whatever schema the caller's connection is on (/healthz runs
    before the tenant middleware, on a connection the last request left on a
    tenant's schema)."""
    with schema_context(get_public_schema_name()):
        return cache.get(HEARTBEAT_KEY)


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        beat_heartbeat()
        return min(super().tick(*args, **kwargs), HEARTBEAT_SECONDS)
