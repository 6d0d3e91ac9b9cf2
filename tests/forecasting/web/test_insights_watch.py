"""The Insights page updates itself when a job it shows ends (the Dashboard's
mechanism, forecasting/web/job_watch.py): its status route keeps the page
polling while a job that changes its figures runs and, after the job, while
the worker is still storing the figures; then it answers HX-Refresh. Another
workspace's member and anonymous callers are sent to sign in."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import add_member, in_tenant, provision, web_client
from tests.support import stores_seed as seed

STATUS = "/insights/status/?watching=1"


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    from forecasting.services.insights import insights_snapshot_write

    with django_db_blocker.unblock():
        t = provision("insightswatch")
        seed.seed(t)
        with in_tenant(t):
            insights_snapshot_write()
    return t


def _poll(client):
    resp = client.get(STATUS, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    return resp, resp.content.decode()


@pytest.fixture
def queued_job(shop):
    from django.utils import timezone

    from jobs.models import Job

    with in_tenant(shop):
        # queued, with a sign of life ahead: job recovery (a worker's start or beat) never re-sends it
        job = Job.objects.create(kind="refresh", status="queued", message="waiting for a worker",
                                 heartbeat_at=timezone.now() + timedelta(days=1))
    yield job
    with in_tenant(shop):
        Job.objects.filter(pk=job.pk).delete()


def test_reloads_when_the_job_ends_and_its_figures_are_current(shop, queued_job):
    from django.utils import timezone

    from jobs.models import Job

    client = web_client(shop, user=add_member(shop, "viewer"))
    page = client.get("/insights/").content.decode()
    assert 'hx-get="/insights/status/?watching=1"' in page and f"job #{queued_job.pk}" in page
    running, html = _poll(client)
    assert "HX-Refresh" not in running and "hx-trigger" in html and f"job #{queued_job.pk}" in html
    with in_tenant(shop):  # a job that did not change the data or the run: the stored figures are current
        Job.objects.filter(pk=queued_job.pk).update(status="succeeded", finished_at=timezone.now())
    done, html = _poll(client)
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in html


def test_waits_for_the_worker_to_store_the_new_figures(shop, queued_job):
    from django.db.models import F
    from django.utils import timezone

    from forecasting.services.insights import insights_snapshot_write
    from jobs.models import Job
    from tenants.models import Tenant

    client = web_client(shop, user=add_member(shop, "viewer"))
    with in_tenant(shop):  # an upload ended: new data, the stored figures are stale until the worker stores them
        Tenant.objects.filter(pk=shop.tenant.pk).update(dataset_version=F("dataset_version") + 1)
        Job.objects.filter(pk=queued_job.pk).update(kind="ingest", status="succeeded", finished_at=timezone.now())
    try:
        waiting, html = _poll(client)
        assert "HX-Refresh" not in waiting and "hx-trigger" in html and "being recomputed" in html
        assert 'hx-get="/insights/status/?watching=1"' in client.get("/insights/").content.decode()
        with in_tenant(shop):
            insights_snapshot_write()
        done, html = _poll(client)
        assert done["HX-Refresh"] == "true" and "being recomputed" not in html
        # long after a job whose figures were never stored (the worker failed): the page stops waiting
        with in_tenant(shop):
            Tenant.objects.filter(pk=shop.tenant.pk).update(dataset_version=F("dataset_version") + 1)
            Job.objects.filter(pk=queued_job.pk).update(finished_at=timezone.now() - timedelta(hours=1))
        assert 'hx-get="/insights/status/' not in client.get("/insights/").content.decode()
    finally:
        with in_tenant(shop):
            insights_snapshot_write()


def test_status_route_refuses_another_workspace_and_anonymous(shop, django_db_blocker):
    with django_db_blocker.unblock():
        other = provision("insightswatch-b")
    foreign = web_client(other, user=add_member(other, "owner"))
    for client in (foreign, web_client(shop)):
        resp = client.get(STATUS, HTTP_HOST=shop.host)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
