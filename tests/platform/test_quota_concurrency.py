"""Acceptance 1 (parallel part) and finding 3 of issue 11: 30 requests at once
against a limit with N units left: exactly N succeed. Members and API keys
go through a live gunicorn (2 processes × 4 threads); trainings through 30
threads of this process, each with its own database connection (the queueing
of the Celery task is replaced, so no worker trains these)."""
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


def test_parallel_trainings_against_a_limit_of_n(db_access):
    from django.db import connections
    from rest_framework.test import APIClient

    from forecasting.models import Job, SalesRecord

    t = provision("ptr", plan="free")
    with in_tenant(t):
        SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=1, date=date(2010, 2, 5) + timedelta(weeks=w),
                                                     sales=10.0 + w) for w in range(30)])
    n = PLANS["free"].max_trainings_per_day

    def call(i):
        try:
            client = APIClient(HTTP_HOST=t.host)
            client.credentials(HTTP_AUTHORIZATION=f"Token {t.admin_key}")
            return client.post("/api/v1/models/train/", {"horizon": 1, "backtest_windows": 1},
                               format="json").status_code
        finally:
            connections.close_all()  # this thread's own connection

    with mock.patch("forecasting.tasks.train_model.delay"):
        statuses = _fire(PARALLEL, call)
    assert statuses.count(202) == n and statuses.count(402) == PARALLEL - n, statuses
    with in_tenant(t):
        assert Job.objects.filter(kind=Job.Kind.TRAIN).count() == n
