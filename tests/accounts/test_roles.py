"""Role matrix: every API endpoint × every kind of principal has an expected
status in ONE table; the test fails if an endpoint is missing from it."""
from __future__ import annotations

import pytest

from tests.conftest import add_key, add_member, api_client
from tests.support.endpoints import discover_api_endpoints

PRINCIPALS = ["anonymous", "viewer", "analyst", "admin", "owner", "key_viewer", "key_analyst", "key_admin"]


def row(anon, viewer, analyst, admin, owner, kv, ka, kadm):
    return dict(zip(PRINCIPALS, [anon, viewer, analyst, admin, owner, kv, ka, kadm]))


ALL_READ = row(401, 200, 200, 200, 200, 200, 200, 200)
# ALLOWED: the role check lets the principal through (any status but 401/403/5xx;
# e.g. 404 "no active model" or 400 "not enough data" on an empty tenant)
ALLOWED = -1
ALL_ALLOWED = row(401, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
ADMIN_READ = row(401, 403, 403, 200, 200, 403, 403, 200)

# endpoint -> expected status per principal
MATRIX: dict[str, dict[str, int]] = {
    "GET /api/v1/schema/": ALL_READ,
    "GET /api/v1/docs/": ALL_READ,
    "GET /api/v1/me/": ALL_READ,
    "GET /api/v1/members/": ADMIN_READ,
    "POST /api/v1/members/": row(401, 403, 403, 201, 201, 403, 403, 201),
    "GET /api/v1/members/{id}/": ADMIN_READ,
    "PATCH /api/v1/members/{id}/": ADMIN_READ,
    "DELETE /api/v1/members/{id}/": row(401, 403, 403, 204, 204, 403, 403, 204),
    "POST /api/v1/members/{id}/resend-invite/": ADMIN_READ,
    "GET /api/v1/api-keys/": ADMIN_READ,
    "POST /api/v1/api-keys/": row(401, 403, 403, 201, 201, 403, 403, 201),
    "GET /api/v1/api-keys/{id}/": ADMIN_READ,
    "DELETE /api/v1/api-keys/{id}/": row(401, 403, 403, 204, 204, 403, 403, 204),
    "GET /api/v1/audit-events/": ADMIN_READ,
    "GET /api/v1/audit-events/export.csv": ADMIN_READ,
    # store scope (accounts/scope.py): admins set which stores a member or key sees
    "GET /api/v1/members/{id}/stores/": ADMIN_READ,
    "PUT /api/v1/members/{id}/stores/": ADMIN_READ,
    "GET /api/v1/api-keys/{id}/stores/": ADMIN_READ,
    "PUT /api/v1/api-keys/{id}/stores/": ADMIN_READ,
    # ingestion
    "GET /api/v1/uploads/": ALL_READ,
    "POST /api/v1/uploads/": row(401, 403, 202, 202, 202, 403, 202, 202),
    "POST /api/v1/uploads/{id}/mapping/": row(401, 403, 202, 202, 202, 403, 202, 202),
    "GET /api/v1/uploads/{id}/": ALL_READ,
    "GET /api/v1/uploads/{id}/errors.csv": ALL_READ,
    "GET /api/v1/jobs/{id}/": ALL_READ,
    "GET /api/v1/datasets/summary/": ALL_READ,
    "GET /api/v1/sales/": ALL_READ,
    # models and forecasts
    "GET /api/v1/models/": ALL_READ,
    "GET /api/v1/models/{id}/": ALL_READ,
    "POST /api/v1/models/train/": row(401, 403, ALLOWED, ALLOWED, ALLOWED, 403, ALLOWED, ALLOWED),
    "POST /api/v1/models/{id}/promote/": row(401, 403, 403, 200, 200, 403, 403, 200),
    "POST /api/v1/models/{id}/rollback/": row(401, 403, 403, 200, 200, 403, 403, 200),
    "GET /api/v1/forecasts/": ALL_ALLOWED,
    "POST /api/v1/forecasts/": ALL_ALLOWED,
    "GET /api/v1/forecasts/export.csv": ALL_ALLOWED,
    # metered usage, statements and the plan (billing/)
    "GET /api/v1/usage/": ADMIN_READ,
    "GET /api/v1/statements/": ADMIN_READ,
    "GET /api/v1/statements/{id}/": ADMIN_READ,
    "GET /api/v1/statements/{id}.pdf": ADMIN_READ,
    "GET /api/v1/statements/{id}.csv": ADMIN_READ,
    "GET /api/v1/plan/": ADMIN_READ,
    "PATCH /api/v1/plan/": row(401, 403, 403, 403, 200, 403, 403, 403),  # owners; the same plan: a no-op
    "GET /api/v1/forecasts/aggregate/": ALL_ALLOWED,
    "GET /api/v1/forecasts/runs/": ALL_READ,
    "GET /api/v1/forecasts/levels/": ALL_READ,
    "POST /api/v1/forecasts/refresh/": row(401, 403, ALLOWED, ALLOWED, ALLOWED, 403, ALLOWED, ALLOWED),
    # live monitoring (issue 8): stored evaluations and the monitoring summary, read by whoever reads models
    "GET /api/v1/models/{id}/evaluations/": ALL_READ,
    "GET /api/v1/monitoring/": ALL_READ,
    # the retraining policy: analysts and up read it, admins and owners change it
    "GET /api/v1/retraining-policy/": row(401, 403, 200, 200, 200, 403, 200, 200),
    "PUT /api/v1/retraining-policy/": row(401, 403, 403, 200, 200, 403, 403, 200),
    # promotion simulator (issue 9): every role runs a what-if (404 "no active model" here); saved scenarios listed
    "POST /api/v1/simulations/": ALL_ALLOWED,
    "GET /api/v1/simulations/": ALL_READ,
    # a planner's overrides (issue 19): read by whoever reads forecasts, set and withdrawn by analysts and up
    # (POST: 404 "no active model" on this empty workspace)
    "GET /api/v1/overrides/": ALL_READ,
    "POST /api/v1/overrides/": row(401, 403, ALLOWED, ALLOWED, ALLOWED, 403, ALLOWED, ALLOWED),
    "GET /api/v1/overrides/{id}/": ALL_READ,
    "DELETE /api/v1/overrides/{id}/": row(401, 403, 204, 204, 204, 403, 204, 204),
    "GET /api/v1/overrides/value-added/": ALL_READ,
    # the approved plan: analysts submit (404 "no active model" here), admins approve, everyone reads it
    # (404 "no approved plan" here)
    "GET /api/v1/plans/": ALL_READ,
    "POST /api/v1/plans/": row(401, 403, ALLOWED, ALLOWED, ALLOWED, 403, ALLOWED, ALLOWED),
    "POST /api/v1/plans/{id}/approve/": row(401, 403, 403, 200, 200, 403, 403, 200),
    "GET /api/v1/plans/current/": ALL_ALLOWED,
    "GET /api/v1/plans/current/export.csv": ALL_ALLOWED,
    # the exceptions worklist: everyone reads it, analysts and up answer a row
    "GET /api/v1/exceptions/": ALL_READ,
    "POST /api/v1/exceptions/answers/": row(401, 403, 201, 201, 201, 403, 201, 201),
    # stores and departments (issue 9): whoever reads forecasts
    "GET /api/v1/dashboard/": ALL_READ,
    "GET /api/v1/stores/": ALL_READ,
    "GET /api/v1/stores/{n}/": ALL_READ,
    "GET /api/v1/departments/": ALL_READ,
    "GET /api/v1/departments/{n}/": ALL_READ,
    # the catalogue in the retailer's codes and the data settings (issue 17): admins change the settings
    "GET /api/v1/locations/": ALL_READ,
    "GET /api/v1/locations/{code}/": ALL_READ,
    "GET /api/v1/items/": ALL_READ,
    "GET /api/v1/items/{code}/": ALL_READ,
    "GET /api/v1/series/": ALL_READ,  # the Forecast page's "Find a series" (issue 20 item 3)
    "GET /api/v1/workspace/data-settings/": ALL_READ,
    "PATCH /api/v1/workspace/data-settings/": row(401, 403, 403, 200, 200, 403, 403, 200),
    "GET /api/v1/workspace/layouts/": ALL_READ,
    "PUT /api/v1/workspace/layouts/": row(401, 403, 403, 200, 200, 403, 403, 200),
    # the weekly report (issue 9, item 7): whoever reads forecasts, of her own stores
    "GET /api/v1/reports/weekly.pdf": ALL_READ,
    # insights (issue 9, page 6): whoever reads forecasts; stock on hand is uploaded by analysts and up
    "GET /api/v1/insights/markdown-roi/": ALL_READ,
    "GET /api/v1/insights/hotspots/": ALL_READ,
    "GET /api/v1/insights/anomalies/": ALL_READ,
    "GET /api/v1/insights/inventory/": ALL_READ,
    "POST /api/v1/inventory/on-hand/": row(401, 403, 201, 201, 201, 403, 201, 201),
    # workspace lifecycle: owners only (keys never carry the owner role). The
    # matrix's owner confirms with a wrong name (400) so the shared tenant stays.
    "GET /api/v1/workspace/deletion/": row(401, 403, 403, 403, 200, 403, 403, 403),
    "POST /api/v1/workspace/deletion/": row(401, 403, 403, 403, 400, 403, 403, 403),
    "DELETE /api/v1/workspace/deletion/": row(401, 403, 403, 403, 409, 403, 403, 403),
    # branding: every member reads it, owners change it
    "GET /api/v1/workspace/branding/": ALL_READ,
    "PATCH /api/v1/workspace/branding/": row(401, 403, 403, 403, 200, 403, 403, 403),
    # exports: owners only
    "GET /api/v1/workspace/exports/": row(401, 403, 403, 403, 200, 403, 403, 403),
    "POST /api/v1/workspace/exports/": row(401, 403, 403, 403, 202, 403, 403, 403),
    "GET /api/v1/workspace/exports/{job_id}/download/": row(401, 403, 403, 403, 404, 403, 403, 403),
}



def test_every_endpoint_is_in_the_matrix():
    discovered = discover_api_endpoints()
    missing = discovered - set(MATRIX)
    stale = set(MATRIX) - discovered
    assert not missing, f"endpoints without an expected status per role: {sorted(missing)}"
    assert not stale, f"matrix rows for endpoints that no longer exist: {sorted(stale)}"


def make_target(t, endpoint: str) -> dict:
    """A fresh object for the endpoint's {id}, and a body."""
    method, path = endpoint.split(" ", 1)
    from tests.support import targets

    return targets.build(t, method, path)


@pytest.fixture(scope="module")
def principals(django_db_setup, django_db_blocker):
    from tests.conftest import provision

    with django_db_blocker.unblock():
        t = provision("roles", plan="enterprise")  # room for the members each row creates
        users = {role: add_member(t, role) for role in ("viewer", "analyst", "admin", "owner")}
        keys = {f"key_{role}": add_key(t, role) for role in ("viewer", "analyst", "admin")}
    return t, users, keys


def client_for(t, users, keys, principal):
    if principal == "anonymous":
        return api_client(t)
    if principal.startswith("key_"):
        return api_client(t, key=keys[principal])
    return api_client(t, user=users[principal])


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_matrix(endpoint, principals):
    t, users, keys = principals
    failures = []
    for principal, expected in MATRIX[endpoint].items():
        target = make_target(t, endpoint)
        client = client_for(t, users, keys, principal)
        method = endpoint.split(" ")[0].lower()
        resp = getattr(client, method)(target["path"], target.get("body"), format=target.get("format", "json"))
        if expected == ALLOWED:
            if resp.status_code in (401, 403) or resp.status_code >= 500:
                failures.append(f"{principal}: expected to pass the role check, got {resp.status_code}")
        elif resp.status_code != expected:
            failures.append(f"{principal}: expected {expected}, got {resp.status_code} {getattr(resp, 'content', b'')[:200]!r}")
        if resp.status_code >= 400 and resp.get("Content-Type", "").startswith("application/json"):
            body = resp.json()
            assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"]), body
    assert not failures, f"{endpoint}:\n" + "\n".join(failures)
