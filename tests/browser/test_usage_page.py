"""Acceptance 7 (issue 11): the Usage page renders its charts, with the
metered figures, at desktop and phone widths, with no console errors; the
Billing page lists the statement with working downloads."""
from __future__ import annotations

from datetime import date

import pytest

from billing.metering import usage_count, usage_flush, usage_measure
from billing.statements import statement_issue
from tests.conftest import in_tenant, provision
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHARTS = ("usage-requests-chart", "usage-ingest-chart", "usage-stored-chart", "usage-compute-chart",
          "usage-minutes-chart")


def test_usage_page_renders_its_charts(live_server_proc, page):
    t = provision("usagepage")
    with in_tenant(t):
        usage_count(counts={"api_requests": 1234, "rows_ingested": 5678, "trainings": 2, "training_seconds": 300,
                            "forecasts_served": 9})
    usage_flush(measure=False)
    usage_measure(tenant=t.tenant)
    statement = statement_issue(tenant=t.tenant, period_start=date(2026, 9, 1))
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/usage/"))
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}.js-plotly-plot .main-svg")
    requests = page.evaluate("() => document.getElementById('usage-requests-chart').data[0].y")
    assert requests[-1] == 1234 and len(requests) == 30
    names = page.evaluate("() => document.getElementById('usage-compute-chart').data.map(t => t.name)")
    assert names == ["Trainings", "Forecasts served", "Simulations"]  # counts; minutes on their own chart
    minutes = page.evaluate("() => document.getElementById('usage-minutes-chart').data.map(t => t.name)")
    assert minutes == ["Training minutes"]
    assert page.locator("#usage-totals").inner_text().count("1,234") == 1
    # a phone: the charts still render, the page does not scroll sideways
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#usage-compute-chart .main-svg")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    # the statement is listed on the Billing page and its PDF downloads
    page.goto(live_server_proc.url(t, "/billing/"))
    assert statement.number in page.locator("#statements").inner_text()
    with page.expect_download() as info:
        page.click(f"#statements a[href='/api/v1/statements/{statement.pk}.pdf']")
    assert info.value.suggested_filename == f"{statement.number}.pdf"
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []
