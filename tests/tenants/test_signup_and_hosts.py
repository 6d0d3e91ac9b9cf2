from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import PASSWORD, api_client, in_tenant, unique_slug, web_client


def test_provision_tenant_command_prints_one_json_line():
    from accounts.models import ApiKey, User
    from tenants.models import Tenant

    slug = unique_slug("cli")
    out = StringIO()
    call_command("provision_tenant", slug, name="Acme Retail", owner_email=f"Owner@{slug}.test",
                 owner_password=PASSWORD, plan="pro", api_key_name="ETL key", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["tenant"] == slug
    assert data["url"] == f"http://{slug}.localhost:8000/"
    assert data["owner"] == f"owner@{slug}.test"
    tenant = Tenant.objects.get(slug=slug)
    assert tenant.plan == "pro" and tenant.schema_name == "t_" + slug.replace("-", "_")
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        owner = User.objects.get()
        assert owner.role == "owner" and owner.password.startswith("argon2")
        key = ApiKey.objects.get()
        assert key.role == "admin" and key.digest != data["api_key"] and data["api_key"].startswith(f"fc_{key.prefix}_")
    me = api_client(type("T", (), {"host": f"{slug}.localhost"})(), key=data["api_key"]).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {"username": "ETL key", "email": None, "role": "admin", "tenant": slug,
                         "kind": "api_key"}


@pytest.mark.parametrize("slug,problem", [("Bad Slug", "slug"), ("ab", "slug"), ("www", "slug"),
                                          ("-abc", "slug"), ("public", "slug")])
def test_provision_rejects_bad_slugs_and_leaves_nothing(slug, problem):
    from tenants.models import Tenant

    n = Tenant.objects.count()
    with pytest.raises(CommandError):
        call_command("provision_tenant", slug, name="X", owner_email="o@x.test", owner_password=PASSWORD,
                     stdout=StringIO())
    assert Tenant.objects.count() == n


def test_provision_rejects_weak_password_before_creating_schema():
    from django_tenants.utils import schema_exists

    from tenants.models import Tenant

    slug = unique_slug("weak")
    with pytest.raises(CommandError, match="password"):
        call_command("provision_tenant", slug, name="X", owner_email="o@x.test", owner_password="123",
                     stdout=StringIO())
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not schema_exists("t_" + slug.replace("-", "_"))


def test_duplicate_slug_conflicts(tenant):
    with pytest.raises(CommandError, match="taken"):
        call_command("provision_tenant", tenant.slug, name="X", owner_email="o@x.test", owner_password=PASSWORD,
                     stdout=StringIO())


def test_suspended_tenant_pages_and_api(tenant):
    from accounts.models import User

    with in_tenant(tenant):
        owner = User.objects.get(email=tenant.owner_email)
    call_command("suspend_tenant", tenant.slug, reason="unpaid", stdout=StringIO())
    resp = api_client(tenant, key=tenant.admin_key).get("/api/v1/me/")
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "tenant_suspended"
    page = web_client(tenant, user=owner).get("/")
    assert page.status_code == 403 and b"suspended" in page.content
    # nothing deleted; reactivation restores access
    assert len(tenant.members()) == 1
    call_command("suspend_tenant", tenant.slug, undo=True, stdout=StringIO())
    assert api_client(tenant, key=tenant.admin_key).get("/api/v1/me/").status_code == 200
    from accounts.models import AuditEvent

    with in_tenant(tenant):
        assert list(AuditEvent.objects.filter(action__startswith="tenant.s").values_list("action", flat=True)
                    .order_by("id")) == ["tenant.suspend"]
        assert AuditEvent.objects.filter(action="tenant.unsuspend").count() == 1


def test_healthz_on_any_host_reports_components(tenant):
    from django.test import Client

    for host in ("localhost", tenant.host, "unknown.example"):
        resp = Client(HTTP_HOST=host if host != "unknown.example" else "localhost").get("/healthz")
        data = resp.json()
        assert data["database"]["ok"] and data["redis"]["ok"]
        # no worker is running in this test: 503 and celery not ok
        if not data["celery"]["ok"]:
            assert resp.status_code == 503 and data["status"] == "degraded"
        else:
            assert resp.status_code == 200


def _handoff_form(resp) -> dict:
    """The fields of the auto-submitted handoff form (hidden inputs)."""
    html = resp.content.decode()
    tag = re.search(r'<form[^>]*id="handoff-form"[^>]*>', html)
    assert tag and 'method="post"' in tag.group(0) and 'action="/accounts/handoff/"' in tag.group(0), html
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def test_public_signup_creates_workspace_and_hands_off_login():
    from django.test import Client

    from tenants.models import Tenant

    slug = unique_slug("su")
    public = Client(HTTP_HOST="localhost")
    assert public.get("/signup/").status_code == 200
    resp = public.post("/signup/", {"name": "Shop Co", "slug": slug, "email": f"boss@{slug}.test",
                                    "password": PASSWORD})
    assert resp.status_code == 302
    location = resp["Location"]
    assert location.startswith(f"http://{slug}.localhost:8000/accounts/handoff/?token=")
    assert Tenant.objects.filter(slug=slug, name="Shop Co").exists()
    workspace = Client(HTTP_HOST=f"{slug}.localhost", enforce_csrf_checks=True)
    # the GET only renders a form that posts the token (login CSRF: a GET never logs in)
    page = workspace.get(location.split(":8000")[1])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert b"<noscript>" in page.content and b"document.getElementById(\"handoff-form\").submit()" in page.content
    fields = _handoff_form(page)
    assert fields["token"] and fields["csrfmiddlewaretoken"]
    assert workspace.get("/").status_code == 302  # not logged in yet
    # without the CSRF token the POST is refused
    assert workspace.post("/accounts/handoff/", {"token": fields["token"]}).status_code == 403
    landed = workspace.post("/accounts/handoff/", fields)
    assert landed.status_code == 302 and landed["Location"] == "/"
    assert workspace.get("/").status_code == 200
    # the handoff token is single-use
    again = Client(HTTP_HOST=f"{slug}.localhost")
    again.get(location.split(":8000")[1])
    resp = again.post("/accounts/handoff/", fields)
    assert resp["Location"].startswith("/accounts/login")
    assert again.get("/").status_code == 302


def test_handoff_token_of_one_workspace_does_not_log_in_to_another(tenant, tenant_b):
    from django.test import Client

    from accounts.services import handoff_token_create

    with in_tenant(tenant):
        from accounts.models import User

        owner = User.objects.get(email=tenant.owner_email)
    token = handoff_token_create(schema=tenant.schema, user_id=owner.pk)
    other = Client(HTTP_HOST=tenant_b.host)
    resp = other.post("/accounts/handoff/", {"token": token})
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login")
    assert other.get("/").status_code == 302
    # the token still works where it belongs (the failed attempt did not use it up)
    mine = Client(HTTP_HOST=tenant.host)
    assert mine.post("/accounts/handoff/", {"token": token})["Location"] == "/"


def test_signup_form_errors_are_shown():
    from django.test import Client

    resp = Client(HTTP_HOST="localhost").post("/signup/", {"name": "X", "slug": "www", "email": "bad",
                                                           "password": "short"})
    assert resp.status_code == 200
    assert b"errorlist" in resp.content or b"class=\"error\"" in resp.content


def test_unknown_api_path_is_json_404(tenant):
    resp = api_client(tenant, key=tenant.admin_key).get("/api/v1/nope/")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"


def test_openapi_schema_lists_contract_paths(tenant):
    resp = api_client(tenant, key=tenant.admin_key).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    text = resp.content.decode()
    for path in ("/api/v1/me/", "/api/v1/members/", "/api/v1/members/{id}/", "/api/v1/api-keys/",
                 "/api/v1/audit-events/"):
        assert path in text
    docs = api_client(tenant, key=tenant.admin_key).get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_system_check_passes_and_detects_unsafe_views():
    from saas.checks import api_views_are_tenant_safe, unsafe_api_routes

    assert api_views_are_tenant_safe(None) == []
    assert unsafe_api_routes("tests.architecture.unsafe_urls") == ["api/v1/forgetful/"]
