"""Browser steps shared by the page tests (tests/browser/)."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD


def login(page, server, t, email: str | None = None, password: str = PASSWORD) -> None:
    """Sign in to workspace ``t`` through its login form (as its owner unless ``email`` is given)."""
    page.goto(server.url(t, "/accounts/login/"))
    page.fill("input[name=username]", email or t.owner_email)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
