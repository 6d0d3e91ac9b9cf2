"""Issue 8 point 4 in a real browser: an owner sets the shadow period on the
retraining page; the Models page and the shadow's Model page show the shadow
beside the champion (weeks realized of N, live WMAE of each on the same
rows); the card holds at 390 px."""
from __future__ import annotations

import pytest

from tests.conftest import in_tenant, provision
from tests.support.browser import login

pytestmark = [pytest.mark.browser]


def test_the_shadow_period_is_set_and_shown(live_server_proc, page):
    from forecasting.models import ModelVersion, RetrainingPolicy
    from tests.forecasting.services.test_shadow import _challenge, _check
    from tests.support.versions import add_actuals, make_version

    t = provision("shadowpage")
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/models/retraining/"))
    page.fill("input[name=shadow_weeks]", "2")
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "for 2 realized weeks" in page.inner_text("#shadow-policy")
    with in_tenant(t):
        assert RetrainingPolicy.objects.get().shadow_weeks == 2

    make_version(t, status="active", wmae=100.0, forecast=30.0)
    assert _challenge(t, make_version(t, status="candidate", wmae=50.0, forecast=11.0)).status == "shadow"
    add_actuals(t, 1)
    _check(t)
    page.goto(live_server_proc.url(t, "/models/"))
    card = page.inner_text("#shadow")
    assert "v2 beside champion v1" in card and "1 of 2 weeks" in card
    assert "v2 1" in card and "champion v1 20" in card and "95% better" in card
    with in_tenant(t):
        shadow = ModelVersion.objects.get(number=2)
    page.click(f"#shadow a[href$='/models/{shadow.pk}/']")
    page.wait_for_selector("#shadow-figures")
    assert "shadow" in page.inner_text("h1")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server_proc.url(t, "/models/"))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    assert page.console_errors == [], page.console_errors
