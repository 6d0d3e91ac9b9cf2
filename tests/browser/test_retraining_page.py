"""Issue 8 item 3: an owner sets the retraining policy from the Models page
in a real browser and sees its next scheduled retrain; a bad hour is named
beside its field; the page holds at 390 px."""
from __future__ import annotations

import pytest

from tests.conftest import in_tenant, provision
from tests.support.browser import login

pytestmark = [pytest.mark.browser]


def test_owner_sets_the_retraining_schedule(live_server_proc, page):
    from forecasting.models import RetrainingPolicy

    t = provision("rtpage")
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/models/"))
    page.click("#retraining-link")
    page.wait_for_selector("#policy-form")
    assert "none (schedule off)" in page.inner_text("#policy-status")
    page.select_option("select[name=schedule]", "weekly")
    page.select_option("select[name=weekday]", "2")
    page.fill("input[name=hour]", "6")
    page.fill("input[name=time_zone]", "Europe/Paris")
    page.check("input[name=on_new_data]")
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    status = page.inner_text("#policy-status")
    assert "every Wednesday at 06:00 (Europe/Paris)" in status and "06:00 Europe/Paris)" in status
    with in_tenant(t):
        policy = RetrainingPolicy.objects.get()
    assert (policy.schedule, policy.weekday, policy.hour, policy.on_new_data) == ("weekly", 2, 6, True)
    assert page.console_errors == [], page.console_errors
    # a bad value: named beside its field (the browser's own range check is bypassed), nothing changed
    page.evaluate("() => document.querySelector('#policy-form').setAttribute('novalidate', '')")
    page.fill("input[name=hour]", "31")
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector(".flash-error")
    assert "from 0 to 23" in page.inner_text("#policy-form")
    with in_tenant(t):
        assert RetrainingPolicy.objects.get().hour == 6
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server_proc.url(t, "/models/retraining/"))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    # the only console line: the form's own 400 answer to the bad hour
    assert [e for e in page.console_errors if "status of 400" not in e] == [], page.console_errors
