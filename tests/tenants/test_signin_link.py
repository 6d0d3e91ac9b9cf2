"""Issue 19 item 10: the product's home has a way back in. "Sign in" asks for the workspace's short name
and leads to that workspace's own sign-in page (nothing looked up: an unknown name shows the unknown
workspace page of its address, as typing it would); a malformed name is refused with the reason."""
from __future__ import annotations

from django.test import Client


def test_the_landing_page_links_to_sign_in_and_it_leads_to_the_workspace(tenant):
    public = Client(HTTP_HOST="localhost")
    assert 'id="signin-link"' in public.get("/").content.decode()
    assert public.get("/signin/").status_code == 200
    resp = public.get("/signin/", {"workspace": f" {tenant.slug.upper()} "})
    assert resp.status_code == 302 and f"//{tenant.slug}.localhost" in resp["Location"]
    assert resp["Location"].endswith("/accounts/login/")
    login = Client(HTTP_HOST=f"{tenant.slug}.localhost").get("/accounts/login/")
    assert login.status_code == 200
    bad = public.get("/signin/", {"workspace": "../evil.example"})
    assert bad.status_code == 400 and "lower-case letters, digits and hyphens" in bad.content.decode()


def test_signing_in_leads_nowhere_else():
    resp = Client(HTTP_HOST="localhost").get("/signin/", {"workspace": "evil.example.com/x"})
    assert resp.status_code == 400  # never a redirect to another host
