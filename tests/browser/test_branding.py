"""Acceptance 7: branding appears after an owner sets it — name, logo and
accent colour on every page, for every member, and on the sign-in page.
Real gunicorn + Debian chromium."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.conftest import add_member, provision
from tests.support.browser import login

pytestmark = pytest.mark.browser


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 40), (10, 125, 79)).save(buf, format="PNG")
    return buf.getvalue()


def _accent(page) -> str:
    return page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")


def test_branding_appears_after_an_owner_sets_it(live_server_proc, page):
    server = live_server_proc
    t = provision("brand")
    analyst = add_member(t, "analyst")
    login(page, server, t, t.owner_email)
    assert page.locator(".brand-logo").count() == 0
    default_accent = _accent(page)

    page.click("nav summary:has-text('Admin')")  # the administration pages sit under one menu
    page.click("nav >> text=Workspace")
    page.fill("input[name=display_name]", "Green Grocers")
    page.fill("input[name=accent_color]", "#0a7d4f")
    page.set_input_files("input[name=logo]", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png()}])
    page.click("text=Save branding")
    assert "Branding saved" in page.locator(".flash-success").inner_text()

    for path in ("/", "/data/", "/settings/workspace/"):
        page.goto(server.url(t, path))
        assert page.inner_text(".brand-name") == "Green Grocers"
        assert _accent(page) == "#0a7d4f" != default_accent
        assert page.evaluate("document.querySelector('.brand-logo').naturalWidth") > 0  # the image loaded
        assert page.title().startswith("Green Grocers")

    # another member sees it too, and so does the sign-in page
    page.click(".who-menu summary")  # the account menu: password and log out
    page.click("header form button")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    assert page.inner_text(".brand-name") == "Green Grocers"
    login(page, server, t, analyst.email)
    assert page.inner_text(".brand-name") == "Green Grocers"
    assert _accent(page) == "#0a7d4f"
    assert not [r for r in page.bad_responses if "logo" in r[1]]
