"""Every mutating endpoint writes exactly one audit event; the database
rejects UPDATE, DELETE and TRUNCATE on the audit table."""
from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from tests.conftest import api_client, in_tenant
from tests.support.endpoints import discover_api_endpoints
from tests.support.targets import build

MUTATING = sorted(e for e in discover_api_endpoints() if e.split(" ")[0] in ("POST", "PATCH", "PUT", "DELETE"))
# mutating endpoints that compute without changing state (none write an event)
# (POST /api/v1/simulations/ without a name is a what-if that stores nothing; saved under a name it writes
# one simulation.run event: tests/forecasting/api/test_simulations.py, with a model that can answer)
NON_WRITING: set[str] = {"POST /api/v1/forecasts/", "POST /api/v1/simulations/"}
# owner-only endpoints (keys never carry the owner role): called with the owner's session
OWNER_ONLY = {"POST /api/v1/workspace/deletion/", "DELETE /api/v1/workspace/deletion/",
              "POST /api/v1/workspace/exports/", "PATCH /api/v1/plan/", "PATCH /api/v1/workspace/branding/"}


def _owner_client(t, endpoint, target):
    from accounts.audit import Actor
    from accounts.models import User
    from tenants.deletion import tenant_deletion_request

    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
        if endpoint.startswith("DELETE"):  # something to cancel
            tenant_deletion_request(actor=Actor.for_user(owner), confirm_slug=t.slug)
    if endpoint == "PATCH /api/v1/plan/":  # an upgrade (the fixture's tenant is on Pro)
        target["body"] = {"plan": "enterprise"}
    elif endpoint == "POST /api/v1/workspace/deletion/":
        target["body"] = {"confirm": t.slug}
    return api_client(t, user=owner)


def _give_data(t):
    """Enough weekly sales for a small training request to be accepted."""
    import datetime as dt

    from forecasting.models import SalesRecord

    with in_tenant(t):
        start = dt.date(2010, 2, 5)
        SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=1, date=start + dt.timedelta(weeks=i), sales=100 + i)
                                         for i in range(30)])


@pytest.mark.parametrize("endpoint", [e for e in MUTATING if e not in NON_WRITING])
def test_mutating_endpoint_writes_exactly_one_event(tenant, endpoint, monkeypatch):
    from accounts.models import AuditEvent

    # the event is written by the request; what the queued task does later is tested elsewhere
    from saas.celery import app

    monkeypatch.setattr(app, "send_task", lambda *a, **k: None)
    method, path = endpoint.split(" ", 1)
    if endpoint == "POST /api/v1/models/train/":
        _give_data(tenant)
    if endpoint == "POST /api/v1/forecasts/refresh/":  # a refresh needs an active model
        from forecasting.models import ModelVersion
        from tests.support.targets import make_model_version

        version = make_model_version(tenant)
        with in_tenant(tenant):
            ModelVersion.objects.filter(pk=version.pk).update(status="active")
    if endpoint in ("POST /api/v1/overrides/", "POST /api/v1/plans/"):  # they act on the served forecast
        from tests.support.targets import make_served_run

        make_served_run(tenant)
    target = build(tenant, method, path)
    with in_tenant(tenant):
        AuditEvent.objects.count()  # the table is readable before the request
        last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    owner_only = endpoint in OWNER_ONLY
    client = _owner_client(tenant, endpoint, target) if owner_only else api_client(tenant, key=tenant.admin_key)
    resp = getattr(client, method.lower())(target["path"], target.get("body"), format=target.get("format", "json"),
                                           HTTP_X_REQUEST_ID="req-123")
    assert resp.status_code < 300, resp.content
    with in_tenant(tenant):
        # events of this request (a worker may add its own later, e.g. upload.succeeded)
        new = list(AuditEvent.objects.filter(id__gt=last_id, request_id="req-123"))
        assert len(new) == 1, [e.action for e in new]
        event = new[0]
    if owner_only:
        assert event.actor_user_id is not None and event.actor_label == tenant.owner_email
    else:
        assert event.actor_api_key_id is not None and event.actor_label.startswith("key:")
    assert event.request_id == "req-123"
    assert event.ip == "127.0.0.1"


@pytest.mark.parametrize("sql", [
    "UPDATE accounts_auditevent SET action = 'tampered'",
    "DELETE FROM accounts_auditevent",
    "TRUNCATE accounts_auditevent",
])
def test_audit_table_is_append_only_at_the_database(tenant, sql):
    from accounts.models import AuditEvent

    with in_tenant(tenant):
        n = AuditEvent.objects.count()
        assert n > 0
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql)
        assert AuditEvent.objects.count() == n


def test_orm_update_and_delete_rejected(tenant):
    from accounts.models import AuditEvent

    with in_tenant(tenant):
        event = AuditEvent.objects.first()
        with pytest.raises(DatabaseError):
            with transaction.atomic():
                AuditEvent.objects.filter(pk=event.pk).update(action="x")
        with pytest.raises(DatabaseError):
            with transaction.atomic():
                event.delete()


def test_unknown_action_is_a_bug(tenant):
    from accounts.audit import Actor, audit_record

    with in_tenant(tenant), pytest.raises(ValueError):
        audit_record(action="made.up", actor=Actor.system())


def test_audit_api_filters(tenant):
    from datetime import timedelta

    from django.utils import timezone

    client = api_client(tenant, key=tenant.admin_key)
    client.post("/api/v1/members/", {"email": "x1@example.com", "role": "viewer"}, format="json")
    client.post("/api/v1/api-keys/", {"name": "n", "role": "viewer"}, format="json")
    resp = client.get("/api/v1/audit-events/", {"action": "member.invite"})
    assert resp.status_code == 200
    data = resp.json()
    assert data["count"] == 1 and data["results"][0]["payload"]["email"] == "x1@example.com"
    assert {"count", "next", "previous", "results"} <= set(data)
    prefix = tenant.admin_key.split("_")[1]
    by_actor = client.get("/api/v1/audit-events/", {"actor": f"key:{prefix}"}).json()
    assert {e["action"] for e in by_actor["results"]} == {"member.invite", "api_key.create"}
    by_owner = client.get("/api/v1/audit-events/", {"actor": tenant.owner_email}).json()
    assert {e["action"] for e in by_owner["results"]} == {"tenant.provision", "api_key.create"}
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert client.get("/api/v1/audit-events/", {"since": future}).json()["count"] == 0
    assert client.get("/api/v1/audit-events/", {"until": future}).json()["count"] >= 4
    bad = client.get("/api/v1/audit-events/", {"since": "yesterday-ish"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    assert "since" in bad.json()["error"]["details"]


def test_login_and_failed_login_are_audited(tenant):
    from accounts.models import AuditEvent
    from tests.conftest import PASSWORD, web_client

    client = web_client(tenant)
    client.post("/accounts/login/", {"username": tenant.owner_email, "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": tenant.owner_email, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    with in_tenant(tenant):
        actions = list(AuditEvent.objects.filter(action__startswith="auth.").order_by("id")
                       .values_list("action", "ip"))
    assert actions == [("auth.login_failed", "10.1.2.3"), ("auth.login", "10.1.2.3")]


def test_on_demand_forecast_writes_no_event(tenant):
    from accounts.models import AuditEvent

    with in_tenant(tenant):
        before = AuditEvent.objects.count()
    api_client(tenant, key=tenant.admin_key).post("/api/v1/forecasts/", {"store": 1, "dept": 1}, format="json")
    with in_tenant(tenant):
        assert AuditEvent.objects.count() == before
