"""Tenant isolation: two tenants whose objects have the same ids; a session
cookie and an API key of tenant A used on tenant B's host are refused
(401/403/404, never B's data) for every endpoint."""
from __future__ import annotations

import pytest

from tests.accounts.test_roles import MATRIX
from tests.conftest import api_client, in_tenant, provision
from tests.support.endpoints import discover_api_endpoints
from tests.support.targets import build


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        a, b = provision("iso-a"), provision("iso-b")
    return a, b


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def test_tenants_have_overlapping_ids(pair):
    from accounts.models import ApiKey

    a, b = pair
    ids = []
    for t in pair:
        with in_tenant(t):
            ids.append((_owner(t).pk, ApiKey.objects.get().pk))
    assert ids[0] == ids[1]


def _secrets_of(t) -> list[str]:
    return [t.slug, t.owner_email]


@pytest.mark.parametrize("endpoint", sorted(discover_api_endpoints()))
@pytest.mark.parametrize("credential", ["session", "api_key"])
def test_credentials_of_a_refused_on_b(pair, endpoint, credential):
    a, b = pair
    method, path = endpoint.split(" ", 1)
    target = build(b, method, path)  # a real object of B, with an id that also exists in A
    if credential == "api_key":
        client = api_client(a, key=a.admin_key)
    else:
        client = api_client(a, user=_owner(a))
    resp = getattr(client, method.lower())(target["path"], target.get("body"), format=target.get("format", "json"),
                                           HTTP_HOST=b.host)
    assert resp.status_code in (401, 403, 404), (endpoint, resp.status_code)
    body = resp.content.decode(errors="replace")
    for secret in _secrets_of(b):
        assert secret not in body
    # and the same credentials do work on A's own host for reads (a fresh
    # client: B's host rightly deleted the unknown session cookie)
    principal = "key_admin" if credential == "api_key" else "owner"
    if method == "GET" and "{" not in path and MATRIX[endpoint][principal] not in (401, 403):
        own = api_client(a, key=a.admin_key) if credential == "api_key" else api_client(a, user=_owner(a))
        ok = own.get(build(a, method, path)["path"])
        assert ok.status_code not in (401, 403) and ok.status_code < 500, (endpoint, ok.status_code)


def test_key_of_a_on_b_is_401(pair):
    a, b = pair
    resp = api_client(a, key=a.admin_key).get("/api/v1/me/", HTTP_HOST=b.host)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "authentication_failed"


def test_web_pages_of_b_not_visible_with_a_session(pair):
    from tests.conftest import web_client

    a, b = pair
    client = web_client(a, user=_owner(a))
    assert client.get("/members/").status_code == 200
    resp = client.get("/members/", HTTP_HOST=b.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_cache_keys_carry_the_schema(pair):
    from django.core.cache import cache

    a, b = pair
    with in_tenant(a):
        cache.set("probe", "A")
    with in_tenant(b):
        assert cache.get("probe") is None
        cache.set("probe", "B")
    with in_tenant(a):
        assert cache.get("probe") == "A"
