"""Issue 16, findings 2 and 3: a key acts with at most its creator's current
store scope (as with its role), and a store-restricted principal (member or
key) never widens a scope, its own or a new key's; only an unrestricted owner
or admin changes scopes (accounts/scope_services.py)."""
from __future__ import annotations

import importlib

import pytest

from tests.accounts.test_store_scope import DEPTS, STORES, WEEKS, seed_store_data
from tests.conftest import add_key, add_member, api_client, in_tenant, provision, web_client


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """A workspace with sales of stores 1-3 (2 departments, 6 weeks each)."""
    with django_db_blocker.unblock():
        t = provision("keyscope")
        seed_store_data(t)
    return t


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _key(t, raw):
    from accounts.models import ApiKey, hash_key

    with in_tenant(t):
        return ApiKey.objects.select_related("created_by").get(digest=hash_key(raw))


def _sales_stores(client) -> tuple[set[int], int]:
    resp = client.get("/api/v1/sales/?page_size=1000")
    assert resp.status_code == 200, resp.content
    return {r["store"] for r in resp.json()["results"]}, resp.json()["count"]


def _store_list(client) -> set[int]:
    resp = client.get("/api/v1/stores/")
    assert resp.status_code == 200, resp.content
    return {r["store"] for r in resp.json()["results"]}


def _legacy_restrict_key(t, raw, stores):
    """Rows written before this fix (restricting an admin key is refused now)."""
    from accounts.models import KeyStoreScope

    key = _key(t, raw)
    with in_tenant(t):
        KeyStoreScope.objects.bulk_create([KeyStoreScope(api_key=key, store=s) for s in stores])
    return key


# ------------------------------------------------ finding 2: keys follow their creator's scope
def test_demoted_and_restricted_admins_old_key_reads_only_her_stores(shop):
    admin = add_member(shop, "admin")
    raw = add_key(shop, "admin", creator=admin)
    key_client = api_client(shop, key=raw)
    assert _sales_stores(key_client)[0] == set(STORES)
    owner = api_client(shop, user=_owner(shop))
    assert owner.patch(f"/api/v1/members/{admin.pk}/", {"role": "analyst"}, format="json").status_code == 200
    assert owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": [1]}, format="json").status_code == 200

    stores, count = _sales_stores(key_client)
    assert stores == {1} and count == len(DEPTS) * WEEKS  # not store 2's rows
    assert _store_list(key_client) == {1}
    assert key_client.get("/api/v1/datasets/summary/").json()["stores"] == 1
    # the key's own row still says every store; what it acts with is its creator's scope
    key = _key(shop, raw)
    assert owner.get(f"/api/v1/api-keys/{key.pk}/stores/").json() == {"restricted": True, "stores": [1]}
    page = web_client(shop, user=_owner(shop)).get("/api-keys/").content.decode()
    assert "acts with stores 1: its creator&#x27;s scope" in page or "acts with stores 1: its creator's scope" in page
    # lifting the creator's restriction gives the key its own (unrestricted) scope back
    owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": []}, format="json")
    assert _sales_stores(key_client)[0] == set(STORES)


def test_a_key_acts_with_its_stores_and_its_creators_in_common(shop):
    from accounts.scope import StoreScope

    admin = add_member(shop, "admin")
    raw = add_key(shop, "analyst", creator=admin)
    key = _key(shop, raw)
    owner = api_client(shop, user=_owner(shop))
    assert owner.put(f"/api/v1/api-keys/{key.pk}/stores/", {"stores": [1, 2]}, format="json").status_code == 200
    owner.patch(f"/api/v1/members/{admin.pk}/", {"role": "analyst"}, format="json")
    owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": [2, 3]}, format="json")
    assert _sales_stores(api_client(shop, key=raw))[0] == {2}
    # no store in common: the key sees no store at all (never "every store")
    owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": [3]}, format="json")
    with in_tenant(shop):
        assert StoreScope.for_principal(key) == StoreScope(frozenset(), key_id=key.pk)
    assert _sales_stores(api_client(shop, key=raw)) == (set(), 0)


