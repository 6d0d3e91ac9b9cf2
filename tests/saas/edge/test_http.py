"""Hostile input at the HTTP edge (issue 10, section 2): request ids, cookies
on the public host, unknown workspaces, production settings."""
from __future__ import annotations

import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import REPO, in_tenant, web_client
from tests.saas.test_deploy_check import production_env


# ------------------------------------------------------------- X-Request-ID
@pytest.mark.parametrize("incoming", ["abc\n", "a" * 65, "<script>", "id with space", "x;DROP", "é-id", ""])
def test_unsafe_request_id_is_replaced_by_a_generated_one(tenant, incoming):
    from accounts.models import AuditEvent

    client = Client(HTTP_HOST=tenant.host)
    resp = client.post("/accounts/login/", {"username": tenant.owner_email, "password": "wrong-password"},
                       HTTP_X_REQUEST_ID=incoming)
    rid = resp["X-Request-ID"]
    assert rid != incoming and len(rid) == 32 and rid.isalnum()
    with in_tenant(tenant):
        event = AuditEvent.objects.filter(action="auth.login_failed").order_by("-id").first()
    assert event is not None and event.request_id == rid


def test_safe_request_id_is_kept(tenant):
    resp = Client(HTTP_HOST=tenant.host).get("/accounts/login/", HTTP_X_REQUEST_ID="Req_1.2-3")
    assert resp["X-Request-ID"] == "Req_1.2-3"


# ------------------------------------------------- sessions on the public host
def test_garbage_session_cookie_on_public_host_is_ignored():
    client = Client(HTTP_HOST="localhost")
    client.cookies["sessionid"] = "garbage-not-a-session"
    for path in ("/", "/signup/"):
        resp = client.get(path)
        assert resp.status_code == 200, path
    assert "sessionid" not in resp.cookies or resp.cookies["sessionid"].value == ""


def test_tenant_session_cookie_on_public_host_is_ignored(tenant):
    from accounts.models import User

    with in_tenant(tenant):
        owner = User.objects.get(email=tenant.owner_email)
    workspace = web_client(tenant, user=owner)
    sid = workspace.cookies["sessionid"].value
    public = Client(HTTP_HOST="localhost")
    public.cookies["sessionid"] = sid
    assert public.get("/").status_code == 200
    resp = public.get("/signup/")
    assert resp.status_code == 200 and owner.email.encode() not in resp.content
    # the workspace session still works on its own host
    assert workspace.get("/").status_code == 200


# ------------------------------------------------------- unknown workspaces
@pytest.mark.parametrize("debug", [False, True])
def test_unknown_workspace_is_a_friendly_404_in_every_mode(settings, debug):
    settings.DEBUG = debug
    for path in ("/", "/accounts/login/", "/nope/"):
        resp = Client(HTTP_HOST="no-such-shop.localhost").get(path)
        assert resp.status_code == 404
        body = resp.content.decode()
        assert "No workspace at this address" in body, body[:500]
        assert "URLconf" not in body and "urlpatterns" not in body.lower() and "DEBUG" not in body
        assert 'href="http://localhost:8000/signup/"' in body
    api = Client(HTTP_HOST="no-such-shop.localhost").get("/api/v1/me/")
    assert api.status_code == 404 and api.json()["error"]["code"] == "workspace_not_found"


def test_signup_hint_shows_the_workspace_address():
    body = Client(HTTP_HOST="localhost").get("/signup/").content.decode()
    assert "Your workspace address: ." not in body
    assert "Your workspace address: &lt;short name&gt;.localhost" in body or \
        "Your workspace address: <em>short-name</em>.localhost" in body, body


# --------------------------------------------------------- production settings
def test_production_settings_refuse_to_start_without_allowed_hosts():
    env = production_env()
    del env["DJANGO_ALLOWED_HOSTS"]
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and "DJANGO_ALLOWED_HOSTS" in proc.stderr, proc.stderr[-2000:]
    env["DJANGO_ALLOWED_HOSTS"] = " , "
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in proc.stderr
