from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from saas.observability.internal import is_internal_request


def _check_db() -> dict:
    start = time.monotonic()
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        return {"ok": True, "ms": round((time.monotonic() - start) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001 - health reports any failure
        return {"ok": False, "error": str(exc)[:200]}


def _check_redis() -> dict:
    import redis

    start = time.monotonic()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return {"ok": True, "ms": round((time.monotonic() - start) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}


def _check_workers() -> dict:
    from saas.celery import app

    try:
        replies = app.control.ping(timeout=1.0) or []
        workers = sorted(name for reply in replies for name in reply)
        return {"ok": bool(workers), "workers": workers}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}


def _beat_info() -> dict:
    """Informational: when celery beat last ran its heartbeat task."""
    try:
        from django.core.cache import cache

        last = cache.get("beat:last")
        return {"last_seen_seconds_ago": round(time.time() - last, 1) if last else None}
    except Exception:  # noqa: BLE001
        return {"last_seen_seconds_ago": None}


_now = time.monotonic
_lock = threading.Lock()
_cached: dict = {"at": None, "result": None}


def _run_checks() -> tuple[bool, dict]:
    checks = {"database": _check_db(), "redis": _check_redis()}
    checks["celery"] = _check_workers() if checks["redis"]["ok"] else {"ok": False, "error": "redis down"}
    ok = all(c["ok"] for c in checks.values())
    return ok, {"status": "ok" if ok else "degraded", **checks, "beat": _beat_info()}


def _checks() -> tuple[bool, dict]:
    """The checks' result, computed at most once per SAAS_HEALTHZ_CACHE_SECONDS in
    this process (the Celery ping waits up to a second); concurrent callers wait
    for the one computation in flight instead of starting their own."""
    ttl = float(getattr(settings, "SAAS_HEALTHZ_CACHE_SECONDS", 5))
    with _lock:
        at = _cached["at"]
        if at is None or not (0 <= _now() - at < ttl):
            _cached["result"] = _run_checks()
            _cached["at"] = _now()
        return _cached["result"]


def healthz(request) -> JsonResponse:
    ok, body = _checks()
    if not is_internal_request(request):  # saas/observability/internal.py
        body = {"status": body["status"]}  # no host names, timings or error text for the outside
    response = JsonResponse(body, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response
