"""Acceptance 1 (parallel part) and finding 3 of issue 11: 30 requests at once
against a limit with N units left: exactly N succeed. Through a live gunicorn
(2 processes x 4 threads) and through 30 threads of this process, each with
its own database connection (the Celery task and the e-mail are replaced, so
no worker trains these). Without the tenant row lock the threaded run let
30 members in on 4 free places, 12 keys on 2, 21 trainings on 10."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from unittest import mock

import pytest
import requests

from billing.plans import PLANS
from tests.conftest import in_tenant, provision

PARALLEL = 30


def _fire(n: int, call) -> list[int]:
    """``n`` calls released together by a barrier; their status codes."""
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait(timeout=60)
        return call(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def _http(live, t, method: str, path: str, body: dict):
    session = requests.Session()

    def call(i):
        resp = session.request(method, f"http://127.0.0.1:{live.port}{path}", json=body(i), timeout=120,
                               headers={"Host": f"{t.host}:{live.port}", "Authorization": f"Token {t.admin_key}"})
        if resp.status_code not in (201, 402):
            raise AssertionError(f"{resp.status_code} {resp.text[:300]}")
        if resp.status_code == 402:
            assert resp.json()["error"]["code"] == "quota_exceeded"
        return resp.status_code

    return call


@pytest.mark.parametrize("limit", ["members", "api_keys"])
def test_parallel_requests_against_a_limit_of_n(live_server_proc, db_access, limit):
    from accounts.models import ApiKey, User

    t = provision("par", plan="free")
    model, allowed = {"members": (User, PLANS["free"].max_members),
                      "api_keys": (ApiKey, PLANS["free"].max_api_keys)}[limit]
    with in_tenant(t):
        active = (model.objects.filter(is_active=True) if model is User
                  else model.objects.filter(revoked_at__isnull=True))
        n = allowed - active.count()  # the owner / the test's admin key use one
    assert n >= 1
    path, body = {
        "members": ("/api/v1/members/", lambda i: {"email": f"p{i}-{uuid.uuid4().hex[:6]}@x.test", "role": "viewer"}),
        "api_keys": ("/api/v1/api-keys/", lambda i: {"name": f"parallel {i}", "role": "viewer"}),
    }[limit]
    statuses = _fire(PARALLEL, _http(live_server_proc, t, "POST", path, body))
    assert statuses.count(201) == n, statuses
    assert statuses.count(402) == PARALLEL - n
    with in_tenant(t):
        assert active.count() == allowed


def _setup(t, limit: str) -> int:
    """Prepare ``t`` for ``limit``; the units left (N)."""
    from accounts.models import ApiKey, User
    from forecasting.models import SalesRecord

    with in_tenant(t):
        if limit == "members":
            return PLANS["free"].max_members - User.objects.filter(is_active=True).count()
        if limit == "api_keys":
            return PLANS["free"].max_api_keys - ApiKey.objects.filter(revoked_at__isnull=True).count()
        SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=1, date=date(2010, 2, 5) + timedelta(weeks=w),
                                                     sales=10.0 + w) for w in range(30)])
        return PLANS["free"].max_trainings_per_day


def _count(t, limit: str) -> int:
    from accounts.models import ApiKey, User
    from jobs.models import Job

    with in_tenant(t):
        return {"members": lambda: User.objects.filter(is_active=True).count(),
                "api_keys": lambda: ApiKey.objects.filter(revoked_at__isnull=True).count(),
                "trainings_per_day": lambda: Job.objects.filter(kind=Job.Kind.TRAIN).count()}[limit]()


REQUESTS = {
    "members": ("/api/v1/members/", lambda i: {"email": f"p{i}-{uuid.uuid4().hex[:6]}@x.test", "role": "viewer"}),
    "api_keys": ("/api/v1/api-keys/", lambda i: {"name": f"parallel {i}", "role": "viewer"}),
    "trainings_per_day": ("/api/v1/models/train/", lambda i: {"horizon": 1, "backtest_windows": 1}),
}


@pytest.mark.parametrize("limit", ["members", "api_keys", "trainings_per_day"])
def test_parallel_threads_against_a_limit_of_n(db_access, limit):
    from django.db import connections
    from rest_framework.test import APIClient

    t = provision("ptr", plan="free")
    n = _setup(t, limit)
    before = _count(t, limit)
    path, body = REQUESTS[limit]

    def call(i):
        try:
            client = APIClient(HTTP_HOST=t.host)
            client.credentials(HTTP_AUTHORIZATION=f"Token {t.admin_key}")
            resp = client.post(path, body(i), format="json")
            assert resp.status_code in (201, 202, 402), resp.content
            return resp.status_code
        finally:
            connections.close_all()  # this thread's own connection

    with mock.patch("saas.celery.app.send_task"), \
            mock.patch("accounts.services.send_mail"):
        statuses = _fire(PARALLEL, call)
    ok = [s for s in statuses if s in (201, 202)]
    assert len(ok) == n and statuses.count(402) == PARALLEL - n, statuses
    assert _count(t, limit) == before + n
