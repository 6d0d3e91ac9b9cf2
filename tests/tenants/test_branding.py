"""Branding: owners set the display name, accent colour and logo; every
member reads them; the logo is checked from its bytes, re-encoded, kept in
the tenant's own files and served only on the tenant's own host."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import add_key, add_member, api_client, in_tenant, web_client


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _image(fmt="PNG", size=(64, 32), color=(200, 30, 30)) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    buf.seek(0)
    buf.name = f"logo.{fmt.lower()}"
    return buf


def _fresh(t):
    from tenants.models import Tenant

    return Tenant.objects.get(pk=t.tenant.pk)


def test_owner_sets_branding_members_read_it_and_pages_show_it(tenant):
    from django.core import mail

    from accounts.models import AuditEvent

    owner = api_client(tenant, user=_owner(tenant))
    resp = owner.patch("/api/v1/workspace/branding/", {"display_name": "  Acme   Retail ", "accent_color": "#0A7D4F"},
                       format="json")
    assert resp.status_code == 200, resp.content
    assert resp.json()["brand_name"] == "Acme Retail"
    assert resp.json()["accent_color"] == "#0a7d4f"
    assert resp.json()["logo_url"] is None

    viewer = add_member(tenant, "viewer")
    body = api_client(tenant, user=viewer).get("/api/v1/workspace/branding/").json()
    assert body["display_name"] == "Acme Retail" and body["name"] == tenant.tenant.name
    assert api_client(tenant, key=add_key(tenant, "viewer")).get("/api/v1/workspace/branding/").status_code == 200

    html = web_client(tenant, user=viewer).get("/").content.decode()
    assert "Acme Retail" in html and "--accent: #0a7d4f" in html

    with in_tenant(tenant):
        event = AuditEvent.objects.filter(action="workspace.branding_update").latest("pk")
    assert event.payload == {"display_name": "Acme Retail", "accent_color": "#0a7d4f"}

    # e-mails carry the display name
    mail.outbox.clear()
    resp = owner.post("/api/v1/members/", {"email": f"new@{tenant.slug}.test", "role": "viewer"}, format="json")
    assert resp.status_code == 201
    assert "Acme Retail" in mail.outbox[-1].subject and "Acme Retail" in mail.outbox[-1].body


def test_bad_accent_and_long_name_are_refused_and_nothing_changes(tenant):
    owner = api_client(tenant, user=_owner(tenant))
    for body, field in [({"accent_color": "red; background:url(x)"}, "accent_color"),
                        ({"accent_color": "#12345"}, "accent_color"),
                        ({"display_name": "x" * 81}, "display_name")]:
        resp = owner.patch("/api/v1/workspace/branding/", body, format="json")
        assert resp.status_code == 400, resp.content
        assert field in resp.json()["error"]["details"]
    t = _fresh(tenant)
    assert (t.accent_color, t.display_name) == ("", "")


def test_logo_is_reencoded_and_served_only_on_its_tenants_host(tenant, tenant_b):
    owner = api_client(tenant, user=_owner(tenant))
    resp = owner.patch("/api/v1/workspace/branding/", {"logo": _image("JPEG", size=(1200, 600))}, format="multipart")
    assert resp.status_code == 200, resp.content
    assert resp.json()["logo_url"].startswith(f"http://{tenant.host}")
    t = _fresh(tenant)
    from saas.storage import logo_path

    path = logo_path(t)
    assert path is not None and f"/tenants/{tenant.schema}/branding/" in str(path)

    served = web_client(tenant).get("/branding/logo.png")  # the sign-in page shows it too
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    img = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert img.format == "PNG" and max(img.size) == 512  # re-encoded and scaled down

    # tenant B has no logo: its host serves none, whatever the query string
    assert web_client(tenant_b).get(f"/branding/logo.png?v={t.logo_file}").status_code == 404
    api_client(tenant_b, user=_owner(tenant_b)).patch(
        "/api/v1/workspace/branding/", {"logo": _image(color=(0, 0, 255))}, format="multipart")
    b_logo = b"".join(web_client(tenant_b).get(f"/branding/logo.png?v={t.logo_file}").streaming_content)
    assert Image.open(io.BytesIO(b_logo)).getpixel((0, 0))[:3] == (0, 0, 255)
    assert b_logo != path.read_bytes()

    # a session or key of tenant A cannot change tenant B's branding
    assert api_client(tenant_b, key=tenant.admin_key).get("/api/v1/workspace/branding/").status_code == 401
    a_session = api_client(tenant, user=_owner(tenant))
    a_session.defaults["HTTP_HOST"] = tenant_b.host
    assert a_session.patch("/api/v1/workspace/branding/", {"display_name": "Hijack"},
                           format="json").status_code in (401, 403)
    assert _fresh(tenant_b).display_name == ""

    # replacing or removing the logo deletes the old file after commit
    resp = owner.patch("/api/v1/workspace/branding/", {"remove_logo": True}, format="json")
    assert resp.status_code == 200 and resp.json()["logo_url"] is None
    assert not path.exists()
    assert web_client(tenant).get("/branding/logo.png").status_code == 404


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


@pytest.mark.parametrize("name,payload,reason", [
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024), "larger than"),
    ("notes.png", b"hello, this is not an image at all", "not a readable"),
    ("logo.svg", SVG, "SVG"),
    ("sneaky.png", b"  \n" + SVG, "SVG"),
    ("anim.gif", None, "GIF"),
])
def test_logo_validation_refuses_bad_files(tenant, name, payload, reason):
    if payload is None:
        payload = _image("GIF").getvalue()
    buf = io.BytesIO(payload)
    buf.name = name
    resp = api_client(tenant, user=_owner(tenant)).patch("/api/v1/workspace/branding/", {"logo": buf},
                                                        format="multipart")
    assert resp.status_code == 400, resp.content
    assert reason in resp.json()["error"]["details"]["logo"][0]
    assert _fresh(tenant).logo_file == ""


def test_workspace_page_branding_form_is_for_owners(tenant):
    analyst = web_client(tenant, user=add_member(tenant, "analyst"))
    assert analyst.post("/settings/workspace/", {"action": "branding", "display_name": "X"}).status_code == 403
    owner = web_client(tenant, user=_owner(tenant))
    resp = owner.post("/settings/workspace/", {"action": "branding", "display_name": "Form Mart",
                                               "accent_color": "#aa3300", "logo": _image()})
    assert resp.status_code == 302
    t = _fresh(tenant)
    assert (t.display_name, t.accent_color) == ("Form Mart", "#aa3300") and t.logo_file
    page = owner.get("/settings/workspace/").content.decode()
    assert "Form Mart" in page and f"/branding/logo.png?v={t.logo_file}" in page
    resp = owner.post("/settings/workspace/", {"action": "branding", "accent_color": "nope"}, follow=True)
    assert "accent colour" in resp.content.decode()
    assert _fresh(tenant).accent_color == "#aa3300"
