"""Issue 8, acceptance 6 (the rollback part): on the Model page admins see the
rollback control and use it (with a reason); analysts do not see it. Versions
are rows with real artifact files (tests/support/versions.py): no training."""
from __future__ import annotations

import pytest

from tests.conftest import add_member, api_client, in_tenant, provision
from tests.support.browser import login
from tests.support.versions import make_version

pytestmark = [pytest.mark.browser]


@pytest.fixture
def versions():
    t = provision("rollback")
    v1 = make_version(t, status="retired", forecast=111.0)
    make_version(t, status="active", forecast=999.0)
    return t, v1


def test_admin_rolls_back_from_the_model_page(live_server_proc, page, versions):
    from forecasting.models import ModelVersion

    t, v1 = versions
    admin = add_member(t, "admin")
    login(page, live_server_proc, t, admin.email)
    page.goto(live_server_proc.url(t, f"/models/{v1.pk}/"))
    assert page.locator("#rollback-form").is_visible()
    page.fill("#rollback-form input[name=reason]", "v2 forecasts far too high")
    page.click("#rollback-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "v1 is the active model" in page.inner_text(".messages")
    assert page.locator("#rollback-form").count() == 0  # v1 is active now: nothing to roll back to here
    with in_tenant(t):
        assert dict(ModelVersion.objects.values_list("number", "status")) == {1: "active", 2: "retired"}
    served = api_client(t, key=t.admin_key).get("/api/v1/forecasts/", {"store": 1, "dept": 1}).json()
    assert served["model_version"] == 1 and served["points"][0]["forecast"] == 111.0
    assert page.console_errors == [], page.console_errors


def test_analyst_sees_no_rollback_control(live_server_proc, page, versions):
    t, v1 = versions
    analyst = add_member(t, "analyst")
    login(page, live_server_proc, t, analyst.email)
    page.goto(live_server_proc.url(t, f"/models/{v1.pk}/"))
    page.wait_for_selector("#lineage")
    assert page.locator("#rollback-form").count() == 0
    assert page.locator("text=Roll back").count() == 0
