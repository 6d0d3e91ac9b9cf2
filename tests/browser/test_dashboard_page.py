"""Issue 9 acceptance 1 for page 1: the executive Dashboard in a real browser —
the total history/forecast chart (with its 80/95% bands) and the store-type
chart render, no console errors; at 390 px no chart toolbar, KPI values not
clipped and no horizontal overflow; the page reloads itself when the job it
shows ends and the worker stored its new figures (not before: it would show stale ones)."""
from __future__ import annotations

import pytest

from tests.browser.test_stores_pages import login
from tests.conftest import in_tenant, provision
from tests.platform import stores_seed as seed

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    from forecasting.models import ForecastAggregate, ForecastRun

    with django_db_blocker.unblock():
        t = provision("dashpage")
        seed.seed(t)
        with in_tenant(t):  # the worker's coherent total, with bands
            run = ForecastRun.objects.filter(origin=seed.ORIGIN).get()
            ForecastAggregate.objects.bulk_create([
                ForecastAggregate(run=run, level="total", key="all", date=w,
                                  forecast=sum(seed.forecast_value(s, d, w) for s, d in seed.LIVE),
                                  lo80=9000.0, hi80=11000.0, lo95=8000.0, hi95=12000.0) for w in seed.FORECAST_WEEKS])
    return t


def test_dashboard_renders_its_charts(live_server_proc, page, shop):
    login(page, live_server_proc, shop)
    page.wait_for_selector("#total-chart.js-plotly-plot .main-svg")
    page.wait_for_selector("#type-chart.js-plotly-plot .main-svg")
    names = page.evaluate("() => document.getElementById('total-chart').data.map(t => t.name)")
    assert {"Total sales", "Forecast", "80% interval", "95% interval"} <= set(names)
    assert page.locator("#movers-table tbody tr").count() > 0
    assert "same week last year" in page.inner_text("#kpi-last-week")
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []


def test_phone_width_fits(live_server_proc, page, shop):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server_proc, shop)
    page.wait_for_selector("#total-chart.js-plotly-plot .main-svg")
    assert page.locator(".modebar").count() == 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    clipped = page.evaluate("""() => [...document.querySelectorAll('.kpi .value')]
        .filter(v => v.scrollWidth > v.clientWidth + 1 || v.getBoundingClientRect().right > 390)
        .map(v => v.textContent)""")
    assert clipped == []
    assert page.console_errors == [], page.console_errors


def test_page_reloads_when_its_job_ends(live_server_proc, page, shop):
    from datetime import timedelta

    from django.utils import timezone

    from django.db.models import F

    from forecasting.models import FiguresSnapshot, Job
    from forecasting.services.figures import figures_snapshot_write
    from tenants.models import Tenant

    with in_tenant(shop):
        # queued, with a sign of life ahead: job recovery (a worker's start or beat) never re-sends it
        job = Job.objects.create(kind="ingest", status="queued", message="waiting for a worker",
                                 heartbeat_at=timezone.now() + timedelta(days=1))
    try:
        login(page, live_server_proc, shop)
        page.wait_for_selector(f"#job-watch >> text=job #{job.pk}")
        page.evaluate("() => { window.__before_reload = true; }")
        with in_tenant(shop):  # the upload ended: new data, the Dashboard's figures not stored yet
            Tenant.objects.filter(pk=shop.tenant.pk).update(dataset_version=F("dataset_version") + 1)
            Job.objects.filter(pk=job.pk).update(status="succeeded", finished_at=timezone.now())
        page.wait_for_selector("#job-watch >> text=being recomputed", timeout=30000)
        assert page.evaluate("() => window.__before_reload") is True  # swapped in place, no reload
        with in_tenant(shop):
            figures_snapshot_write()
        page.wait_for_function("() => window.__before_reload === undefined", timeout=30000)
        page.wait_for_selector("#total-chart.js-plotly-plot .main-svg")
        assert page.locator(f"#job-watch >> text=job #{job.pk}").count() == 0
        assert page.console_errors == [], page.console_errors
    finally:
        with in_tenant(shop):
            Job.objects.filter(pk=job.pk).delete()
            FiguresSnapshot.objects.all().delete()  # the other tests read the figures computed on read
