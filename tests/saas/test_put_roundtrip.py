"""A PUT or PATCH accepts back what the same resource's GET returned (issue 17's contract defect: the
retraining policy refused its own read-only fields with 400, so a GET-modify-PUT client failed): read-only
fields are ignored, unknown ones refused by name. Every write operation of the OpenAPI schema is listed
in WRITES; a new one that is not fails."""
from __future__ import annotations

import json

import pytest

from tests.conftest import add_key, add_member, api_client, in_tenant, provision


def _member(t):
    return {"id": add_member(t, "viewer").pk}


def _key(t):
    from accounts.models import ApiKey

    add_key(t, "viewer", name="round trip")
    with in_tenant(t):
        return {"id": ApiKey.objects.get(name="round trip").pk}


def _layout(t):
    from tests.support.targets import saved_layout

    saved_layout(t)
    return {}


# the schema's path -> (method, its parameters for workspace t)
WRITES = {
    "/api/v1/retraining-policy/": ("put", lambda t: {}),
    "/api/v1/members/{id}/stores/": ("put", _member),
    "/api/v1/api-keys/{id}/stores/": ("put", _key),
    "/api/v1/members/{id}/": ("patch", _member),
    "/api/v1/workspace/branding/": ("patch", lambda t: {}),
    "/api/v1/plan/": ("patch", lambda t: {}),
    "/api/v1/workspace/data-settings/": ("patch", lambda t: {}),
    "/api/v1/workspace/layouts/": ("put", lambda t: _layout(t)),
}


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def test_every_write_operation_is_listed(tenant):
    schema = json.loads(api_client(tenant, key=tenant.admin_key).get("/api/v1/schema/?format=json").content)
    writes = {(p, m) for p, ops in schema["paths"].items() for m in ops if m in ("put", "patch")}
    assert writes == {(p, m) for p, (m, _) in WRITES.items()}


@pytest.mark.parametrize("path", sorted(WRITES))
def test_a_write_accepts_back_what_its_get_returned(db_access, path):
    from accounts.models import AuditEvent

    method, params = WRITES[path]
    t = provision("roundtrip", plan="enterprise")
    url = path.format(**params(t))
    client = api_client(t, user=_owner(t))
    got = client.get(url)
    assert got.status_code == 200, got.content[:300]
    with in_tenant(t):
        events = AuditEvent.objects.count()
    back = getattr(client, method)(url, got.json(), format="json")
    assert back.status_code == 200, back.content[:500]
    again = {k: v for k, v in client.get(url).json().items() if k != "updated_at"}  # the save's own time
    assert again == {k: v for k, v in got.json().items() if k != "updated_at"}  # the same values came back
    if "results" in got.json():  # a list resource: its rows came back unchanged, and so did their count
        assert got.json()["count"] >= 1
    with in_tenant(t):
        assert AuditEvent.objects.count() - events <= 1  # at most the write itself, which changed nothing

    unknown = getattr(client, method)(url, {**got.json(), "colour_of_the_sky": "blue"}, format="json")
    assert unknown.status_code == 400, unknown.content[:300]
    error = unknown.json()["error"]
    assert error["code"] == "validation_error" and "colour_of_the_sky" in error["details"], error
