"""Issue 11 item 2 / acceptance 2: the plan's API rate limits, per workspace
and per key or member, counted in Redis; 429 with Retry-After; headers on
every answer; another workspace is unaffected. The clock of the limiter is
pinned, so a window never rolls over mid-test. (The rest of the suite runs
with RATE_LIMITS off: it polls far faster than any client.)"""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import add_key, add_member, api_client, provision

T0 = 29_000_000 * 60 + 20.0  # 20 s into a minute: 40 s left in the window


@pytest.fixture
def clock(monkeypatch, settings):
    from saas import ratelimit

    settings.RATE_LIMITS = True
    state = {"t": T0}
    monkeypatch.setattr(ratelimit, "now", lambda: state["t"])
    return state


@pytest.fixture
def small_pro(monkeypatch):
    from billing import plans

    monkeypatch.setitem(plans.PLANS, "pro", replace(plans.PLANS["pro"], max_api_requests_per_minute=6,
                                                    max_api_requests_per_minute_per_client=4))


def test_burst_past_the_limits_gets_429_and_headers(db_access, clock, small_pro):
    t = provision("rl")
    other = provision("rlo")
    a = api_client(t, key=t.admin_key)
    for i in range(4):
        resp = a.get("/api/v1/me/")
        assert resp.status_code == 200
        assert resp["X-RateLimit-Limit"] == "4" and resp["X-RateLimit-Remaining"] == str(3 - i)
        assert resp["X-RateLimit-Reset"] == "40"
    refused = a.get("/api/v1/me/")
    assert refused.status_code == 429 and refused["Retry-After"] == "40"
    assert refused["X-RateLimit-Remaining"] == "0"
    err = refused.json()["error"]
    assert err["code"] == "throttled" and "per API key or member" in err["message"] and "Pro" in err["message"]
    # another key of the same workspace has its own budget, until the workspace's is spent: 6
    # requests a minute, the refused one above included (every request reaching the limiter counts)
    b = api_client(t, key=add_key(t, "viewer"))
    assert b.get("/api/v1/me/").status_code == 200  # the workspace's 6th
    last = b.get("/api/v1/me/")
    assert last.status_code == 429 and "for the workspace" in last.json()["error"]["message"]
    # a member's session is throttled like a key (the workspace budget is spent)
    member = add_member(t, "viewer")
    assert api_client(t, user=member).get("/api/v1/me/").status_code == 429
    # another workspace on the same plan is unaffected
    o = api_client(other, key=other.admin_key)
    resp = o.get("/api/v1/me/")
    assert resp.status_code == 200 and resp["X-RateLimit-Remaining"] == "3"
    # the next window starts afresh
    clock["t"] += 60
    assert a.get("/api/v1/me/").status_code == 200


@pytest.fixture
def parallel_calls():
    """Twenty requests at once, each from its own thread and database connection."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run(t, keys):
        def call(key):
            try:
                return api_client(t, key=key).get("/api/v1/me/").status_code
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=len(keys)) as pool:
            return list(pool.map(call, keys))

    return run


def test_counting_is_exact_across_parallel_requests(db_access, clock, monkeypatch, parallel_calls):
    """The counter is one Redis INCR: 20 parallel requests of one key, exactly 4 pass.

    Only the client's limit is low here: a request is counted in both windows, and with both low the
    requests that win the workspace's first slots need not be those that win the key's, so fewer pass."""
    from billing import plans

    monkeypatch.setitem(plans.PLANS, "pro", replace(plans.PLANS["pro"], max_api_requests_per_minute=1000,
                                                    max_api_requests_per_minute_per_client=4))
    t = provision("rlp")
    statuses = parallel_calls(t, [t.admin_key] * 20)
    assert statuses.count(200) == 4 and statuses.count(429) == 16, statuses


def test_workspace_counting_is_exact_across_parallel_keys(db_access, clock, monkeypatch, parallel_calls):
    """15 parallel requests by 15 keys of one workspace: exactly the workspace's 6 pass."""
    from billing import plans

    monkeypatch.setitem(plans.PLANS, "pro", replace(plans.PLANS["pro"], max_api_requests_per_minute=6,
                                                    max_api_requests_per_minute_per_client=1000))
    t = provision("rlw")
    keys = [add_key(t, role="viewer") for _ in range(15)]
    statuses = parallel_calls(t, keys)
    assert statuses.count(200) == 6 and statuses.count(429) == 9, statuses


def test_anonymous_requests_are_refused_before_counting(db_access, clock, small_pro):
    t = provision("rla")
    for _ in range(8):
        assert api_client(t).get("/api/v1/me/").status_code == 401
    assert api_client(t, key=t.admin_key).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("scope,host,path,data", [
    ("signup", None, "/signup/", {"name": "X", "slug": "www", "email": "bad", "password": "x"}),
    # a different e-mail each time: spraying many accounts, which axes' per-account lockout does not catch
    ("login", "tenant", "/accounts/login/", {"username": "nobody{i}@x.test", "password": "wrong"}),
    ("password_reset", "tenant", "/accounts/reset/", {"email": "nobody@x.test"}),
    ("handoff", "tenant", "/accounts/handoff/?token=forged", {}),
])
def test_per_ip_limits_on_anonymous_entry_points(db_access, clock, scope, host, path, data):
    from django.conf import settings
    from django.test import Client

    from saas.ratelimit import IP_LIMITS

    t = provision("rlip") if host else None
    limit = IP_LIMITS[scope]
    client = Client(HTTP_HOST=t.host if t else settings.SAAS_BASE_DOMAIN, REMOTE_ADDR="10.9.8.7")
    send = client.get if scope == "handoff" else client.post
    def body(i):
        return {k: v.format(i=i) for k, v in data.items()}

    for i in range(limit):
        assert send(path, body(i)).status_code != 429
    refused = send(path, body(limit))
    assert refused.status_code == 429 and refused["Retry-After"] == "40"
    assert b"Too many requests from your address" in refused.content
    # another address is unaffected
    other = Client(HTTP_HOST=t.host if t else settings.SAAS_BASE_DOMAIN, REMOTE_ADDR="10.9.8.8")
    assert (other.get if scope == "handoff" else other.post)(path, body(0)).status_code != 429
