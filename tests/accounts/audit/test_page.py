"""The Audit page: details as labelled fields, repeated failed logins folded
into one line (before pagination, so a flood cannot bury real events), role
and tenant checks."""
from __future__ import annotations

import re

import pytest

from tests.conftest import add_member, api_client, in_tenant, web_client


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _failed(t, n: int, username: str, ip: str):
    from accounts.audit import Actor
    from accounts.services import auth_event_record

    with in_tenant(t):
        for _ in range(n):
            auth_event_record(action="auth.login_failed", actor=Actor.system(ip=ip), payload={"username": username})


def _rows(html: str) -> list[str]:
    body = html.split('id="audit-table"', 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in body.split("<tr")[2:]]


def test_details_are_labelled_fields(tenant):
    api_client(tenant, key=tenant.admin_key).post("/api/v1/members/", {"email": "x1@example.com", "role": "analyst"},
                                                  format="json")
    html = web_client(tenant, user=_owner(tenant)).get("/audit/").content.decode()
    assert "<dt>E-mail</dt><dd>x1@example.com</dd>" in html and "<dt>Role</dt><dd>analyst</dd>" in html
    assert "Member invited" in html
    assert "{&#x27;email&#x27;" not in html and "{'email'" not in html  # no raw dicts


def test_payload_display_formats():
    from accounts.audit.display import payload_fields

    fields = {f.label: (f.text, f.full) for f in payload_fields(
        {"rows": 1234567, "wmae": 1234.5678, "sha256": "ab" * 32, "replaced": None, "some_new_key": [1, 2]})}
    assert fields["Rows"] == ("1,234,567", "") and fields["WMAE"] == ("1,234.57", "")
    assert fields["SHA-256"] == ("ab" * 6 + "…", "ab" * 32)
    assert fields["Replaced version"] == ("—", "") and fields["Some new key"] == ("[1, 2]", "")


def test_a_flood_of_failed_logins_is_one_line(tenant):
    client = web_client(tenant, user=_owner(tenant))  # (writes auth.login)
    _failed(tenant, 130, tenant.owner_email, "10.9.9.9")
    _failed(tenant, 3, tenant.owner_email.upper(), "10.9.9.9")  # a case variant is the same target
    add_member(tenant, "viewer", email=f"real@{tenant.slug}.test")
    _failed(tenant, 2, tenant.owner_email, "10.7.7.7")           # another IP: its own line
    rows = _rows(client.get("/audit/").content.decode())
    assert f"2 failed logins for {tenant.owner_email} between" in rows[0] and "10.7.7.7" in rows[0]
    assert "Member created" in rows[1] and f"real@{tenant.slug}.test" in rows[1]
    assert f"133 failed logins for {tenant.owner_email.upper()} between" in rows[2] and "10.9.9.9" in rows[2]
    assert "User logged in" in rows[3]
    assert any("Workspace provisioned" in r for r in rows)  # the oldest real event is still on page one
    assert len(rows) == 4 + 3  # + member.create (owner), tenant.provision, api_key.create


def test_each_failed_login_on_request_and_pagination(tenant):
    _failed(tenant, 120, "mallory@x.test", "10.1.1.1")
    client = web_client(tenant, user=_owner(tenant))
    expanded = client.get("/audit/", {"expand": "1"}).content.decode()
    assert "Page 1 of 3" in expanded and len(_rows(expanded)) == 50
    assert "failed logins for" not in expanded
    last = client.get("/audit/", {"expand": "1", "page": "3"}).content.decode()
    assert len(_rows(last)) == 120 + 4 - 100  # + provisioning (3) and this login
    filtered = client.get("/audit/", {"action": "auth.login_failed"}).content.decode()
    assert len(_rows(filtered)) == 1 and "120 failed logins for mallory@x.test" in _rows(filtered)[0]
    prefixed = _rows(client.get("/audit/", {"action": "auth."}).content.decode())
    assert len(prefixed) == 2 and "User logged in" in prefixed[0] and "120 failed logins" in prefixed[1]


def test_collapsed_pages_still_paginate(tenant):
    """60 real events between two floods: 50 lines on page one, the rest on two."""
    from accounts.audit import Actor, audit_record

    client = web_client(tenant, user=_owner(tenant))  # (writes auth.login)
    _failed(tenant, 40, "a@x.test", "10.0.0.1")
    with in_tenant(tenant):
        for i in range(60):
            audit_record(action="member.reactivate", actor=Actor.system(), target_type="user", target_id=i)
    _failed(tenant, 40, "b@x.test", "10.0.0.2")
    first = client.get("/audit/").content.decode()
    second = client.get("/audit/", {"page": "2"}).content.decode()
    assert "Page 1 of 2" in first and len(_rows(first)) == 50
    assert "40 failed logins for b@x.test" in _rows(first)[0]
    rows2 = _rows(second)
    assert len(rows2) == 60 + 2 + 3 + 1 - 50  # floods as one line each, provisioning, this login
    assert any("40 failed logins for a@x.test" in r for r in rows2)
    assert client.get("/audit/", {"page": "banana"}).status_code == 200


@pytest.mark.parametrize("role,status", [("viewer", 403), ("analyst", 403), ("admin", 200), ("owner", 200)])
def test_audit_page_by_role(tenant, role, status):
    assert web_client(tenant, user=add_member(tenant, role)).get("/audit/").status_code == status


def test_audit_page_of_another_tenant(tenant, tenant_b):
    resp = web_client(tenant, user=_owner(tenant)).get("/audit/", HTTP_HOST=tenant_b.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
