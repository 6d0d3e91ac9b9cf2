"""Item 5: a key acts with at most its creator's current role, stops working
while its creator is deactivated, and both changes say how many keys they hit."""
from __future__ import annotations

from tests.conftest import add_key, add_member, api_client, in_tenant, web_client


def owner_of(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _audit(t, action, target_id):
    from accounts.models import AuditEvent

    with in_tenant(t):
        return AuditEvent.objects.filter(action=action, target_id=str(target_id)).order_by("-id").first()


def test_demotion_caps_keys_and_counts_them(tenant):
    admin = add_member(tenant, "admin")
    add_key(tenant, "admin", creator=admin)
    add_key(tenant, "analyst", creator=admin)
    add_key(tenant, "viewer", creator=admin)
    owner = api_client(tenant, user=owner_of(tenant))
    resp = owner.patch(f"/api/v1/members/{admin.pk}/", {"role": "analyst"}, format="json")
    assert resp.status_code == 200 and resp.json()["api_keys_affected"] == 1  # only the admin key changed
    assert _audit(tenant, "member.role_change", admin.pk).payload["api_keys_affected"] == 1
    keys = {k["role"]: k for k in owner.get("/api/v1/api-keys/").json()["results"] if k["created_by"] == admin.email}
    assert keys["admin"]["effective_role"] == "analyst" and keys["admin"]["status"] == "active"
    assert keys["viewer"]["effective_role"] == "viewer"
    # promotion back restores the key's own role
    resp = owner.patch(f"/api/v1/members/{admin.pk}/", {"role": "admin"}, format="json")
    assert resp.json()["api_keys_affected"] == 1


def test_demotion_and_restriction_cap_keys_stores(tenant):
    """Issue 16: a key acts with at most its creator's current store scope too."""
    from accounts.models import ApiKey
    from accounts.scope import StoreScope
    from forecasting.models import Store

    admin = add_member(tenant, "admin")
    raw = add_key(tenant, "admin", creator=admin)
    owner = api_client(tenant, user=owner_of(tenant))
    owner.patch(f"/api/v1/members/{admin.pk}/", {"role": "analyst"}, format="json")
    with in_tenant(tenant):
        Store.objects.get_or_create(number=1)
    assert owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": [1]}, format="json").status_code == 200
    key = [k for k in owner.get("/api/v1/api-keys/").json()["results"] if k["created_by"] == admin.email][0]
    assert owner.get(f"/api/v1/api-keys/{key['id']}/stores/").json() == {"restricted": True, "stores": [1]}
    assert api_client(tenant, key=raw).get("/api/v1/me/").json()["role"] == "analyst"
    with in_tenant(tenant):
        assert StoreScope.for_principal(ApiKey.objects.get(pk=key["id"])).stores == {1}


def test_deactivation_suspends_keys_until_reactivation(tenant):
    analyst = add_member(tenant, "admin")  # keys are made by admins and owners
    raw = add_key(tenant, "analyst", creator=analyst)
    owner = api_client(tenant, user=owner_of(tenant))
    resp = owner.delete(f"/api/v1/members/{analyst.pk}/")
    assert resp.status_code == 204 and resp["X-API-Keys-Affected"] == "1"
    assert _audit(tenant, "member.deactivate", analyst.pk).payload["api_keys_affected"] == 1
    assert api_client(tenant, key=raw).get("/api/v1/me/").status_code == 401
    listed = [k for k in owner.get("/api/v1/api-keys/").json()["results"] if k["created_by"] == analyst.email]
    assert listed[0]["status"] == "suspended" and listed[0]["is_active"] is False
    assert listed[0]["effective_role"] is None
    page = web_client(tenant, user=owner_of(tenant)).get("/api-keys/")
    assert b"Suspended: its creator is deactivated" in page.content
    resp = owner.patch(f"/api/v1/members/{analyst.pk}/", {"is_active": True}, format="json")
    assert resp.json()["api_keys_affected"] == 1
    assert api_client(tenant, key=raw).get("/api/v1/me/").json()["role"] == "analyst"


def test_web_flash_counts_keys(tenant):
    admin = add_member(tenant, "admin")
    add_key(tenant, "admin", creator=admin)
    client = web_client(tenant, user=owner_of(tenant))
    resp = client.post(f"/members/{admin.pk}/", {"op": "deactivate"}, follow=True)
    assert b"1 API key they created are suspended" in resp.content or b"1 API key they created" in resp.content


def test_a_key_made_by_a_key_belongs_to_that_key_s_creator(tenant):
    admin = add_member(tenant, "admin")
    parent = add_key(tenant, "admin", creator=admin)
    child = api_client(tenant, key=parent).post("/api/v1/api-keys/", {"name": "child", "role": "viewer"},
                                               format="json")
    assert child.status_code == 201 and child.json()["created_by"] == admin.email
    api_client(tenant, user=owner_of(tenant)).delete(f"/api/v1/members/{admin.pk}/")
    assert api_client(tenant, key=child.json()["key"]).get("/api/v1/me/").status_code == 401


def test_invitation_resend_web_route_roles(tenant):
    from accounts import services
    from accounts.audit import Actor

    with in_tenant(tenant):
        invited = services.member_invite(actor=Actor.for_user(owner_of(tenant)), email="w@example.com",
                                         role="viewer")
    viewer = add_member(tenant, "viewer")
    assert web_client(tenant, user=viewer).post(f"/members/{invited.pk}/", {"op": "resend"}).status_code == 403
    admin = add_member(tenant, "admin")
    resp = web_client(tenant, user=admin).post(f"/members/{invited.pk}/", {"op": "resend"}, follow=True)
    assert b"A new invitation was sent to w@example.com" in resp.content
    page = web_client(tenant, user=admin).get("/members/")
    assert b"Re-send invitation" in page.content
