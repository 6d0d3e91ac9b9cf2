"""/healthz reports each outage while it lasts: a queue nobody consumes (the
ingest worker died while the ML worker lives) and a stale beat."""
from __future__ import annotations

import time

import pytest
from django.test import Client

from saas import health


@pytest.fixture(autouse=True)
def _fresh(settings, monkeypatch):
    settings.SAAS_HEALTHZ_CACHE_SECONDS = 0
    yield
    from django.core.cache import cache

    cache.delete("beat:last")


class _Inspect:
    def __init__(self, replies):
        self.replies = replies

    def active_queues(self):
        return self.replies


def _with_workers(monkeypatch, replies):
    from saas.celery import app

    monkeypatch.setattr(app.control, "inspect", lambda timeout=1.0: _Inspect(replies))


def test_a_queue_without_consumer_is_an_outage(monkeypatch):
    _with_workers(monkeypatch, {"worker@h": [{"name": "default"}, {"name": "ml"}]})
    resp = Client().get("/healthz")
    assert resp.status_code == 503
    assert resp.json()["celery"] == {"ok": False, "workers": ["worker@h"], "missing_queues": ["ingest"]}
    _with_workers(monkeypatch, {"worker@h": [{"name": "default"}, {"name": "ml"}], "ingest@h": [{"name": "ingest"}]})
    data = Client().get("/healthz").json()
    assert data["celery"]["ok"] and data["celery"]["missing_queues"] == []
    _with_workers(monkeypatch, None)  # nobody answers
    assert Client().get("/healthz").json()["celery"]["ok"] is False


def test_stale_beat_is_an_outage_but_never_seen_is_not(monkeypatch):
    from django.core.cache import cache

    _with_workers(monkeypatch, {"w@h": [{"name": q} for q in ("default", "ml", "ingest")]})
    cache.delete("beat:last")
    resp = Client().get("/healthz")
    assert resp.status_code == 200 and resp.json()["beat"] == {"ok": True, "last_seen_seconds_ago": None}
    cache.set("beat:last", time.time() - 10, timeout=None)
    assert Client().get("/healthz").json()["beat"]["ok"] is True
    cache.set("beat:last", time.time() - 600, timeout=None)
    resp = Client().get("/healthz")
    assert resp.status_code == 503 and resp.json()["beat"]["ok"] is False
    assert resp.json()["beat"]["last_seen_seconds_ago"] >= 600


def test_beat_writes_its_own_heartbeat_on_every_tick(tmp_path, monkeypatch):
    """The heartbeat comes from beat's scheduler, not from a task a busy
    worker might run late; it never expires, so a stopped beat stays visible."""
    from celery.beat import PersistentScheduler
    from django.core.cache import cache

    from saas.beat import HEARTBEAT_SECONDS, HeartbeatScheduler
    from saas.celery import app

    assert app.conf.beat_scheduler == "saas.beat:HeartbeatScheduler"
    monkeypatch.setattr(PersistentScheduler, "tick", lambda self, *a, **k: 300.0)  # next task far away
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    cache.set("beat:last", time.time() - 600, timeout=None)
    assert scheduler.tick() == HEARTBEAT_SECONDS  # wakes up in time for the next heartbeat
    assert time.time() - cache.get("beat:last") < 5
    key = cache.make_and_validate_key("beat:last")
    assert cache._cache.get_client(key).ttl(key) == -1


def test_heartbeat_is_read_whatever_schema_the_connection_is_on(tenant):
    """/healthz runs before the tenant middleware, on a connection the last
    request may have left on a tenant's schema; cache keys carry the schema."""
    from saas.beat import beat_heartbeat
    from tests.conftest import in_tenant

    beat_heartbeat()  # beat's process: public schema
    with in_tenant(tenant):
        check = health._check_beat()
    assert check["ok"] and check["last_seen_seconds_ago"] is not None and check["last_seen_seconds_ago"] < 5
