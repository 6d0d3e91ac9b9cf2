"""POST /api/v1/models/{id}/promote/ and /rollback/, and the rollback control
of the Model page: roles, errors, cross-tenant denial."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import add_key, add_member, api_client, in_tenant, web_client
from tests.support.versions import make_version


def _statuses(t):
    from forecasting.models import ModelVersion

    with in_tenant(t):
        return dict(ModelVersion.objects.values_list("number", "status"))


def test_admin_rolls_back_through_the_api(tenant):
    v1 = make_version(tenant, status="retired")
    make_version(tenant, status="active")
    resp = api_client(tenant, key=tenant.admin_key).post(f"/api/v1/models/{v1.pk}/rollback/",
                                                          {"reason": "v2 forecasts too high"}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["id"] == v1.pk and body["number"] == 1 and body["status"] == "active"
    assert "v2 forecasts too high" in body["promotion_note"]
    assert _statuses(tenant) == {1: "active", 2: "retired"}


def test_admin_promotes_a_rejected_version(tenant):
    make_version(tenant, status="active")
    v2 = make_version(tenant, status="rejected")
    admin = add_member(tenant, "admin")
    resp = api_client(tenant, user=admin).post(f"/api/v1/models/{v2.pk}/promote/", {"reason": "reviewed"},
                                               format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "active"
    assert _statuses(tenant) == {1: "retired", 2: "active"}


@pytest.mark.parametrize("action", ["promote", "rollback"])
def test_reason_is_required(tenant, action):
    v1 = make_version(tenant, status="retired")
    make_version(tenant, status="active")
    client = api_client(tenant, key=tenant.admin_key)
    for body in ({}, {"reason": ""}):
        resp = client.post(f"/api/v1/models/{v1.pk}/{action}/", body, format="json")
        assert resp.status_code == 400
        assert resp.json()["error"]["code"] == "validation_error" and "reason" in resp.json()["error"]["details"]
    assert _statuses(tenant) == {1: "retired", 2: "active"}


@pytest.mark.parametrize("action", ["promote", "rollback"])
def test_altered_or_missing_artifact_is_409_and_nothing_changes(tenant, action):
    from accounts.models import AuditEvent

    client = api_client(tenant, key=tenant.admin_key)
    altered = make_version(tenant, status="retired")
    missing = make_version(tenant, status="retired")
    make_version(tenant, status="active")
    Path(altered.artifact_path).write_bytes(b"tampered")
    Path(missing.artifact_path).unlink()
    with in_tenant(tenant):
        events = AuditEvent.objects.count()
    for version, code in ((altered, "artifact_mismatch"), (missing, "artifact_missing")):
        resp = client.post(f"/api/v1/models/{version.pk}/{action}/", {"reason": "try"}, format="json")
        assert resp.status_code == 409, resp.content
        error = resp.json()["error"]
        assert error["code"] == code and set(error) == {"code", "message", "details"}
        assert error["details"]["version"] == version.number and error["details"]["champion"] == 3
    assert _statuses(tenant) == {1: "retired", 2: "retired", 3: "active"}
    with in_tenant(tenant):
        assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("action", ["promote", "rollback"])
@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_viewers_and_analysts_are_refused(tenant, action, role):
    v1 = make_version(tenant, status="retired")
    make_version(tenant, status="active")
    for client in (api_client(tenant, user=add_member(tenant, role)), api_client(tenant, key=add_key(tenant, role))):
        resp = client.post(f"/api/v1/models/{v1.pk}/{action}/", {"reason": "x"}, format="json")
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "permission_denied"
    assert _statuses(tenant) == {1: "retired", 2: "active"}


@pytest.mark.parametrize("action", ["promote", "rollback"])
def test_another_tenants_version_is_404(tenant, tenant_b, action):
    make_version(tenant, status="active")  # A has v1 only (id 1)
    theirs = [make_version(tenant_b, status="retired") for _ in range(3)][1]
    make_version(tenant_b, status="active")
    with in_tenant(tenant):
        from forecasting.models import ModelVersion

        assert not ModelVersion.objects.filter(pk=theirs.pk).exists()
    resp = api_client(tenant, key=tenant.admin_key).post(f"/api/v1/models/{theirs.pk}/{action}/",
                                                         {"reason": "x"}, format="json")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    # and A's key on B's host is not a principal there
    resp = api_client(tenant, key=tenant.admin_key).post(f"/api/v1/models/{theirs.pk}/{action}/", {"reason": "x"},
                                                         format="json", HTTP_HOST=tenant_b.host)
    assert resp.status_code == 401
    assert _statuses(tenant_b) == {1: "retired", 2: "retired", 3: "retired", 4: "active"}


# ------------------------------------------------------------------ web
def test_admins_see_the_rollback_control_and_analysts_do_not(tenant):
    v1 = make_version(tenant, status="retired")
    v2 = make_version(tenant, status="active")
    admin, analyst = add_member(tenant, "admin"), add_member(tenant, "analyst")
    html = web_client(tenant, user=admin).get(f"/models/{v1.pk}/").content.decode()
    assert 'id="rollback-form"' in html and "Roll back to v1" in html
    assert "Trigger: Manual" in html and "challenged no champion" in html  # lineage line
    # never on the active version itself
    assert 'id="rollback-form"' not in web_client(tenant, user=admin).get(f"/models/{v2.pk}/").content.decode()
    page = web_client(tenant, user=analyst).get(f"/models/{v1.pk}/")
    assert page.status_code == 200 and 'id="rollback-form"' not in page.content.decode()
    # and the form's target refuses them
    resp = web_client(tenant, user=analyst).post(f"/models/{v1.pk}/rollback/", {"reason": "x"})
    assert resp.status_code == 403
    assert _statuses(tenant) == {1: "retired", 2: "active"}


def test_admin_rolls_back_from_the_page(tenant):
    v1 = make_version(tenant, status="retired")
    make_version(tenant, status="active")
    client = web_client(tenant, user=add_member(tenant, "admin"))
    resp = client.post(f"/models/{v1.pk}/rollback/", {"reason": "bad week"}, follow=True)
    assert resp.status_code == 200 and "v1 is the active model" in resp.content.decode()
    assert _statuses(tenant) == {1: "active", 2: "retired"}
    # refused (here: v2 is newer than the active v1): the reason is shown, nothing changes
    resp = client.post(f"/models/{_pk(tenant, 2)}/rollback/", {"reason": "x"}, follow=True)
    assert resp.status_code == 200 and "newer than the active v1" in resp.content.decode()
    assert _statuses(tenant) == {1: "active", 2: "retired"}


def _pk(t, number):
    from forecasting.models import ModelVersion

    with in_tenant(t):
        return ModelVersion.objects.get(number=number).pk


def test_rollback_page_route_of_another_tenant(tenant, tenant_b):
    theirs = make_version(tenant_b, status="retired")
    make_version(tenant_b, status="active")
    admin_a = add_member(tenant, "admin")
    resp = web_client(tenant, user=admin_a).post(f"/models/{theirs.pk + 5}/rollback/", {"reason": "x"})
    assert resp.status_code == 404
    resp = web_client(tenant, user=admin_a).post(f"/models/{theirs.pk}/rollback/", {"reason": "x"},
                                                 HTTP_HOST=tenant_b.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert _statuses(tenant_b) == {1: "retired", 2: "active"}


@pytest.mark.parametrize("damage", ["garbled", "missing"])
def test_champion_with_a_damaged_file_answers_409_not_500(tenant, damage):
    """A champion whose file is not a model (or is gone) gives a clear 409 to
    on-demand forecasts and the simulator, never a server error."""
    version = make_version(tenant, status="active", forecast=100.0)  # random bytes, recorded SHA-256
    if damage == "missing":
        Path(version.artifact_path).unlink()
    client = api_client(tenant, key=tenant.admin_key)
    answers = [client.post("/api/v1/forecasts/", {"store": 1, "dept": 1, "horizon": 2}, format="json"),
               client.post("/api/v1/simulations/", {"store": 1, "depts": None, "weeks": ["2012-11-02"],
                                                    "markdowns": {"markdown1": 500}}, format="json")]
    for resp in answers:
        assert resp.status_code == 409, resp.content
        assert resp.json()["error"]["code"] == "artifact_unreadable"
