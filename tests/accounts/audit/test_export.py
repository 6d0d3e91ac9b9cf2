"""Audit log export as CSV (issue 11 item 6): filters honoured, cells that a
spreadsheet would run as formulas neutralised, admins and owners only, never
across tenants. Plus the chain fields on the API."""
from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import add_member, api_client, in_tenant, web_client


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _csv(resp) -> list[dict]:
    assert resp["Content-Type"].startswith("text/csv"), resp["Content-Type"]
    assert "attachment" in resp["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(b"".join(resp.streaming_content).decode())))


def test_csv_safe():
    from accounts.audit.export import csv_safe

    for bad in ("=1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")'):
        assert csv_safe(bad) == "'" + bad
    # the product's one rule (saas.csv_safe): text that is a plain number stays numeric
    for fine in ("a=1", "owner@x.test", "", "1.5", " =1", "+1", "-49.5"):
        assert csv_safe(fine) == fine
    assert csv_safe(-3) == -3 and csv_safe(None) == "" and csv_safe(True) == "true"


def test_api_list_has_chain_fields(tenant):
    data = api_client(tenant, key=tenant.admin_key).get("/api/v1/audit-events/").json()["results"]
    newest, older = data[0], data[1]
    assert newest["sequence"] == older["sequence"] + 1 and newest["prev_hash"] == older["hash"]
    assert len(newest["hash"]) == 64


def test_api_export_honours_filters_and_neutralises_formulas(tenant):
    from accounts.audit import Actor, audit_record

    client = api_client(tenant, key=tenant.admin_key)
    client.post("/api/v1/members/", {"email": "x1@example.com", "role": "viewer"}, format="json")
    with in_tenant(tenant):
        audit_record(action="member.invite", actor=Actor.system(request_id='=HYPERLINK("http://evil")'),
                     target_type="user", target_id="-1+2", payload={"email": "=cmd|' /C calc'!A0"})
    listed = client.get("/api/v1/audit-events/", {"action": "member.invite"}).json()
    resp = client.get("/api/v1/audit-events/export.csv", {"action": "member.invite"})
    assert resp.status_code == 200
    rows = _csv(resp)
    assert [int(r["id"]) for r in rows] == [e["id"] for e in listed["results"]]
    assert {r["action"] for r in rows} == {"member.invite"} and rows[0]["action_label"] == "Member invited"
    evil = rows[0]
    assert evil["request_id"] == '\'=HYPERLINK("http://evil")' and evil["target_id"] == "'-1+2"
    assert evil["hash"] == listed["results"][0]["hash"] and evil["sequence"] == str(listed["results"][0]["sequence"])
    everything = _csv(client.get("/api/v1/audit-events/export.csv"))
    assert len(everything) == client.get("/api/v1/audit-events/").json()["count"]


def test_api_export_bad_filter_is_json_400(tenant):
    resp = api_client(tenant, key=tenant.admin_key).get("/api/v1/audit-events/export.csv", {"actor": "\u00b2"},
                                                        HTTP_ACCEPT="text/csv")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "validation_error" and "actor" in resp.json()["error"]["details"]


@pytest.mark.parametrize("role,status", [("viewer", 403), ("analyst", 403), ("admin", 200), ("owner", 200)])
def test_web_export_by_role(tenant, role, status):
    resp = web_client(tenant, user=add_member(tenant, role)).get("/audit/export.csv", {"action": "tenant.provision"})
    assert resp.status_code == status
    if status == 200:
        rows = _csv(resp)
        assert [r["action"] for r in rows] == ["tenant.provision"]


def test_web_export_anonymous_and_other_tenant(tenant, tenant_b):
    anon = web_client(tenant).get("/audit/export.csv")
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    client = web_client(tenant, user=_owner(tenant))
    resp = client.get("/audit/export.csv", HTTP_HOST=tenant_b.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert tenant_b.owner_email.encode() not in resp.content


def test_web_export_bad_filter_shows_the_page(tenant):
    resp = web_client(tenant, user=_owner(tenant)).get("/audit/export.csv", {"since": "soon"})
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/html")
    assert b"filter-errors" in resp.content
