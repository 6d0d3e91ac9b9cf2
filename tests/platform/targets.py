"""Builds, for an endpoint, a concrete path with a fresh target object and a
valid request body. Later features register their own builders."""
from __future__ import annotations

import uuid

from tests.conftest import add_key, add_member

BUILDERS = {}


def builder(*endpoints):
    def deco(fn):
        for e in endpoints:
            BUILDERS[e] = fn
        return fn

    return deco


@builder("GET /api/v1/members/{id}/", "DELETE /api/v1/members/{id}/")
def _member(t, method, path):
    user = add_member(t, "viewer")
    return {"path": path.replace("{id}", str(user.pk))}


@builder("PATCH /api/v1/members/{id}/")
def _member_patch(t, method, path):
    user = add_member(t, "viewer")
    return {"path": path.replace("{id}", str(user.pk)), "body": {"role": "analyst"}}


@builder("POST /api/v1/members/")
def _member_post(t, method, path):
    return {"path": path, "body": {"email": f"new-{uuid.uuid4().hex[:8]}@{t.slug}.test", "role": "viewer"}}


@builder("GET /api/v1/api-keys/{id}/", "DELETE /api/v1/api-keys/{id}/")
def _key(t, method, path):
    from accounts.models import ApiKey
    from tests.conftest import in_tenant

    add_key(t, "viewer")
    with in_tenant(t):
        key = ApiKey.objects.filter(revoked_at__isnull=True, name="viewer key").order_by("-id").first()
    return {"path": path.replace("{id}", str(key.pk))}


@builder("POST /api/v1/api-keys/")
def _key_post(t, method, path):
    return {"path": path, "body": {"name": f"k-{uuid.uuid4().hex[:6]}", "role": "viewer"}}


def build(t, method, path):
    endpoint = f"{method} {path}"
    try:
        from tests import targets_ext  # noqa: F401  (registers more builders)
    except ImportError:
        pass
    if endpoint in BUILDERS:
        return BUILDERS[endpoint](t, method, path)
    assert "{" not in path, f"no target builder for {endpoint}"
    return {"path": path}
