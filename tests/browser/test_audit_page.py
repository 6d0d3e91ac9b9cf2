"""The Audit page in a real browser at phone width: a flood of failed logins
is one line, details read as fields, the filters' Export CSV downloads the
filtered log, and a bad filter gives a message (never an error page)."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.conftest import PASSWORD, add_member, in_tenant, provision

pytestmark = pytest.mark.browser


def test_audit_page_folds_a_flood_and_exports(live_server_proc, page):
    from accounts.audit import Actor
    from accounts.services import auth_event_record

    server, t = live_server_proc, provision("auditweb")
    with in_tenant(t):
        for _ in range(200):
            auth_event_record(action="auth.login_failed", actor=Actor.system(ip="10.6.6.6"),
                              payload={"username": t.owner_email})
    add_member(t, "analyst", email=f"ana@{t.slug}.test")

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(server.url(t, "/accounts/login/"))
    page.fill("input[name=username]", t.owner_email)
    page.fill("input[name=password]", "not-the-password")  # one real failed login, through the signal
    page.click("#login-form button[type=submit]")
    page.fill("input[name=username]", t.owner_email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(server.url(t, "/audit/"))
    runs = page.locator("#audit-table tr.collapsed-run")
    assert runs.count() == 1  # the 200 from 10.6.6.6; the single real failure is a plain line
    assert re.search(rf"200 failed logins for {re.escape(t.owner_email)} between", runs.first.inner_text())
    member_row = page.locator("#audit-table tr", has_text=f"ana@{t.slug}.test")
    assert "E-mail" in member_row.inner_text() and "Role" in member_row.inner_text()
    assert page.locator("#audit-table tr", has_text="Workspace provisioned").count() == 1  # not buried
    # the page itself does not scroll sideways at 390 px (the table scrolls in its own box)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.select_option("#audit-filters select[name=action]", "member.create")
    page.click("#audit-filters button")
    page.wait_for_url(re.compile(r".*action=member\.create.*"))
    with page.expect_download() as info:
        page.click("#audit-export")
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))
    assert {r["action"] for r in rows} == {"member.create"} and len(rows) == 2  # owner and analyst
    assert all(len(r["hash"]) == 64 for r in rows)

    page.goto(server.url(t, "/audit/?actor=%C2%B2"))
    assert page.locator(".filter-errors").count() == 1
    assert "Actor" in page.locator(".filter-errors").inner_text()
    assert [s for s, _ in page.bad_responses if s >= 500] == []
    assert page.console_errors == []
