"""Issue 19, the planner's workflow 2 in Chromium at 1440 and 390 px on a
workspace trained by the real worker: a planner overrides a series from the
Forecast page (its week shows the final figure beside the statistical one,
the chart draws both), a bad amount is refused with the reason and nothing
saved, the Overrides page lists it with its reason and note, the value-added
table says what it waits for, and a withdrawal serves the model's figure
again. The override is withdrawn at the end: other tests read the same
workspace."""
from __future__ import annotations

import pytest

from tests.conftest import in_tenant
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


def _series(t):
    from forecasting.selectors.forecast import latest_run

    with in_tenant(t):
        point = latest_run().points.order_by("store", "dept", "date").first()
        return point.store, point.dept, point.date, point.forecast


def _no_sideways_scroll(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width


def test_a_planner_overrides_a_series_and_withdraws_it(live_server_proc, page, trained_workspace, django_db_blocker):
    from forecasting.models import Override

    t = trained_workspace
    with django_db_blocker.unblock():
        store, dept, week, statistical = _series(t)
        with in_tenant(t):
            existing = Override.objects.count()  # other tests' withdrawn overrides are kept
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, f"/forecasts/?store={store}&dept={dept}"))
    page.click("#series-override summary")
    form = page.locator("#series-override form")
    form.locator(f"input[name=periods][value='{week:%Y-%m-%d}']").check()
    form.locator("select[name=kind]").select_option("percent")
    form.locator("input[name=amount]").fill("-150")  # below -100 %: refused, named
    form.locator("select[name=reason]").select_option("event")
    form.locator("button[type=submit]").click()
    assert "percent: between -100 and 1,000" in page.locator(".flash-error").inner_text()
    with django_db_blocker.unblock(), in_tenant(t):
        assert Override.objects.count() == existing  # nothing saved

    page.click("#series-override summary")
    form.locator(f"input[name=periods][value='{week:%Y-%m-%d}']").check()
    form.locator("select[name=kind]").select_option("percent")
    form.locator("input[name=amount]").fill("20")
    form.locator("select[name=reason]").select_option("event")
    form.locator("input[name=note]").fill("Street festival")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    first = page.locator("#forecast-points tbody tr").first
    cells = first.locator("td").all_inner_texts()
    assert "overridden" in cells[1] and cells[2] == f"${statistical:,.0f}", cells
    assert f"${statistical * 1.2:,.0f}" in cells[1], cells
    names = page.evaluate("() => document.getElementById('forecast-chart').data.map(d => d.name)")
    assert "Statistical forecast" in names and "Forecast with overrides" in names
    assert page.console_errors == []

    page.click("#overrides-link")
    row = page.locator("#active-overrides tbody tr")
    assert row.count() == 1  # the one just set: the others were withdrawn
    text = row.first.inner_text()
    assert "+20 %" in text and "Local event" in text and "Street festival" in text
    assert page.locator("#value-added-empty").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    _no_sideways_scroll(page)
    page.locator("#active-overrides button", has_text="Withdraw").click()
    page.wait_for_selector("#active-empty")
    assert "withdrawn" in page.locator(".flash-success").inner_text()
    assert page.locator("#withdrawn-overrides tbody tr").count() == existing + 1
    page.goto(live_server_proc.url(t, f"/forecasts/?store={store}&dept={dept}"))
    assert "overridden" not in page.locator("#forecast-points tbody tr").first.inner_text()
    _no_sideways_scroll(page)
    assert page.console_errors == [] and page.bad_responses == []
