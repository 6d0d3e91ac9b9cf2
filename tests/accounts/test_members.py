from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import PASSWORD, add_member, api_client, in_tenant, web_client


def owner_of(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def test_invite_sends_link_and_member_sets_password(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    resp = api_client(tenant, key=tenant.admin_key).post(
        "/api/v1/members/", {"email": "Ana@Example.com", "role": "analyst"}, format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["email"] == "ana@example.com" and resp.json()["role"] == "analyst"
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split(":8000")[1]
    client = web_client(tenant)
    page = client.get(path, follow=True)
    assert page.status_code == 200 and b"Choose your password" in page.content
    done = client.post(page.redirect_chain[-1][0] if page.redirect_chain else path,
                       {"new_password1": "Brand-new-pass-77", "new_password2": "Brand-new-pass-77"})
    assert done.status_code == 302
    login = web_client(tenant).post("/accounts/login/", {"username": "ana@example.com", "password": "Brand-new-pass-77"})
    assert login.status_code == 302 and login["Location"] == "/"


def test_duplicate_invite_conflict(tenant):
    client = api_client(tenant, key=tenant.admin_key)
    resp = client.post("/api/v1/members/", {"email": tenant.owner_email, "role": "viewer"}, format="json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "conflict"


def test_last_owner_cannot_be_demoted_or_removed(tenant):
    owner = owner_of(tenant)
    client = api_client(tenant, key=tenant.admin_key)
    # an admin key cannot touch an owner at all
    assert client.patch(f"/api/v1/members/{owner.pk}/", {"role": "viewer"}, format="json").status_code == 403
    as_owner = api_client(tenant, user=owner)
    resp = as_owner.patch(f"/api/v1/members/{owner.pk}/", {"role": "admin"}, format="json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "last_owner"
    assert api_client(tenant, user=owner).delete(f"/api/v1/members/{owner.pk}/").status_code == 409
    second = add_member(tenant, "owner")
    assert api_client(tenant, user=owner).patch(f"/api/v1/members/{owner.pk}/", {"role": "admin"},
                                                format="json").status_code == 200
    # now `second` is the last owner
    assert api_client(tenant, user=second).delete(f"/api/v1/members/{second.pk}/").status_code == 409


def test_admin_cannot_create_owner(tenant):
    admin = add_member(tenant, "admin")
    resp = api_client(tenant, user=admin).post("/api/v1/members/", {"email": "o2@x.test", "role": "owner"},
                                               format="json")
    assert resp.status_code == 403


def test_deactivated_member_loses_session(tenant):
    analyst = add_member(tenant, "analyst")
    client = web_client(tenant, user=analyst)
    assert client.get("/").status_code == 200
    assert api_client(tenant, key=tenant.admin_key).delete(f"/api/v1/members/{analyst.pk}/").status_code == 204
    assert client.get("/").status_code == 302
    with in_tenant(tenant):
        analyst.refresh_from_db()
        assert analyst.is_active is False


def test_api_key_revoke_and_last_used(tenant):
    client = api_client(tenant, key=tenant.admin_key)
    created = client.post("/api/v1/api-keys/", {"name": "etl", "role": "analyst"}, format="json")
    assert created.status_code == 201
    body = created.json()
    raw = body["key"]
    assert raw.startswith(f"fc_{body['prefix']}_") and body["last_used_at"] is None
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert all("key" not in k for k in listed)
    from accounts.models import ApiKey, hash_key

    with in_tenant(tenant):
        stored = ApiKey.objects.get(pk=body["id"])
        assert stored.digest == hash_key(raw) and raw not in str(ApiKey.objects.values())
    me = api_client(tenant, key=raw).get("/api/v1/me/")
    assert me.json()["role"] == "analyst"
    with in_tenant(tenant):
        assert ApiKey.objects.get(pk=body["id"]).last_used_at is not None
    assert client.delete(f"/api/v1/api-keys/{body['id']}/").status_code == 204
    assert api_client(tenant, key=raw).get("/api/v1/me/").status_code == 401
    assert api_client(tenant, key="fc_nothing_here").get("/api/v1/me/").status_code == 401


def test_api_key_cannot_be_owner(tenant):
    resp = api_client(tenant, key=tenant.admin_key).post("/api/v1/api-keys/", {"name": "x", "role": "owner"},
                                                         format="json")
    assert resp.status_code == 400 and "role" in resp.json()["error"]["details"]


def test_member_quota(tenant):
    from tenants.models import Tenant

    Tenant.objects.filter(pk=tenant.tenant.pk).update(plan="free")
    client = api_client(tenant, key=tenant.admin_key)
    codes = [client.post("/api/v1/members/", {"email": f"q{i}@x.test", "role": "viewer"}, format="json").status_code
             for i in range(6)]
    assert codes == [201, 201, 201, 201, 402, 402]
    assert client.post("/api/v1/members/", {"email": "q9@x.test"}, format="json").json()["error"]["code"] == "quota_exceeded"


def test_login_lockout_after_failures_per_username_and_ip(tenant):
    client = web_client(tenant)
    for _ in range(5):
        client.post("/accounts/login/", {"username": tenant.owner_email, "password": "nope"}, REMOTE_ADDR="10.9.9.9")
    locked = client.post("/accounts/login/", {"username": tenant.owner_email, "password": PASSWORD},
                         REMOTE_ADDR="10.9.9.9")
    assert locked.status_code == 429 and b"locked" in locked.content
    # another IP is not locked out
    ok = web_client(tenant).post("/accounts/login/", {"username": tenant.owner_email, "password": PASSWORD},
                                 REMOTE_ADDR="10.9.9.10")
    assert ok.status_code == 302


def test_password_change_and_logout(tenant):
    owner = owner_of(tenant)
    client = web_client(tenant, user=owner)
    resp = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Another-pass-2027",
                                               "new_password2": "Another-pass-2027"})
    assert resp.status_code == 302
    assert client.get("/").status_code == 200  # session kept
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302
    assert web_client(tenant).post("/accounts/login/", {"username": tenant.owner_email,
                                                         "password": "Another-pass-2027"}).status_code == 302


def test_password_reset_mail(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    resp = web_client(tenant).post("/accounts/reset/", {"email": tenant.owner_email})
    assert resp.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.parametrize("role,status", [("viewer", 403), ("analyst", 403), ("admin", 200), ("owner", 200)])
def test_members_page_by_role(tenant, role, status):
    user = add_member(tenant, role)
    resp = web_client(tenant, user=user).get("/members/")
    assert resp.status_code == status
    if status == 200:
        assert b"invite-form" in resp.content


@pytest.mark.parametrize("page", ["/", "/members/", "/api-keys/", "/audit/", "/billing/", "/data/", "/models/",
                                  "/forecasts/", "/insights/"])
def test_pages_render_for_owner_and_anonymous_redirects(tenant, page):
    owner = owner_of(tenant)
    assert web_client(tenant, user=owner).get(page).status_code == 200
    anon = web_client(tenant).get(page)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_web_invite_and_role_change_audited(tenant):
    from accounts.models import AuditEvent, User

    owner = owner_of(tenant)
    client = web_client(tenant, user=owner)
    client.post("/members/", {"email": "web@x.test", "role": "viewer"})
    with in_tenant(tenant):
        user = User.objects.get(email="web@x.test")
    client.post(f"/members/{user.pk}/", {"op": "role", "role": "analyst"})
    with in_tenant(tenant):
        user.refresh_from_db()
        assert user.role == "analyst"
        assert AuditEvent.objects.filter(action="member.role_change", target_id=str(user.pk)).count() == 1
        assert AuditEvent.objects.get(action="member.invite").actor_label == tenant.owner_email
