"""Pages update themselves when a job they show ends (issue 9), through the one
watcher (forecasting/web/job_watch.py + forecasting/selectors/jobs.py): the
Dashboard, the Stores and Departments pages, the Models pages and the Data page
keep polling their status route while a job that changes them is queued or
running and, for the pages showing the worker's stored figures, after the job
until the worker stored them; then the route answers HX-Refresh. The Data
page's upload card brings the new summary and history in place when its upload
ends. Another workspace's member and anonymous callers are sent to sign in."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import add_member, in_tenant, provision, web_client
from tests.support import stores_seed as seed


def _store_figures():
    from forecasting.services.figures import figures_snapshot_write
    from forecasting.services.insights import insights_snapshot_write

    figures_snapshot_write()
    insights_snapshot_write()


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("pagewatch")
        seed.seed(t)
        with in_tenant(t):
            _store_figures()
    return t


@pytest.fixture
def viewer(shop):
    return web_client(shop, user=add_member(shop, "viewer"))


def _poll(client, status):
    resp = client.get(f"{status}?watching=1", HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    return resp, resp.content.decode()


@pytest.fixture
def job(shop):
    """A queued job, with a sign of life ahead: job recovery (a worker's start or beat) never re-sends it."""
    from django.utils import timezone

    from jobs.models import Job

    made = []

    def make(kind):
        with in_tenant(shop):
            made.append(Job.objects.create(kind=kind, status="queued", message="waiting for a worker",
                                           heartbeat_at=timezone.now() + timedelta(days=1)))
        return made[-1]
    yield make
    with in_tenant(shop):
        Job.objects.filter(pk__in=[j.pk for j in made]).delete()
        _store_figures()


def _new_data_and_end(shop, job):
    """The job ends after changing the data: the stored figures are stale until the worker stores them."""
    from django.db.models import F
    from django.utils import timezone

    from jobs.models import Job
    from tenants.models import Tenant

    with in_tenant(shop):
        Tenant.objects.filter(pk=shop.tenant.pk).update(dataset_version=F("dataset_version") + 1)
        Job.objects.filter(pk=job.pk).update(status="succeeded", finished_at=timezone.now())


# page -> its status route, the kind of job that changes it, what the worker stores after the job
FIGURE_PAGES = {
    "/": ("/dashboard/status/", "refresh"),
    "/stores/": ("/stores/status/", "ingest"),
    "/stores/1/": ("/stores/status/", "refresh"),
    "/departments/": ("/stores/status/", "train"),
    "/departments/1/": ("/stores/status/", "evaluate"),
    "/data/": ("/data/status/", "ingest"),
}


@pytest.mark.parametrize("path", list(FIGURE_PAGES))
def test_page_waits_for_the_job_then_for_its_stored_figures(shop, viewer, job, path):
    from forecasting.services.figures import figures_snapshot_write
    from forecasting.services.insights import insights_snapshot_write

    status, kind = FIGURE_PAGES[path]
    assert f'hx-get="{status}' not in viewer.get(path).content.decode()  # nothing under way: no polling
    running = job(kind)
    page = viewer.get(path).content.decode()
    assert f'hx-get="{status}?watching=1"' in page and f"job #{running.pk}" in page
    resp, html = _poll(viewer, status)
    assert "HX-Refresh" not in resp and "hx-trigger" in html and f"job #{running.pk}" in html
    _new_data_and_end(shop, running)
    resp, html = _poll(viewer, status)
    assert "HX-Refresh" not in resp and "hx-trigger" in html and "being recomputed" in html
    assert f'hx-get="{status}?watching=1"' in viewer.get(path).content.decode()
    with in_tenant(shop):
        figures_snapshot_write()  # the tables, the Dashboard's figures and the dataset summary
    if status == "/stores/status/":  # the store and department pages also mark the stored anomalies
        resp, html = _poll(viewer, status)
        assert "HX-Refresh" not in resp and "being recomputed" in html
        with in_tenant(shop):
            insights_snapshot_write()
    resp, html = _poll(viewer, status)
    assert resp["HX-Refresh"] == "true" and "hx-trigger" not in html and "being recomputed" not in html


def test_a_failed_job_reloads_at_once_and_an_unwatched_poll_never_reloads(shop, viewer, job):
    from jobs.models import Job

    running = job("ingest")
    with in_tenant(shop):  # nothing was written: the figures stay current
        Job.objects.filter(pk=running.pk).update(status="failed")
    resp, _ = _poll(viewer, "/data/status/")
    assert resp["HX-Refresh"] == "true"
    assert "HX-Refresh" not in viewer.get("/data/status/", HTTP_HX_REQUEST="true")


def test_models_pages_wait_for_trainings_and_evaluations_only(shop, viewer, job):
    from django.utils import timezone

    from jobs.models import Job

    refresh = job("refresh")  # changes the figures, not the versions: the Models pages do not wait for it
    assert 'hx-get="/models/status/' not in viewer.get("/models/").content.decode()
    for kind in ("train", "evaluate"):
        running = job(kind)
        page = viewer.get("/models/").content.decode()
        assert 'hx-get="/models/status/?watching=1"' in page and f"job #{running.pk}" in page
        resp, html = _poll(viewer, "/models/status/")
        assert "HX-Refresh" not in resp and f"job #{running.pk}" in html and f"job #{refresh.pk}" not in html
        with in_tenant(shop):  # the job itself writes the version (or the evaluation): no figures to wait for
            Job.objects.filter(pk=running.pk).update(status="succeeded", finished_at=timezone.now())
        resp, html = _poll(viewer, "/models/status/")
        assert resp["HX-Refresh"] == "true" and "hx-trigger" not in html


def test_model_page_waits_too(shop, viewer, job):
    from forecasting.models import ModelVersion

    with in_tenant(shop):
        version = ModelVersion.objects.get()  # the seed's served version
    running = job("evaluate")
    page = viewer.get(f"/models/{version.pk}/").content.decode()
    assert 'hx-get="/models/status/?watching=1"' in page and f"job #{running.pk}" in page


def test_the_last_answer_of_an_upload_card_brings_the_new_summary_and_history(shop, viewer):
    from forecasting.models import Upload

    with in_tenant(shop):
        upload = Upload.objects.create(original_filename="more.csv", size=10, sha256="0" * 64, file_path="x",
                                       status="running", kind="sales")
    try:
        html = viewer.get(f"/data/uploads/{upload.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
        assert "hx-swap-oob" not in html and "hx-trigger" in html
        with in_tenant(shop):
            Upload.objects.filter(pk=upload.pk).update(status="succeeded", rows_total=1234, inserted=1234)
        html = viewer.get(f"/data/uploads/{upload.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
        assert 'id="dataset-summary" hx-swap-oob="true"' in html
        assert 'id="upload-history" hx-swap-oob="true"' in html and "more.csv" in html
        assert "hx-trigger" not in html
    finally:
        with in_tenant(shop):
            upload.delete()


@pytest.mark.parametrize("status", ["/dashboard/status/", "/stores/status/", "/models/status/", "/data/status/"])
def test_status_routes_refuse_another_workspace_and_anonymous(shop, django_db_blocker, status):
    with django_db_blocker.unblock():
        other = provision("pagewatch-b")
    foreign = web_client(other, user=add_member(other, "owner"))
    for client in (foreign, web_client(shop)):
        resp = client.get(status, HTTP_HOST=shop.host)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_upload_counts_have_thousands_separators():
    """Issue 19 item 10: "8190 rows" without separators."""
    from django.template.loader import render_to_string

    class Upload:
        pk, status, rows_total, inserted, updated, unchanged, error_count = 1, "succeeded", 8190, 8190, 0, 0, 0
        errors: list = []

    html = render_to_string("forecasting/_upload_status.html", {"upload": Upload()})
    assert "8,190 rows: 8,190 inserted" in html
