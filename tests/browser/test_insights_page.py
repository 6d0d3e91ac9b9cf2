"""Issue 9 acceptance 1 for page 6: the Insights page in a real browser — the
volatility heatmap and the markdown ROI scatter render, the hotspot, anomaly and inventory tables are
filled, the inventory form changes the targets and the CSV link, no console
errors, and at 390 px no chart toolbar and no horizontal overflow."""
from __future__ import annotations

import re

import pytest

from tests.conftest import in_tenant, provision
from tests.forecasting.web.test_insights import fake_roi
from tests.support import stores_seed as seed
from tests.support.browser import login
from tests.support.job_watch import page_waits_for_its_figures

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    from forecasting.services.insights import insights_snapshot_write

    with django_db_blocker.unblock():
        t = provision("insightspage")
        seed.seed(t)
        with in_tenant(t):
            insights_snapshot_write()
        fake_roi(t)
    return t


def test_insights_page_renders_its_chart_and_tables(live_server_proc, page, shop):
    login(page, live_server_proc, shop)
    page.click("nav a:has-text('Insights')")
    page.wait_for_selector("#hotspot-heatmap.js-plotly-plot .main-svg")
    z = page.evaluate("() => document.getElementById('hotspot-heatmap').data[0].y")
    assert set(z) == {f"Store {s}" for s, _ in seed.SERIES}
    assert page.locator("#hotspot-table tbody tr").count() == len(seed.SERIES)
    page.wait_for_selector("#roi-scatter.js-plotly-plot .main-svg")
    traces = page.evaluate("() => document.getElementById('roi-scatter').data.map(t => t.name)")
    assert sorted(traces) == ["Markdown 1", "Markdown 3"]
    assert page.locator("#roi-table tbody tr").count() == 2 * len({d for _, d in seed.SERIES})
    assert page.locator("#anomaly-table tbody tr").count() > 0
    assert page.locator("#inventory-table tbody tr").count() == len(seed.LIVE)
    before = page.inner_text("#inventory-table tbody tr:first-child td:nth-child(3)")
    page.fill("#inventory-form input[name=lead_time]", "4")
    page.fill("#inventory-form input[name=service_level]", "0.99")
    page.click("#inventory-form button[type=submit]")
    page.wait_for_url(re.compile(r".*lead_time=4.*"))
    assert "lead_time=4&service_level=0.99&format=csv" in page.get_attribute("#inventory-csv", "href")
    assert page.inner_text("#inventory-table tbody tr:first-child td:nth-child(3)") != before  # more safety stock
    assert page.console_errors == [], page.console_errors


def test_insights_page_at_390px(live_server_proc, page, shop):
    login(page, live_server_proc, shop)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server_proc.url(shop, "/insights/"))
    page.wait_for_selector("#hotspot-heatmap.js-plotly-plot .main-svg")
    assert page.locator(".modebar").count() == 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.console_errors == [], page.console_errors


def test_page_updates_itself_when_its_job_ends_and_the_figures_are_stored(live_server_proc, page, shop):
    """A job that changes the data runs; it ends (the page keeps waiting: the worker has not stored the new
    figures yet, the watch says so without a reload); the figures are stored: the page reloads itself."""
    from forecasting.services.insights import insights_snapshot_write

    login(page, live_server_proc, shop)
    try:
        page_waits_for_its_figures(page, live_server_proc, shop, "/insights/", store_figures=insights_snapshot_write)
        page.wait_for_selector("#hotspot-heatmap.js-plotly-plot .main-svg")
        assert page.locator("#job-watch .job").count() == 0
        assert page.get_by_text("Being recomputed for the newest data").count() == 0
        assert page.console_errors == [], page.console_errors
    finally:
        with in_tenant(shop):
            insights_snapshot_write()