# ------------------------------------------------ finding 3: a restricted principal never widens a scope
def test_restricting_an_admin_key_is_refused_like_an_admin_member(shop):
    raw = add_key(shop, "admin")
    key = _key(shop, raw)
    owner = api_client(shop, user=_owner(shop))
    resp = owner.put(f"/api/v1/api-keys/{key.pk}/stores/", {"stores": [1]}, format="json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "scope_not_allowed", resp.content
    assert owner.get(f"/api/v1/api-keys/{key.pk}/stores/").json() == {"restricted": False, "stores": []}


@pytest.mark.parametrize("stores", [[], [1, 2], [2]])
def test_a_restricted_admin_key_cannot_change_its_own_stores(shop, stores):
    raw = add_key(shop, "admin")
    key = _legacy_restrict_key(shop, raw, [1])
    resp = api_client(shop, key=raw).put(f"/api/v1/api-keys/{key.pk}/stores/", {"stores": stores}, format="json")
    assert resp.status_code == 403, resp.content
    error = resp.json()["error"]
    assert error["code"] == "scope_restricted" and set(error) == {"code", "message", "details"}
    assert _sales_stores(api_client(shop, key=raw))[0] == {1}


def test_a_restricted_admin_key_cannot_change_other_scopes(shop):
    raw = add_key(shop, "admin")
    _legacy_restrict_key(shop, raw, [1])
    client = api_client(shop, key=raw)
    other = _key(shop, add_key(shop, "viewer"))
    resp = client.put(f"/api/v1/api-keys/{other.pk}/stores/", {"stores": [1]}, format="json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "scope_restricted"
    analyst = add_member(shop, "analyst")
    resp = client.put(f"/api/v1/members/{analyst.pk}/stores/", {"stores": []}, format="json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "scope_restricted"


def test_a_restricted_admin_keys_child_inherits_its_restriction(shop):
    raw = add_key(shop, "admin")
    _legacy_restrict_key(shop, raw, [1])
    client = api_client(shop, key=raw)
    child = client.post("/api/v1/api-keys/", {"name": "child", "role": "analyst"}, format="json")
    assert child.status_code == 201, child.content
    owner = api_client(shop, user=_owner(shop))
    assert owner.get(f"/api/v1/api-keys/{child.json()['id']}/stores/").json() == {"restricted": True, "stores": [1]}
    assert _sales_stores(api_client(shop, key=child.json()["key"]))[0] == {1}
    # an admin key is never restricted, so a restricted principal cannot make one
    resp = client.post("/api/v1/api-keys/", {"name": "wider", "role": "admin"}, format="json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "scope_restricted", resp.content


def test_a_key_made_by_a_key_of_a_restricted_creator_is_restricted(shop):
    """The creator of a key made by a key is that key's creator: her scope caps both."""
    admin = add_member(shop, "admin")
    parent = add_key(shop, "admin", creator=admin)
    child = api_client(shop, key=parent).post("/api/v1/api-keys/", {"name": "c", "role": "viewer"}, format="json")
    owner = api_client(shop, user=_owner(shop))
    owner.patch(f"/api/v1/members/{admin.pk}/", {"role": "analyst"}, format="json")
    owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": [3]}, format="json")
    assert _sales_stores(api_client(shop, key=child.json()["key"]))[0] == {3}


def test_a_restricted_admin_member_follows_the_same_rule(shop):
    """Members who are admins cannot be restricted; one restricted before that rule
    (guardian rows) neither lifts her scope nor makes a wider key."""
    from guardian.shortcuts import assign_perm

    from forecasting.models import Store

    admin = add_member(shop, "admin")
    with in_tenant(shop):
        assign_perm("forecasting.view_store", admin, Store.objects.get(number=2))
    client = api_client(shop, user=admin)
    resp = client.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": []}, format="json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "scope_restricted"
    child = client.post("/api/v1/api-keys/", {"name": "mine", "role": "viewer"}, format="json")
    assert child.status_code == 201
    assert _sales_stores(api_client(shop, key=child.json()["key"]))[0] == {2}
    page = web_client(shop, user=admin)
    resp = page.post(f"/api-keys/{child.json()['id']}/stores/", {"stores": ""}, follow=True)
    assert b"restricted" in resp.content
    assert _sales_stores(api_client(shop, key=child.json()["key"]))[0] == {2}


def test_promoting_a_restricted_member_to_admin_is_refused(shop):
    analyst = add_member(shop, "analyst")
    owner = api_client(shop, user=_owner(shop))
    owner.put(f"/api/v1/members/{analyst.pk}/stores/", {"stores": [1]}, format="json")
    resp = owner.patch(f"/api/v1/members/{analyst.pk}/", {"role": "admin"}, format="json")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "scope_not_allowed", resp.content
    owner.put(f"/api/v1/members/{analyst.pk}/stores/", {"stores": []}, format="json")
    assert owner.patch(f"/api/v1/members/{analyst.pk}/", {"role": "admin"}, format="json").status_code == 200


def test_an_unrestricted_owner_still_sets_and_lifts_scopes(shop):
    owner = api_client(shop, user=_owner(shop))
    key = _key(shop, add_key(shop, "analyst"))
    assert owner.put(f"/api/v1/api-keys/{key.pk}/stores/", {"stores": [1]},
                     format="json").json() == {"restricted": True, "stores": [1]}
    assert owner.put(f"/api/v1/api-keys/{key.pk}/stores/", {"stores": []},
                     format="json").json() == {"restricted": False, "stores": []}
    created = owner.post("/api/v1/api-keys/", {"name": "all", "role": "admin"}, format="json")
    assert created.status_code == 201
    assert owner.get(f"/api/v1/api-keys/{created.json()['id']}/stores/").json()["restricted"] is False


def test_the_migration_lowers_restricted_admin_keys_to_analyst(shop):
    from django.apps import apps

    from accounts.models import ApiKey

    raw = add_key(shop, "admin")
    key = _legacy_restrict_key(shop, raw, [1])
    free = _key(shop, add_key(shop, "admin"))
    migration = importlib.import_module("accounts.migrations.0008_restricted_admin_keys_act_as_analysts")
    with in_tenant(shop):
        migration.lower_restricted_admin_keys(apps, None)
        assert ApiKey.objects.get(pk=key.pk).role == "analyst"
        assert ApiKey.objects.get(pk=free.pk).role == "admin"
