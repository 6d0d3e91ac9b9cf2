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


def test_beat_heartbeat_is_kept_until_the_next_one():
    from django.core.cache import cache

    from saas.tasks import beat_heartbeat

    beat_heartbeat()
    key = cache.make_and_validate_key("beat:last")
    assert cache._cache.get_client(key).ttl(key) == -1  # no expiry: a stopped beat stays visible as stale
