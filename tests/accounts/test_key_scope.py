"""Issue 16, findings 2 and 3: a key acts with at most its creator's current
store scope (as with its role), and a store-restricted principal (member or
key) never widens a scope, its own or a new key's; only an unrestricted owner
or admin changes scopes (accounts/scope_services.py)."""
from __future__ import annotations

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


def test_a_key_made_by_a_key_of_a_restricted_creator_is_restricted(shop):
    """The creator of a key made by a key is that key's creator: her scope caps both."""
    admin = add_member(shop, "admin")
    parent = add_key(shop, "admin", creator=admin)
    child = api_client(shop, key=parent).post("/api/v1/api-keys/", {"name": "c", "role": "viewer"}, format="json")
    owner = api_client(shop, user=_owner(shop))
    owner.patch(f"/api/v1/members/{admin.pk}/", {"role": "analyst"}, format="json")
    owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": [3]}, format="json")
    assert _sales_stores(api_client(shop, key=child.json()["key"]))[0] == {3}
