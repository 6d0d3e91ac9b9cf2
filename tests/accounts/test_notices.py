"""In-app notices (accounts/notices.py, e.g. the automatic rollback notice):
an owner or admin dismisses one from the Dashboard; it no longer shows for her
and still does for the others; one audit event; a viewer or analyst gets 403,
another workspace's member and anonymous callers go to sign in, and a notice
id of another workspace is unknown here."""
from __future__ import annotations

import pytest

from tests.conftest import add_member, in_tenant, provision, web_client


def _notice(t, title="Model rolled back from v2 to v1"):
    from accounts.notices import notice_admins

    with in_tenant(t):
        return notice_admins(kind="model.rolled_back", title=title, body="Live error rose.", link="/models/")


def _events(t):
    from accounts.models import AuditEvent

    with in_tenant(t):
        return list(AuditEvent.objects.filter(action="notice.dismiss").values_list("target_id", "actor_label",
                                                                                  "payload"))


@pytest.fixture
def shop(db_access):
    t = provision("notices")
    return t, add_member(t, "admin"), add_member(t, "admin")


def test_an_admin_dismisses_a_notice_for_herself(shop):
    t, admin, other_admin = shop
    notice = _notice(t)
    client = web_client(t, user=admin)
    html = client.get("/").content.decode()
    assert f'id="notice-{notice.pk}"' in html and f'action="/notices/{notice.pk}/dismiss/"' in html
    resp = client.post(f"/notices/{notice.pk}/dismiss/")
    assert resp.status_code == 302 and resp["Location"] == "/"
    assert f'id="notice-{notice.pk}"' not in client.get("/").content.decode()
    assert f'id="notice-{notice.pk}"' in web_client(t, user=other_admin).get("/").content.decode()
    events = _events(t)
    assert events == [(str(notice.pk), admin.email, {"kind": "model.rolled_back",
                                                     "title": "Model rolled back from v2 to v1"})]
    assert client.post(f"/notices/{notice.pk}/dismiss/").status_code == 302  # twice: nothing more happens
    assert len(_events(t)) == 1


def test_htmx_dismiss_swaps_the_notice_out(shop):
    t, admin, _ = shop
    notice = _notice(t)
    resp = web_client(t, user=admin).post(f"/notices/{notice.pk}/dismiss/", HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and resp.content == b""
    with in_tenant(t):
        from accounts.models import Notice

        assert list(Notice.objects.get(pk=notice.pk).dismissed_by.values_list("pk", flat=True)) == [admin.pk]


def test_unknown_notice_is_refused_without_an_event(shop):
    t, admin, _ = shop
    resp = web_client(t, user=admin).post("/notices/999999/dismiss/", follow=True)
    assert "No such notice." in resp.content.decode()
    assert _events(t) == []


def test_roles_and_other_workspaces(shop):
    t, admin, _ = shop
    other = provision("notices-b")
    foreign_owner = add_member(other, "owner")
    notice = _notice(t)
    for role in ("viewer", "analyst"):
        resp = web_client(t, user=add_member(t, role)).post(f"/notices/{notice.pk}/dismiss/")
        assert resp.status_code == 403, role
    for client in (web_client(t), web_client(other, user=foreign_owner)):  # anonymous; another workspace's owner
        resp = client.post(f"/notices/{notice.pk}/dismiss/", HTTP_HOST=t.host)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    # a notice of this workspace is unknown in the other one, even to its owner
    resp = web_client(other, user=foreign_owner).post(f"/notices/{notice.pk}/dismiss/", follow=True)
    assert "No such notice." in resp.content.decode()
    with in_tenant(t):
        from accounts.models import Notice

        assert not Notice.objects.get(pk=notice.pk).dismissed_by.exists()
    assert _events(t) == []
