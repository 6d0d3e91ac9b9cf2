"""An owner dismisses an in-app notice (the automatic rollback's) on the
Dashboard: htmx swaps it out in place, and it stays gone after a reload."""
from __future__ import annotations

import pytest

from tests.conftest import in_tenant, provision
from tests.support.browser import login

pytestmark = [pytest.mark.browser]


def test_owner_dismisses_a_notice(live_server_proc, page, django_db_blocker):
    from accounts.notices import notice_admins

    with django_db_blocker.unblock():
        t = provision("noticebrowser")
        with in_tenant(t):
            notice = notice_admins(kind="model.rolled_back", title="Model rolled back from v2 to v1",
                                   body="Live error rose.", link="/models/")
    login(page, live_server_proc, t)
    page.wait_for_selector(f"#notice-{notice.pk}")
    page.evaluate("() => { window.__before = true; }")
    page.click(f"#notice-{notice.pk} button:has-text('Dismiss')")
    page.wait_for_selector(f"#notice-{notice.pk}", state="detached")
    assert page.evaluate("() => window.__before") is True  # swapped out in place, no reload
    page.reload()
    page.wait_for_selector("h1:has-text('Dashboard')")
    assert page.locator(f"#notice-{notice.pk}").count() == 0
    assert page.console_errors == [], page.console_errors
