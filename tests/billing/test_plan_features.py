"""Plan features are enforced through one mechanism (issue 16, finding 6): a service declares the
feature it needs (``billing.services.requires_feature``) and every route reaching it is refused on a
plan without it: 403 ``plan_feature_missing`` naming the feature, the plan and the plan that has it.
ONE table lists every feature of billing/plans.py with the routes that require it; a feature with no
gate or no route, or a listed route that is not refused, fails."""
from __future__ import annotations

import io

import pytest

from billing.plans import FEATURES, PLANS
from tests.conftest import add_key, add_member, api_client, in_tenant, provision, web_client


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def plans(django_db_setup, django_db_blocker):
    """A free and a pro workspace, each with store 1, a viewer and a viewer key."""
    from forecasting.models import Store

    out = {}
    with django_db_blocker.unblock():
        for plan in ("free", "pro"):
            t = provision(f"feat-{plan}", plan=plan)
            with in_tenant(t):
                Store.objects.create(number=1, type="A", size=1000)
            viewer = add_member(t, "viewer")
            add_key(t, "viewer", name="reader")
            out[plan] = (t, viewer)
    return out


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _key_id(t) -> int:
    from accounts.models import ApiKey

    with in_tenant(t):
        return ApiKey.objects.get(name="reader").pk


# each route: (call it on workspace t as its owner, restricting or setting; a check of its JSON or page)
def api_member_stores(t, viewer):
    return api_client(t, user=_owner(t)).put(f"/api/v1/members/{viewer.pk}/stores/", {"stores": [1]}, format="json")


def api_key_stores(t, viewer):
    return api_client(t, user=_owner(t)).put(f"/api/v1/api-keys/{_key_id(t)}/stores/", {"stores": [1]},
                                             format="json")


def web_member_stores(t, viewer):
    return web_client(t, user=_owner(t)).post(f"/members/{viewer.pk}/", {"op": "stores", "stores": "1"},
                                              follow=True)


def web_key_stores(t, viewer):
    return web_client(t, user=_owner(t)).post(f"/api-keys/{_key_id(t)}/stores/", {"stores": "1"}, follow=True)


def api_branding(t, viewer):
    return api_client(t, user=_owner(t)).patch("/api/v1/workspace/branding/", {"display_name": "Acme"},
                                               format="json")


def web_branding(t, viewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return web_client(t, user=_owner(t)).post("/settings/workspace/", {
        "action": "branding", "display_name": "", "accent_color": "",
        "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png")}, follow=True)


# every feature of billing/plans.py: the routes that require it, or why it has none in a workspace
ROUTES = {
    "store_scopes": {"PUT /api/v1/members/{id}/stores/": api_member_stores,
                     "PUT /api/v1/api-keys/{id}/stores/": api_key_stores,
                     "POST /members/{id}/ op=stores": web_member_stores,
                     "POST /api-keys/{id}/stores/": web_key_stores},
    "branding": {"PATCH /api/v1/workspace/branding/": api_branding,
                 "POST /settings/workspace/ action=branding": web_branding},
}


# features no workspace member or key can use: the platform operator's routes that require them, each called
# for tenant t; t's plan is what is checked (an operator can attach a domain only to a plan that has it)
def cli_domain(t, host):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("tenant_domain", t.slug, host)
    except CommandError as exc:
        return str(exc)
    return "attached"


def console_domain(t, host):
    import os
    import uuid

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    email, password = f"ops-{uuid.uuid4().hex[:6]}@platform.test", "Operator-pass-2026!"
    os.environ["FEATURE_TEST_OPS_PW"] = password
    call_command("create_operator", email, "--password-env", "FEATURE_TEST_OPS_PW")
    client = Client(HTTP_HOST=settings.SAAS_BASE_DOMAIN)
    client.post("/operator/login/", {"email": email, "password": password, "next": "/operator/"})
    resp = client.post("/operator/tenants/domain/add/", {"tenant": t.tenant.pk, "domain": host})
    return "attached" if resp.status_code == 302 else resp.content.decode()


OPERATOR_ROUTES = {
    "custom_domain": {"manage.py tenant_domain": cli_domain, "POST /operator/tenants/domain/add/": console_domain},
}


