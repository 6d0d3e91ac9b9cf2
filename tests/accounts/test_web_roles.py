"""Web routes × roles in ONE table, like the API's (test_roles.py): who may
open each page of a workspace. The test fails when a route is missing from
the table, when the route's declared requirement (accounts/decorators.py)
grants other roles than the table says, and when a request answers otherwise:
anonymous callers go to the sign-in page, a role without the permission gets
403, a role with it gets through (200, or 302/400/404/405 for a form without
data or an object that does not exist), never a 5xx. The system check
(saas/checks.py, E003/E004) refuses a route that declares nothing."""
from __future__ import annotations

import re

import pytest

from accounts.decorators import SIGNED_IN
from accounts.roles import PERMISSIONS, ROLE_RANK, Role
from saas.checks import iter_patterns, undeclared_web_routes
from tests.conftest import add_member, in_tenant, web_client

ROLES = ["viewer", "analyst", "admin", "owner"]
PUBLIC, MEMBER, ANALYST, ADMIN, OWNER = "public", "member", "analyst", "admin", "owner"
LEAST = {MEMBER: Role.VIEWER, ANALYST: Role.ANALYST, ADMIN: Role.ADMIN, OWNER: Role.OWNER}

# route -> who may open it (the least role; MEMBER: every signed-in member)
MATRIX: dict[str, str] = {
    "": MEMBER,
    "dashboard/status/": MEMBER,
    "accounts/login/": PUBLIC,
    "accounts/logout/": PUBLIC,
    "accounts/password/": MEMBER,
    "accounts/reset/": PUBLIC,
    "accounts/reset/sent/": PUBLIC,
    "accounts/reset/<uidb64>/<token>/": PUBLIC,
    "accounts/handoff/": PUBLIC,
    "branding/logo.png": PUBLIC,
    "members/": ADMIN,
    "members/<int:user_id>/": ADMIN,
    "api-keys/": ADMIN,
    "api-keys/<int:key_id>/revoke/": ADMIN,
    "api-keys/<int:key_id>/stores/": ADMIN,
    "notices/<int:notice_id>/dismiss/": ADMIN,
    "audit/": ADMIN,
    "audit/export.csv": ADMIN,
    "billing/": ADMIN,
    "billing/plan/": OWNER,
    "usage/": ADMIN,
    "settings/workspace/": OWNER,
    "settings/workspace/exports/": OWNER,
    "settings/workspace/exports/<int:job_id>/download/": OWNER,
    "data/": MEMBER,
    "data/status/": MEMBER,
    "data/settings/": MEMBER,
    "data/upload/": ANALYST,
    "data/uploads/<int:upload_id>/": MEMBER,
    "data/uploads/<int:upload_id>/status/": MEMBER,
    "data/uploads/<int:upload_id>/mapping/": ANALYST,
    "models/": MEMBER,
    "models/status/": MEMBER,
    "models/train/": ANALYST,
    "models/retraining/": ANALYST,
    "models/<int:version_id>/": MEMBER,
    "models/<int:version_id>/rollback/": ADMIN,
    "jobs/<int:job_id>/status/": MEMBER,
    "forecasts/": MEMBER,
    "forecasts/refresh/": ANALYST,
    "forecasts/overrides/": MEMBER,
    "forecasts/overrides/new/": ANALYST,
    "forecasts/overrides/<int:pk>/withdraw/": ANALYST,
    "forecasts/plan/": MEMBER,
    "forecasts/exceptions/": MEMBER,
    "forecasts/exceptions/answer/": ANALYST,
    "forecasts/plan/submit/": ANALYST,
    "forecasts/plan/<int:pk>/approve/": ADMIN,
    "insights/": MEMBER,
    "insights/status/": MEMBER,
    "insights/on-hand/": ANALYST,
    "simulator/": MEMBER,
    "simulator/run/": MEMBER,
    "stores/": MEMBER,
    "stores/status/": MEMBER,
    "stores/<int:n>/": MEMBER,
    "departments/": MEMBER,
    "departments/<int:n>/": MEMBER,
    "reports/weekly.pdf": MEMBER,
    "reports/subscription/": MEMBER,
}


def _web_routes() -> dict[str, object]:
    from django.urls import get_resolver

    return {route: p.callback for route, p in iter_patterns(get_resolver("saas.urls_tenant").url_patterns)
            if not route.startswith("api/")}


def _declared(callback) -> str:
    """The table's word for what the route declares."""
    perm = callback.required_perm
    if perm is None:
        return PUBLIC
    if perm == SIGNED_IN:
        return MEMBER
    least = min(PERMISSIONS[perm], key=lambda r: ROLE_RANK[r])
    assert PERMISSIONS[perm] == {r for r in ROLE_RANK if ROLE_RANK[r] >= ROLE_RANK[least]}, perm
    return {v: k for k, v in LEAST.items()}[least]


def _path(route: str) -> str:
    return "/" + re.sub(r"<(?:int:)?\w+>", lambda m: "999999" if m.group(0).startswith("<int:") else "x", route)


def test_every_web_route_is_in_the_table_and_declares_the_same():
    routes = _web_routes()
    assert sorted(routes) == sorted(MATRIX), "web routes and MATRIX differ"
    assert {route: _declared(cb) for route, cb in routes.items()} == MATRIX


def test_system_check_refuses_a_route_that_declares_nothing(settings):
    assert undeclared_web_routes() == ([], {})
    assert undeclared_web_routes("tests.architecture.urls_undeclared") == (
        ["naked/"], {"typo/": "forecast.view"})


def _hit(client, path):
    resp = client.get(path)
    if resp.status_code == 405:  # a form's target: POST it without data
        resp = client.post(path, {})
    return resp


@pytest.fixture(scope="module")
def members(django_db_blocker):
    from tests.conftest import provision

    with django_db_blocker.unblock():
        t = provision("webroles")
        users = {role: add_member(t, role) for role in ROLES if role != "owner"}
        from accounts.models import User

        with in_tenant(t):
            users["owner"] = User.objects.get(email=t.owner_email)
    return t, users


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_web_route_answers_each_role_as_the_table_says(members, route, django_db_blocker):
    t, users = members
    need = MATRIX[route]
    path = _path(route)
    with django_db_blocker.unblock():
        anon = _hit(web_client(t), path)
        if need != PUBLIC:
            assert anon.status_code == 302 and "/accounts/login/" in anon["Location"], (route, anon.status_code)
        else:
            assert anon.status_code < 500, (route, anon.status_code)
        for role in ROLES:
            allowed = need in (PUBLIC, MEMBER) or ROLE_RANK[Role(role)] >= ROLE_RANK[LEAST[need]]
            resp = _hit(web_client(t, user=users[role]), path)
            if allowed:
                assert resp.status_code in (200, 302, 400, 404, 405), (route, role, resp.status_code)
                if resp.status_code == 302 and need != PUBLIC:  # (signing out lands on the sign-in page)
                    assert "/accounts/login/" not in resp["Location"], (route, role)
            else:
                assert resp.status_code == 403, (route, role, resp.status_code)
