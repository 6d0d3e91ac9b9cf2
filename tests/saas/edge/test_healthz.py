"""/healthz: the checks (including the one-second Celery ping) run at most
once per SAAS_HEALTHZ_CACHE_SECONDS per process; internal callers (a direct
loopback/private peer, or SAAS_INTERNAL_TOKEN as a bearer token) get the
details, anyone else gets the status only (no host names, no error text)."""
from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def counted(monkeypatch):
    from saas import health

    calls = {"workers": 0, "db": 0}
    real_workers, real_db = health._check_workers, health._check_db

    def workers():
        calls["workers"] += 1
        return real_workers()

    def db():
        calls["db"] += 1
        return real_db()

    monkeypatch.setattr(health, "_check_workers", workers)
    monkeypatch.setattr(health, "_check_db", db)
    clock = {"now": 10_000_000.0}
    monkeypatch.setattr(health, "_now", lambda: clock["now"])
    return calls, clock


def test_checks_are_cached_for_a_few_seconds(counted, settings):
    calls, clock = counted
    settings.SAAS_HEALTHZ_CACHE_SECONDS = 5
    client = Client(HTTP_HOST="localhost")
    first = client.get("/healthz").json()
    for _ in range(3):
        clock["now"] += 1
        assert client.get("/healthz").json() == first
    assert calls == {"workers": 1, "db": 1}
    clock["now"] += 5
    client.get("/healthz")
    assert calls == {"workers": 2, "db": 2}


def _public_caller_sees_status_only(resp):
    data = resp.json()
    assert set(data) == {"status"}, data
    assert data["status"] in ("ok", "degraded")
    assert resp.status_code == (200 if data["status"] == "ok" else 503)


def test_public_caller_gets_status_only(settings):
    _public_caller_sees_status_only(Client(HTTP_HOST="localhost").get("/healthz", REMOTE_ADDR="203.0.113.9"))


def test_public_caller_behind_the_proxy_gets_status_only(settings):
    settings.SAAS_TRUSTED_PROXIES = 1
    resp = Client(HTTP_HOST="localhost").get("/healthz", REMOTE_ADDR="172.18.0.5",
                                             HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9")
    _public_caller_sees_status_only(resp)


@pytest.mark.parametrize("addr", ["127.0.0.1", "10.1.2.3", "172.18.0.7", "192.168.1.4", "::1"])
def test_internal_callers_get_details(addr):
    data = Client(HTTP_HOST="localhost").get("/healthz", REMOTE_ADDR=addr).json()
    assert data["database"]["ok"] and data["redis"]["ok"] and "celery" in data and "beat" in data


def test_token_gives_details_to_an_outside_caller(settings):
    settings.SAAS_INTERNAL_TOKEN = "s3cret-token-for-monitoring"
    client = Client(HTTP_HOST="localhost")
    wrong = client.get("/healthz", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    _public_caller_sees_status_only(wrong)
    right = client.get("/healthz", REMOTE_ADDR="203.0.113.9",
                       HTTP_AUTHORIZATION="Bearer s3cret-token-for-monitoring")
    assert right.json()["database"]["ok"]