def test_every_plan_feature_has_its_routes_and_one_gate():
    from django.conf import settings
    from django.urls import get_resolver

    from billing.services import FEATURE_GATES

    # every view of the workspace's and the platform's hosts, so every service they call, is imported
    assert get_resolver(settings.ROOT_URLCONF).url_patterns and get_resolver(settings.PUBLIC_SCHEMA_URLCONF).url_patterns

    assert set(ROUTES) | set(OPERATOR_ROUTES) == set(FEATURES), "a plan feature with no route listed"
    assert not set(ROUTES) & set(OPERATOR_ROUTES)
    missing = sorted(f for f in [*ROUTES, *OPERATOR_ROUTES] if not FEATURE_GATES.get(f))
    assert not missing, f"features sold on a route but gated by no service (requires_feature): {missing}"
    assert set(FEATURE_GATES) <= set(FEATURES)


ROUTE_ROWS = sorted((f, r) for f, routes in ROUTES.items() for r in routes)


def _refused(resp, feature: str):
    if resp["Content-Type"].startswith("application/json"):
        assert resp.status_code == 403, resp.content
        error = resp.json()["error"]
        assert error["code"] == "plan_feature_missing"
        upgrade = next(p for p, limits in PLANS.items() if feature in limits.features)
        assert error["details"] == {"feature": feature, "plan": "free", "upgrade_to": upgrade}
        assert upgrade.title() in error["message"] and "Free plan" in error["message"]
    else:  # a page: the same words as a flash message
        assert resp.status_code == 200
        assert f"{FEATURES[feature]} is not part of the Free plan" in resp.content.decode()


@pytest.mark.parametrize("feature,route", ROUTE_ROWS)
def test_route_is_refused_without_the_feature_and_allowed_with_it(plans, feature, route):
    from accounts.scope import StoreScope
    from tenants.models import Tenant

    call = ROUTES[feature][route]
    free, viewer = plans["free"]
    _refused(call(free, viewer), feature)
    with in_tenant(free):  # nothing changed
        assert not StoreScope.for_principal(viewer).restricted
        from accounts.models import ApiKey
        assert not StoreScope.for_principal(ApiKey.objects.get(name="reader")).restricted
    tenant = Tenant.objects.get(schema_name=free.schema)
    assert tenant.display_name in ("", None) or tenant.display_name != "Acme"
    assert not tenant.logo_file
    pro, pro_viewer = plans["pro"]
    resp = call(pro, pro_viewer)
    assert resp.status_code == 200, resp.content[:500]
    assert b"plan_feature_missing" not in resp.content and b"is not part of the" not in resp.content


def test_lifting_a_scope_or_clearing_branding_needs_no_feature(plans):
    """After a downgrade, an owner can still lift the restrictions and clear the branding."""
    free, viewer = plans["free"]
    owner = api_client(free, user=_owner(free))
    resp = owner.put(f"/api/v1/members/{viewer.pk}/stores/", {"stores": []}, format="json")
    assert resp.status_code == 200 and resp.json()["restricted"] is False
    resp = owner.patch("/api/v1/workspace/branding/", {"display_name": "", "remove_logo": True}, format="json")
    assert resp.status_code == 200, resp.content


OPERATOR_ROWS = sorted((f, r) for f, routes in OPERATOR_ROUTES.items() for r in routes)


@pytest.mark.parametrize("feature,route", OPERATOR_ROWS)
def test_operator_route_is_refused_for_a_plan_without_the_feature(plans, feature, route):
    import uuid

    from tenants.models import Domain, Tenant

    call = OPERATOR_ROUTES[feature][route]
    upgrade = next(p for p, limits in PLANS.items() if feature in limits.features)
    for plan in ("free", "pro"):
        if feature in PLANS[plan].features:
            continue
        t, _ = plans[plan]
        host = f"{uuid.uuid4().hex[:8]}.example.org"
        answer = call(t, host)
        assert f"{FEATURES[feature]} is not part of the {plan.title()} plan" in answer, answer[:500]
        assert f"The {upgrade.title()} plan includes it" in answer
        assert not Domain.objects.filter(domain=host).exists()
    t = provision(f"feat-{upgrade}", plan=upgrade)
    host = f"{uuid.uuid4().hex[:8]}.example.org"
    assert call(t, host) == "attached"
    assert Domain.objects.get(domain=host).tenant_id == Tenant.objects.get(slug=t.slug).pk
