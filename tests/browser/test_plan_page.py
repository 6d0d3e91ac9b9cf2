"""Issue 19, the planner's workflow 4 in Chromium at 1440 and 390 px on a
workspace trained by the real worker: the owner submits the forecast as a plan
and approves it; the page shows the approved plan, the served forecast against
it, and the plan in the list; an analyst sees no Approve button."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, add_member
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


def test_submit_then_approve_the_plan(live_server_proc, page, trained_workspace, django_db_blocker):
    t = trained_workspace
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/forecasts/plan/"))
    assert page.locator("#no-plan").is_visible()
    page.fill("#plan-submit input[name=note]", "Autumn plan")
    page.click("#plan-submit button[type=submit]")
    assert "submitted" in page.locator(".flash-success").inner_text()
    row = page.locator("#plans tbody tr").first
    assert "Submitted" in row.inner_text() and "Autumn plan" in row.inner_text()
    row.locator("button", has_text="Approve").click()
    assert "approved" in page.locator(".flash-success").inner_text()
    current = page.locator("#current-plan").inner_text()
    assert "The approved plan" in current and "Approved" in current
    assert "against" in page.locator("#plan-versus").inner_text()  # the served forecast vs the plan, like for like
    assert page.locator("#plans tbody tr").first.locator("button").count() == 0  # approved: nothing to approve
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.console_errors == [] and page.bad_responses == []

    with django_db_blocker.unblock():
        analyst = add_member(t, "analyst")
    page.context.clear_cookies()
    login(page, live_server_proc, t, email=analyst.email, password=PASSWORD)
    page.goto(live_server_proc.url(t, "/forecasts/plan/"))
    assert page.locator("#current-plan").is_visible() and page.locator("#plans button", has_text="Approve").count() == 0
    assert page.locator("#plan-submit").is_visible()  # analysts submit
