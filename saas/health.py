from __future__ import annotations

import threading
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from saas.beat import last_heartbeat
from saas.celery import app
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
    start = time.monotonic()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return {"ok": True, "ms": round((time.monotonic() - start) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}


def _check_workers() -> dict:
    """Every queue has a consumer: an upload waits forever if the ingest
    worker is gone even while the ML worker answers."""

    try:
        replies = app.control.inspect(timeout=1.0).active_queues() or {}
        required = {q.name for q in app.conf.task_queues or ()}
        served = {q["name"] for queues in replies.values() for q in queues or ()}
        missing = sorted(required - served)
        return {"ok": bool(replies) and not missing, "workers": sorted(replies), "missing_queues": missing}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}


def _check_beat() -> dict:
    """Beat's heartbeat (saas/beat.py, every tick, at least every 30 s) is recent. A
    deployment where beat never ran yet is not an outage (just started)."""
    try:
        last = last_heartbeat()
    except Exception as exc:  # noqa: BLE001 - Redis down is reported by its own check
        return {"ok": True, "last_seen_seconds_ago": None, "error": str(exc)[:200]}
    if last is None:
        return {"ok": True, "last_seen_seconds_ago": None}
    age = time.time() - last
    return {"ok": age <= float(getattr(settings, "SAAS_BEAT_STALE_SECONDS", 150)),
            "last_seen_seconds_ago": round(age, 1)}


_now = time.monotonic
_lock = threading.Lock()
_cached: dict = {"at": None, "result": None}


def _run_checks() -> tuple[bool, dict]:
    checks = {"database": _check_db(), "redis": _check_redis()}
    checks["celery"] = _check_workers() if checks["redis"]["ok"] else {"ok": False, "error": "redis down"}
    checks["beat"] = _check_beat() if checks["redis"]["ok"] else {"ok": True, "last_seen_seconds_ago": None}
    ok = all(c["ok"] for c in checks.values())
    return ok, {"status": "ok" if ok else "degraded", **checks}


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
