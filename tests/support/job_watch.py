"""The browser check every page with a job watcher shares: a job that changes
the data is under way; it ends, the page says its figures are being
recomputed without reloading (the worker has not stored them yet); once they
are stored, the page reloads itself. Never raced: the job is a queued row
that no worker takes, ended by the test."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import in_tenant


def page_waits_for_its_figures(page, server, t, path: str, *, store_figures) -> None:
    """On ``path`` (the page signed in already), with ``store_figures()`` as the worker's step after the job."""
    from django.db.models import F
    from django.utils import timezone

    from jobs.models import Job
    from tenants.models import Tenant

    with in_tenant(t):
        # queued, with a sign of life ahead: job recovery (a worker's start or beat) never re-sends it
        job = Job.objects.create(kind="ingest", status="queued", message="waiting for a worker",
                                 heartbeat_at=timezone.now() + timedelta(days=1))
    try:
        page.goto(server.url(t, path))
        page.wait_for_selector(f"#job-watch >> text=job #{job.pk}")
        page.evaluate("() => { window.__before_reload = true; }")
        with in_tenant(t):  # the upload ended: new data, the figures not stored yet
            Tenant.objects.filter(pk=t.tenant.pk).update(dataset_version=F("dataset_version") + 1)
            Job.objects.filter(pk=job.pk).update(status="succeeded", finished_at=timezone.now())
        page.wait_for_selector("#job-watch >> text=being recomputed", timeout=30000)
        assert page.evaluate("() => window.__before_reload") is True  # swapped in place, no reload
        with in_tenant(t):
            store_figures()
        page.wait_for_function("() => window.__before_reload === undefined", timeout=30000)
        assert page.locator(f"#job-watch >> text=job #{job.pk}").count() == 0
    finally:
        with in_tenant(t):
            Job.objects.filter(pk=job.pk).delete()
