"""The operator console: platform staff (tenants.Operator, public schema)
manage tenants in Django's admin at /operator/ on the public host only;
every action writes a PlatformEvent. Tenant hosts have no console, and a
member's session is nobody there."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import add_member, api_client, in_tenant, web_client

PASSWORD = "Operator-pass-2026!"


@pytest.fixture
def operator(db_access, monkeypatch):
    import uuid

    email = f"ops-{uuid.uuid4().hex[:6]}@platform.test"
    monkeypatch.setenv("OPS_PW", PASSWORD)
    call_command("create_operator", email, "--password-env", "OPS_PW")
    return email


def _public() -> Client:
    from django.conf import settings

    return Client(HTTP_HOST=settings.SAAS_BASE_DOMAIN)


def _enterprise(t):
    """Custom domains are an enterprise feature (tests/billing/test_plan_features.py)."""
    from tenants.models import Tenant

    Tenant.objects.filter(pk=t.tenant.pk).update(plan="enterprise")
    return t


def _signed_in(email) -> Client:
    client = _public()
    resp = client.post("/operator/login/", {"email": email, "password": PASSWORD, "next": "/operator/"})
    assert resp.status_code == 302 and resp["Location"] == "/operator/", resp.content[:500]
    return client


def test_operator_signs_in_and_sees_tenants_with_usage(operator, tenant):
    assert _public().get("/operator/").status_code == 302  # to the sign-in page
    bad = _public().post("/operator/login/", {"email": operator, "password": "wrong-password-1"})
    assert bad.status_code == 400 and b"Wrong e-mail or password" in bad.content
    assert "operator_session" not in bad.cookies or not bad.cookies["operator_session"].value

    add_member(tenant, "analyst")
    client = _signed_in(operator)
    cookie = client.cookies["operator_session"]
    assert cookie["httponly"] and cookie["path"] == "/operator/"
    assert client.get("/operator/").status_code == 200
    page = client.get(f"/operator/tenants/tenant/?q={tenant.slug}").content.decode()
    assert tenant.slug in page and "Pro" in page
    assert "<td class=\"field-members\">2</td>" in page  # owner + analyst
    assert "tenant-template" not in page
    assert client.get("/operator/password_change/").status_code == 404


def test_suspend_resume_and_plan_change_each_write_a_platform_event(operator, tenant):
    from accounts.models import AuditEvent
    from tenants.models import PlatformEvent, Tenant

    client = _signed_in(operator)
    label = f"operator:{operator}"
    changelist = "/operator/tenants/tenant/"
    pk = tenant.tenant.pk

    resp = client.post(changelist, {"action": "suspend", "_selected_action": [pk]})
    assert resp.status_code == 302
    assert Tenant.objects.get(pk=pk).status == Tenant.Status.SUSPENDED
    assert api_client(tenant, key=tenant.admin_key).get("/api/v1/me/").status_code == 403
    assert PlatformEvent.objects.filter(action="tenant.suspend", tenant_slug=tenant.slug, actor_label=label).exists()

    client.post(changelist, {"action": "resume", "_selected_action": [pk]})
    assert Tenant.objects.get(pk=pk).status == Tenant.Status.ACTIVE
    assert PlatformEvent.objects.filter(action="tenant.unsuspend", tenant_slug=tenant.slug, actor_label=label).exists()

    resp = client.post(f"{changelist}{pk}/change/", {"plan": "enterprise"})
    assert resp.status_code == 302, resp.content[:2000]
    assert Tenant.objects.get(pk=pk).plan == "enterprise"
    event = PlatformEvent.objects.get(action="tenant.plan_set", tenant_slug=tenant.slug)
    assert (event.actor_label, event.payload) == (label, {"from": "pro", "to": "enterprise"})
    with in_tenant(tenant):
        assert AuditEvent.objects.filter(action="tenant.plan_set").exists()  # the tenant's owners see it too

    # the platform log is shown read-only
    events = client.get("/operator/tenants/platformevent/")
    assert events.status_code == 200 and b"tenant.plan_set" in events.content
    assert client.get("/operator/tenants/platformevent/add/").status_code == 403
    assert client.post(f"/operator/tenants/platformevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert client.post(f"/operator/tenants/platformevent/{event.pk}/delete/").status_code == 403
    assert PlatformEvent.objects.filter(pk=event.pk, action="tenant.plan_set").exists()


def test_no_console_for_members_nor_on_tenant_hosts(operator, tenant):
    owner = add_member(tenant, "owner")
    member_client = web_client(tenant, user=owner)
    assert member_client.get("/operator/").status_code == 404  # no such route on a tenant host
    assert member_client.get("/operator/login/").status_code == 404
    # the operator's own cookie is useless on a tenant host too
    ops = _signed_in(operator)
    ops.defaults["HTTP_HOST"] = tenant.host
    assert ops.get("/operator/tenants/tenant/").status_code == 404
    # a member's session cookie means nothing on the public host
    public = _public()
    public.cookies = member_client.cookies
    resp = public.get("/operator/tenants/tenant/")
    assert resp.status_code == 302 and "/operator/login/" in resp["Location"]
    # a member's e-mail and password are not an operator's
    resp = _public().post("/operator/login/", {"email": owner.email, "password": "Test-pass-2026!"})
    assert resp.status_code == 400


def test_deactivated_operator_is_signed_out(operator):
    from tenants.models import Operator

    client = _signed_in(operator)
    Operator.objects.filter(email=operator).update(is_active=False)
    assert client.get("/operator/").status_code == 302


def test_custom_domain_reaches_the_tenant(tenant, tenant_b, settings):
    from tenants.models import PlatformEvent

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "forecasts.acme-retail.com"]
    _enterprise(tenant), _enterprise(tenant_b)
    call_command("tenant_domain", tenant.slug, "Forecasts.Acme-Retail.com.")
    client = api_client(tenant, key=tenant.admin_key)
    client.defaults["HTTP_HOST"] = "forecasts.acme-retail.com"
    resp = client.get("/api/v1/me/")
    assert resp.status_code == 200, resp.content
    assert resp.json()["tenant"] == tenant.slug
    # tenant B's key is unknown there
    other = api_client(tenant_b, key=tenant_b.admin_key)
    other.defaults["HTTP_HOST"] = "forecasts.acme-retail.com"
    assert other.get("/api/v1/me/").status_code == 401
    assert PlatformEvent.objects.filter(action="tenant.domain_added", tenant_slug=tenant.slug,
                                        payload__domain="forecasts.acme-retail.com").exists()

    from django.core.management.base import CommandError

    for bad in ["http://x.com", "nodot", "-bad-.com", "a..b.com", "1.2.3.4", "x.com:8000", "evil.localhost",
                "forecasts.acme-retail.com"]:
        with pytest.raises(CommandError):
            call_command("tenant_domain", tenant_b.slug, bad)

    call_command("tenant_domain", "forecasts.acme-retail.com", "--remove")
    assert client.get("/api/v1/me/").status_code == 404
    assert PlatformEvent.objects.filter(action="tenant.domain_removed", tenant_slug=tenant.slug).exists()


def test_operator_attaches_a_domain_in_the_console(operator, tenant):
    from tenants.models import Domain, PlatformEvent

    client = _signed_in(operator)
    _enterprise(tenant)
    assert client.get(f"/operator/tenants/tenant/{tenant.tenant.pk}/change/").status_code == 200
    bad = client.post("/operator/tenants/domain/add/", {"tenant": tenant.tenant.pk, "domain": "not a host"})
    assert bad.status_code == 200 and b"not a valid host name" in bad.content
    resp = client.post("/operator/tenants/domain/add/", {"tenant": tenant.tenant.pk, "domain": "shop.example.org"})
    assert resp.status_code == 302, resp.content[:1000]
    assert Domain.objects.get(domain="shop.example.org").tenant_id == tenant.tenant.pk
    assert PlatformEvent.objects.filter(action="tenant.domain_added", actor_label=f"operator:{operator}").exists()


def test_operator_sees_a_tenants_statements_read_only(operator, tenant):
    from datetime import date

    from billing.statements import statement_issue

    st = statement_issue(tenant=tenant.tenant, period_start=date(2026, 5, 1))
    client = _signed_in(operator)
    page = client.get(f"/operator/tenants/tenant/?q={tenant.slug}").content.decode()
    assert f"/operator/billing/statement/?tenant__id__exact={tenant.tenant.pk}" in page and "1 issued" in page
    listing = client.get(f"/operator/billing/statement/?tenant__id__exact={tenant.tenant.pk}")
    assert listing.status_code == 200 and st.number in listing.content.decode()
    detail = client.get(f"/operator/billing/statement/{st.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content  # viewable, not editable
    assert _public().get("/operator/billing/statement/").status_code == 302  # signed-out: to the sign-in page


# ---------------------------------------------------------------- sessions, sign-out, lockout, audit
def test_a_copied_session_cookie_opens_nothing_after_logout(operator):
    from django.db import connection

    from tenants.models import PlatformEvent

    client = _signed_in(operator)
    stolen = client.cookies["operator_session"].value
    copy = _public()
    copy.cookies["operator_session"] = stolen
    assert copy.get("/operator/").status_code == 200

    resp = client.post("/operator/logout/")
    assert resp.status_code == 302 and resp["Location"] == "/operator/login/"
    resp = copy.get("/operator/")
    assert resp.status_code == 302 and "/operator/login/" in resp["Location"]
    assert copy.get("/operator/tenants/tenant/").status_code == 302
    assert PlatformEvent.objects.filter(action="operator.signed_out", actor_label=f"operator:{operator}").exists()

    # sessions are rows of the public schema, never of a tenant's; signing out deleted this one
    with connection.cursor() as cur:
        cur.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'tenants_operator_session'")
        assert [r[0] for r in cur.fetchall()] == ["public"]
        cur.execute("SELECT count(*) FROM public.tenants_operator_session WHERE session_key = %s", [stolen])
        assert cur.fetchone()[0] == 0


def test_logout_is_a_post_with_its_csrf_token(operator):
    from tenants.models import PlatformEvent

    client = _signed_in(operator)
    client.handler.enforce_csrf_checks = True
    page = client.get("/operator/").content.decode()
    assert '<form id="logout-form" method="post" action="/operator/logout/">' in page
    assert 'name="csrfmiddlewaretoken"' in page.split('id="logout-form"', 1)[1].split("</form>", 1)[0]

    assert client.get("/operator/logout/").status_code == 405  # a link or an <img> signs nobody out
    assert client.post("/operator/logout/").status_code == 403  # no CSRF token
    assert client.get("/operator/").status_code == 200  # still signed in
    assert not PlatformEvent.objects.filter(action="operator.signed_out", actor_label=f"operator:{operator}").exists()
    token = client.cookies["csrftoken"].value
    assert client.post("/operator/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/operator/").status_code == 302


def _login(email, password, ip):
    from django.conf import settings

    return Client(HTTP_HOST=settings.SAAS_BASE_DOMAIN, REMOTE_ADDR=ip).post(
        "/operator/login/", {"email": email, "password": password})


def test_failed_operator_logins_lock_out_like_members(operator, monkeypatch, settings):
    from datetime import timedelta

    from django.utils import timezone

    from tenants.models import PlatformEvent

    clock = {"now": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    ip, other_ip = "198.51.100.41", "198.51.100.42"
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        assert _login(operator.upper(), f"wrong-password-{i}", ip).status_code == 400
    resp = _login(operator, "wrong-password-last", ip)
    assert resp.status_code == 429 and b"Too many failed sign-ins" in resp.content
    failed = PlatformEvent.objects.filter(action="operator.login_failed", payload__ip=ip)
    assert failed.count() == limit and set(failed.values_list("payload__email", flat=True)) == {operator}
    assert PlatformEvent.objects.filter(action="operator.locked_out", payload__email=operator, payload__ip=ip).exists()

    # locked: the right password is refused from that address, before it is checked, and recorded
    resp = _login(operator, PASSWORD, ip)
    assert resp.status_code == 429 and "operator_session" not in resp.cookies
    assert PlatformEvent.objects.filter(action="operator.login_locked", payload__ip=ip).count() == 1
    # ... so is another operator's e-mail from the same address (per IP) ...
    assert _login("someone-else@platform.test", "whatever-pass-1", ip).status_code == 429
    # ... while the operator signs in from elsewhere (no lock per e-mail alone: anyone could set it)
    assert _login(operator, PASSWORD, other_ip).status_code == 302

    clock["now"] += settings.AXES_COOLOFF_TIME - timedelta(seconds=5)
    assert _login(operator, PASSWORD, ip).status_code == 429
    clock["now"] += timedelta(seconds=10)  # the cool-off is over
    resp = _login(operator, PASSWORD, ip)
    assert resp.status_code == 302 and resp["Location"] == "/operator/"
    assert PlatformEvent.objects.filter(action="operator.signed_in", actor_label=f"operator:{operator}",
                                        payload__ip=ip).exists()
    # a success resets the count: one more failure does not lock again
    assert _login(operator, "wrong-password-again", ip).status_code == 400


def test_every_console_action_leaves_a_platform_event(operator, tenant):
    """Every way the console changes something (each model's add, change,
    delete and admin actions, sign-in and sign-out) writes a PlatformEvent;
    a new one that is not in this table fails the test."""
    from django.test import RequestFactory

    from tenants.admin import operator_site
    from tenants.models import Domain, Operator, PlatformEvent

    label = f"operator:{operator}"
    pk = tenant.tenant.pk  # the "change" row below makes it enterprise, whose plan allows the domain rows after it
    client = _signed_in(operator)
    assert PlatformEvent.objects.filter(action="operator.signed_in", actor_label=label).exists()

    def domain_remove():
        client.post("/operator/tenants/domain/add/", {"tenant": pk, "domain": "gone.example.org"})
        dom = Domain.objects.get(domain="gone.example.org")
        return client.post("/operator/tenants/domain/", {"action": "remove", "_selected_action": [dom.pk]})

    table = {
        ("tenant", "action:suspend"): ("tenant.suspend", lambda: client.post(
            "/operator/tenants/tenant/", {"action": "suspend", "_selected_action": [pk]})),
        ("tenant", "action:resume"): ("tenant.unsuspend", lambda: client.post(
            "/operator/tenants/tenant/", {"action": "resume", "_selected_action": [pk]})),
        ("tenant", "change"): ("tenant.plan_set", lambda: client.post(
            f"/operator/tenants/tenant/{pk}/change/", {"plan": "enterprise"})),
        ("domain", "add"): ("tenant.domain_added", lambda: client.post(
            "/operator/tenants/domain/add/", {"tenant": pk, "domain": "kept.example.org"})),
        ("domain", "action:remove"): ("tenant.domain_removed", domain_remove),
    }

    request = RequestFactory().get("/operator/", HTTP_HOST="localhost")
    request.user = Operator.objects.get(email=operator)
    entry_points = set()
    for model, model_admin in operator_site._registry.items():
        name = model._meta.model_name
        entry_points |= {(name, f"action:{a}") for a in model_admin.get_actions(request)}
        entry_points |= {(name, "add")} if model_admin.has_add_permission(request) else set()
        entry_points |= {(name, "change")} if model_admin.has_change_permission(request, model()) else set()
        entry_points |= {(name, "delete")} if model_admin.has_delete_permission(request, model()) else set()
    assert entry_points == set(table), "a console action without a PlatformEvent check: add it here"

    for (model, how), (action, perform) in table.items():
        before = PlatformEvent.objects.filter(action=action, actor_label=label).count()
        resp = perform()
        assert resp.status_code == 302, (model, how, resp.content[:500])
        assert PlatformEvent.objects.filter(action=action, actor_label=label).count() == before + 1, (model, how)

    client.post("/operator/logout/")
    assert PlatformEvent.objects.filter(action="operator.signed_out", actor_label=label).exists()
