"""Acceptance (foundation 5): sign up on the public site, land in the new
workspace, invite an analyst, log in as the analyst, and see that the
Members page is not theirs to change. Real gunicorn + Debian chromium."""
from __future__ import annotations

import re
import time

import pytest

from tests.conftest import PASSWORD, unique_slug

pytestmark = pytest.mark.browser


def _read_invite_link(mail_dir, email, timeout=10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for f in sorted(mail_dir.glob("*.log")):
            text = f.read_text()
            if email in text:
                m = re.search(r"(http://\S+/accounts/reset/\S+/)", text)
                if m:
                    return m.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no invitation e-mail for {email}")


def test_signup_invite_analyst_and_analyst_cannot_manage_members(live_server_proc, page):
    server = live_server_proc
    slug = unique_slug("web")
    page.goto(server.url(path="/signup/"))
    page.fill("input[name=name]", "Browser Mart")
    page.fill("input[name=slug]", slug)
    page.fill("input[name=email]", f"owner@{slug}.test")
    page.fill("input[name=password]", PASSWORD)
    handoffs = []
    page.on("request", lambda r: handoffs.append((r.method, r.url)) if "/accounts/handoff/" in r.url else None)
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(re.compile(rf"http://{slug}\.localhost:{server.port}/$"))
    # the handoff page's GET only renders a form; its auto-submitted POST logs in
    assert [m for m, _ in handoffs] == ["GET", "POST"], handoffs
    assert handoffs[1][1] == f"http://{slug}.localhost:{server.port}/accounts/handoff/"
    assert "Browser Mart" in page.inner_text(".brand")
    assert page.locator(".flash-success").first.inner_text().startswith("Welcome")

    # invite an analyst
    page.click("nav summary:has-text('Admin')")  # the administration pages sit under one menu
    page.click("nav >> text=Members")
    page.fill("#invite-form input[name=email]", f"ana@{slug}.test")
    page.select_option("#invite-form select[name=role]", "analyst")
    page.click("#invite-form button[type=submit]")
    assert "Invitation sent" in page.locator(".flash-success").inner_text()
    assert page.locator(f"tr[data-email='ana@{slug}.test']").count() == 1

    # the analyst follows the e-mailed link, sets a password and logs in
    link = _read_invite_link(server.mail_dir, f"ana@{slug}.test")
    assert link.startswith(f"http://{slug}.localhost:{server.port}/")
    page.click(".who-menu summary")  # the account menu: password and log out
    page.click("header form button")  # owner logs out
    page.goto(link)
    page.fill("input[name=new_password1]", "Analyst-pass-2026")
    page.fill("input[name=new_password2]", "Analyst-pass-2026")
    page.click("#set-password-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/login/$"))
    page.fill("input[name=username]", f"ana@{slug}.test")
    page.fill("input[name=password]", "Analyst-pass-2026")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(rf"http://{slug}\.localhost:{server.port}/$"))
    assert "Analyst" in page.inner_text(".who")

    # Members is not in the analyst's navigation, and the page refuses them
    assert page.locator("nav >> text=Members").count() == 0
    resp = page.goto(server.url(path="/members/").replace("localhost", f"{slug}.localhost", 1))
    assert resp.status == 403
    assert "Not allowed" in page.inner_text("h1")
    assert page.locator("#invite-form").count() == 0
    # the only failed load is the intended 403 of the Members page
    assert [u for s, u in page.bad_responses if not (s == 403 and u.endswith("/members/"))] == []
    assert [e for e in page.console_errors if "403" not in e] == []


def test_signup_handoff_without_javascript_needs_one_click(live_server_proc, browser):
    """With scripts off, the handoff page shows a button; nothing logs in until it is pressed."""
    server = live_server_proc
    slug = unique_slug("nojs")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server.url(path="/signup/"))
        assert "Your workspace address: short-name.localhost" in page.inner_text("#signup-form")
        page.fill("input[name=name]", "Quiet Mart")
        page.fill("input[name=slug]", slug)
        page.fill("input[name=email]", f"owner@{slug}.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("#signup-form button[type=submit]")
        page.wait_for_url(re.compile(rf"http://{slug}\.localhost:{server.port}/accounts/handoff/\?token=.+"))
        button = page.locator("#handoff-form button[type=submit]")
        assert button.is_visible() and "Continue" in button.inner_text()
        page.click("#handoff-form button[type=submit]")
        page.wait_for_url(re.compile(rf"http://{slug}\.localhost:{server.port}/$"))
        assert "Quiet Mart" in page.inner_text(".brand")
        assert page.locator(".flash-success").first.inner_text().startswith("Welcome")
    finally:
        context.close()
