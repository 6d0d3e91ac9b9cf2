"""Job locks and recovery: a running job no live worker holds is re-queued,
one a worker holds is left alone; locks of different tenants never collide;
a queued job whose message was lost is re-sent; a suspended tenant's queued
jobs wait until it is resumed."""
from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
import zlib
from contextlib import contextmanager

import pytest

from tests.conftest import in_tenant


@contextmanager
def held_by_worker(t, job_id: int):
    """A live worker holding the job's lock: another thread, with its own
    database session, that took the lock the way a worker does."""
    from django.db import connection

    from jobs.services import job_lock_release, job_lock_try

    taken, done, result = threading.Event(), threading.Event(), {}

    def worker():
        try:
            with in_tenant(t):
                result["held"] = job_lock_try(job_id)
                taken.set()
                done.wait(60)
                job_lock_release(job_id)
        finally:
            taken.set()
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    taken.wait(30)
    try:
        assert result.get("held"), "the worker thread could not take the lock"
        yield
    finally:
        done.set()
        thread.join(30)


@pytest.fixture
def sent(monkeypatch):
    """Messages sent to the broker, by task name (nothing reaches Redis)."""
    from saas.celery import app

    out = []
    monkeypatch.setattr(app, "send_task", lambda name, args=None, kwargs=None, **opts: out.append((name, args)))
    return out


def _sent_job_ids(sent) -> list[int]:
    return [args[0] for name, args in sent]


def test_running_job_without_lock_holder_is_requeued(tenant, sent):
    from jobs.models import Job
    from jobs.recovery import jobs_recover

    with in_tenant(tenant):
        orphan = Job.objects.create(kind="train", status="running", params={"horizon": 4})
        alive = Job.objects.create(kind="train", status="running", params={"horizon": 4})
        done = Job.objects.create(kind="train", status="succeeded")
    with held_by_worker(tenant, alive.pk):
        with in_tenant(tenant):
            requeued = jobs_recover()
            statuses = dict(Job.objects.filter(pk__in=[orphan.pk, alive.pk, done.pk]).values_list("pk", "status"))
    assert requeued == [orphan.pk] and _sent_job_ids(sent) == [orphan.pk]
    assert statuses == {orphan.pk: "queued", alive.pk: "running", done.pk: "succeeded"}
    # once the holder's session is gone (worker died), the other job is orphaned too
    with in_tenant(tenant):
        assert jobs_recover() == [alive.pk]


def _colliding_slugs() -> tuple[str, str]:
    """Two valid slugs whose schema names have the same CRC-32 (31 bits): a
    birthday search, a fraction of a second."""
    rng = random.Random(uuid.uuid4().int)
    seen = {}
    for _ in range(2_000_000):  # CRC is linear: vary many bits, not a counter
        slug = "c" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=14))
        crc = zlib.crc32(("t_" + slug.replace("-", "_")).encode()) & 0x7FFFFFFF
        if crc in seen:
            return seen[crc], slug
        seen[crc] = slug
    raise AssertionError("no collision found")


def test_job_locks_of_tenants_never_collide(db_access, sent):
    """Job ids restart at 1 in every tenant; two tenants whose schema names
    hash alike must still lock their own job 7 independently."""
    from jobs.models import Job
    from jobs.recovery import jobs_recover
    from jobs.services import job_lock_release, job_lock_try

    slug_a, slug_b = _colliding_slugs()
    a, b = provision_slug(slug_a), provision_slug(slug_b)
    for t in (a, b):
        with in_tenant(t):
            Job.objects.create(pk=7, kind="train", status="running", params={"horizon": 4})
    with held_by_worker(a, 7):  # tenant A's worker runs A's job 7
        with in_tenant(b):
            assert job_lock_try(7), "tenant B's job 7 is locked by tenant A's worker"
            job_lock_release(7)
            assert jobs_recover() == [7]  # B's orphan is found although A's job 7 is held
        with in_tenant(a):
            assert jobs_recover() == []


def provision_slug(slug: str):
    from django.conf import settings

    from tenants.services import tenant_provision
    from tests.conftest import PASSWORD, T

    res = tenant_provision(slug=slug, name=f"Company {slug}", owner_email=f"owner@{slug}.test",
                           owner_password=PASSWORD, plan="pro")
    return T(slug=slug, schema=res.tenant.schema_name, host=f"{slug}.{settings.SAAS_BASE_DOMAIN}",
             owner_email=res.owner_email, admin_key=res.api_key, tenant=res.tenant)


def test_queued_job_whose_message_was_lost_is_sent_again(tenant, sent):
    """A job still `queued` long after it was sent (its message was lost, e.g.
    Redis restarted without persistence) is sent again; a fresh one is not,
    nor one a worker holds right now."""
    from django.utils import timezone

    from jobs.models import Job
    from jobs.recovery import jobs_recover

    old = timezone.now() - dt.timedelta(hours=1)
    with in_tenant(tenant):
        lost = Job.objects.create(kind="train", status="queued", params={"horizon": 4}, created_at=old)
        Job.objects.create(kind="train", status="queued", params={"horizon": 4})
        taken = Job.objects.create(kind="train", status="queued", params={"horizon": 4}, created_at=old)
    with held_by_worker(tenant, taken.pk):
        with in_tenant(tenant):
            assert jobs_recover() == [lost.pk]
    assert _sent_job_ids(sent) == [lost.pk]
    with in_tenant(tenant):
        assert Job.objects.get(pk=lost.pk).status == "queued"
        sent.clear()
        # the lost one was just sent again (not re-sent at once); the other one is free now
        assert jobs_recover() == [taken.pk]
    assert _sent_job_ids(sent) == [taken.pk]
