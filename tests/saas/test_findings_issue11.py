"""The five findings of issue 11, each reproduced as it was found (every one
of these failed before its fix)."""
from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD, add_member, api_client, in_tenant, provision, web_client


def owner_of(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


# 1. a key keeps its role after its creator is demoted or deactivated
def test_demoted_admin_cannot_use_her_old_admin_key_to_promote_herself(tenant):
    admin = add_member(tenant, "admin")
    created = api_client(tenant, user=admin).post("/api/v1/api-keys/", {"name": "mine", "role": "admin"},
                                                  format="json")
    assert created.status_code == 201, created.content
    raw = created.json()["key"]
    demote = api_client(tenant, user=owner_of(tenant)).patch(f"/api/v1/members/{admin.pk}/", {"role": "viewer"},
                                                             format="json")
    assert demote.status_code == 200
    key_client = api_client(tenant, key=raw)
    assert key_client.get("/api/v1/me/").json()["role"] == "viewer"
    resp = key_client.patch(f"/api/v1/members/{admin.pk}/", {"role": "admin"}, format="json")
    assert resp.status_code == 403, resp.content
    with in_tenant(tenant):
        admin.refresh_from_db()
        assert admin.role == "viewer"


def test_keys_of_a_deactivated_member_stop_working(tenant):
    admin = add_member(tenant, "admin")
    raw = api_client(tenant, user=admin).post("/api/v1/api-keys/", {"name": "etl", "role": "analyst"},
                                              format="json").json()["key"]
    assert api_client(tenant, key=raw).get("/api/v1/me/").status_code == 200
    api_client(tenant, user=owner_of(tenant)).delete(f"/api/v1/members/{admin.pk}/")
    resp = api_client(tenant, key=raw).get("/api/v1/me/")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "authentication_failed"


# 2. the login lockout counted per exact e-mail string
def test_lockout_covers_case_and_space_variants_of_the_email(tenant):
    email = tenant.owner_email
    client = web_client(tenant)
    for _ in range(5):
        client.post("/accounts/login/", {"username": email, "password": "wrong-password"})
    for variant in (email.upper(), email.capitalize(), f"  {email.title()} "):
        resp = web_client(tenant).post("/accounts/login/", {"username": variant, "password": PASSWORD})
        assert resp.status_code in (403, 429), (variant, resp.status_code)  # axes' lockout page
        assert b"locked" in resp.content.lower()


def test_login_is_case_insensitive_on_email(tenant):
    resp = web_client(tenant).post("/accounts/login/", {"username": tenant.owner_email.upper(), "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == "/"


# 3. the free plan's horizon on on-demand forecasts (the parallel part: test_quota_concurrency.py)
def test_free_plan_cannot_forecast_past_its_horizon_on_demand(db_access):
    t = provision("free", plan="free")
    client = api_client(t, key=t.admin_key)
    resp = client.post("/api/v1/forecasts/", {"store": 1, "dept": 1, "horizon": 52}, format="json")
    assert resp.status_code == 402, resp.content
    err = resp.json()["error"]
    assert err["code"] == "quota_exceeded"
    assert err["details"]["limit"] == "forecast_horizon" and err["details"]["allowed"] == 26
    assert err["details"]["requested"] == 52 and err["details"]["upgrade_to"] == "pro"
    # within the plan the request reaches the model lookup (none trained yet)
    ok = client.post("/api/v1/forecasts/", {"store": 1, "dept": 1, "horizon": 26}, format="json")
    assert ok.status_code == 404 and ok.json()["error"]["code"] == "no_active_model"


# 4. the hidden provisioning key; invitations that can be neither accepted nor re-sent
def test_signup_creates_no_key(db_access):
    from accounts.models import ApiKey
    from tenants.services import tenant_provision
    from tests.conftest import unique_slug

    slug = unique_slug("nokey")
    res = tenant_provision(slug=slug, name="No key", owner_email=f"o@{slug}.test", owner_password=PASSWORD,
                           plan="free")
    assert res.api_key is None
    with in_tenant(type("T", (), {"tenant": res.tenant})()):
        assert ApiKey.objects.count() == 0


def _invite_link(body: str) -> str:
    return re.search(r"http://\S+(/accounts/reset/\S+/)", body).group(1)


def test_invitation_resend_replaces_the_link(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    client = api_client(tenant, user=owner_of(tenant))
    invited = client.post("/api/v1/members/", {"email": "late@example.com", "role": "analyst"}, format="json").json()
    old = _invite_link(mail.outbox[-1].body)
    resp = client.post(f"/api/v1/members/{invited['id']}/resend-invite/")
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "invited"
    assert len(mail.outbox) == 2 and mail.outbox[-1].to == ["late@example.com"]
    new = _invite_link(mail.outbox[-1].body)
    assert new != old
    # the old link now says plainly what happened; the new one works
    page = web_client(tenant).get(old, follow=True)
    assert b"Choose your password" not in page.content and b"invitation" in page.content.lower()
    page = web_client(tenant).get(new, follow=True)
    assert b"Choose your password" in page.content
    from accounts.models import AuditEvent

    with in_tenant(tenant):
        assert AuditEvent.objects.filter(action="member.invite_resend", target_id=str(invited["id"])).count() == 1


def test_expired_invitation_shows_a_clear_page_and_can_be_resent(tenant, settings):
    from datetime import datetime, timedelta

    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.tokens import workspace_token_generator

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = api_client(tenant, user=owner_of(tenant))
    invited = client.post("/api/v1/members/", {"email": "slow@example.com", "role": "viewer"}, format="json").json()
    from accounts.models import User

    with in_tenant(tenant):
        user = User.objects.get(pk=invited["id"])
        then = datetime.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 3600)
        ts = workspace_token_generator._num_seconds(then)
        token = workspace_token_generator._make_token_with_timestamp(user, ts, workspace_token_generator.secret)
    path = f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{token}/"
    page = web_client(tenant).get(path, follow=True)
    assert page.status_code == 200
    assert b"Choose your password" not in page.content
    assert b"invitation" in page.content.lower() and b"expired" in page.content.lower()
    assert client.post(f"/api/v1/members/{user.pk}/resend-invite/").status_code == 200
    # a member who already joined has nothing to re-send
    joined = add_member(tenant, "viewer")
    resp = client.post(f"/api/v1/members/{joined.pk}/resend-invite/")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "already_joined"


# 5. an actor with neither user nor key was treated as owner
def test_an_actor_must_say_what_it_is():
    from accounts.audit import Actor

    with pytest.raises((TypeError, ValueError)):
        Actor()
    with pytest.raises((TypeError, ValueError)):
        Actor(kind="anonymous")
    with pytest.raises((TypeError, ValueError)):
        Actor(kind="user")  # a user actor without its user
    assert Actor.system().kind == "system"


def test_anonymous_request_has_no_actor(tenant):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from accounts.audit import Actor

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(ValueError):
        Actor.from_request(request)


def test_unknown_actor_kind_is_refused_by_services(tenant):
    from accounts import services as account_services
    from accounts.audit import Actor

    bogus = object.__new__(Actor)
    object.__setattr__(bogus, "kind", "ghost")
    object.__setattr__(bogus, "user", None)
    object.__setattr__(bogus, "api_key", None)
    with in_tenant(tenant), pytest.raises(ValueError):
        account_services.member_invite(actor=bogus, email="x@example.com", role="viewer")
