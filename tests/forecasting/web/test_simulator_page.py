"""The Promotion simulator page (web): renders for every role with the two
forms and the method, answers through htmx with thousands separators, saves
named scenarios for analysts only, and is closed to other tenants' sessions
and to anonymous visitors."""
from __future__ import annotations

import re

import pytest

from tests.conftest import add_member, in_tenant, provision, web_client
from tests.support.simulation_model import install_model

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(scope="module")
def page_tenant(django_db_setup, django_db_blocker):
    from forecasting.ml.pipeline import load_artifact
    from forecasting.ml.simulate import forecast_weeks

    with django_db_blocker.unblock():
        t = provision("simpage")
        path = install_model(t)
        users = {role: add_member(t, role) for role in ("viewer", "analyst", "admin")}
        others["other"], others["empty"] = provision("simother"), provision("simempty")
    return t, users, forecast_weeks(load_artifact(path))


others: dict = {}  # a second tenant, and one without a model (provisioned with the fixture)


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin"])
def test_page_renders_for_every_role(page_tenant, role):
    t, users, weeks = page_tenant
    html = web_client(t, user=users[role]).get("/simulator/").content.decode()
    assert 'id="sim-form-a"' in html and 'id="sim-form-b"' in html
    assert "learned association" in html and "not a controlled experiment" in html
    assert all(w in html for w in weeks)
    assert ('name="name"' in html) == (role != "viewer")


def test_htmx_answer_with_thousands_separators(page_tenant):
    t, users, weeks = page_tenant
    client = web_client(t, user=users["viewer"])
    resp = client.post("/simulator/run/", {"slot": "b", "store": "2", "weeks": weeks[:3], "markdown1": "9000",
                                           "margin_pct": "30"}, **HTMX)
    html = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in html
    assert re.search(r"\$-?\d{1,3}(,\d{3})+", html), html  # baseline and scenario are in the hundreds of thousands
    assert "sim-incremental" in html and "30 % margin" in html
    bad = client.post("/simulator/run/", {"slot": "a", "store": "2", "weeks": ["1999-01-01"]}, **HTMX)
    assert "weeks[0]" in bad.content.decode() and "sim-error" in bad.content.decode()
    named = client.post("/simulator/run/", {"slot": "a", "store": "2", "weeks": weeks[:1], "name": "x"}, **HTMX)
    assert "does not allow saving" in named.content.decode()


def test_analyst_saves_a_named_scenario_listed_on_the_page(page_tenant):
    from forecasting.models import Scenario

    t, users, weeks = page_tenant
    client = web_client(t, user=users["analyst"])
    resp = client.post("/simulator/run/", {"slot": "a", "store": "1", "weeks": weeks[:2], "markdown1": "4000",
                                           "name": "Spring test"})  # without htmx: the whole page
    assert resp.status_code == 200 and "<html" in resp.content.decode()
    with in_tenant(t):
        assert Scenario.objects.filter(name="Spring test", store=1).exists()
    html = client.get("/simulator/").content.decode()
    table = re.search(r'<table class="table" id="scenarios">(.*?)</table>', html, re.S).group(1)
    assert "Spring test" in table


def test_anonymous_and_other_tenants_session_are_refused(page_tenant):
    t, users, weeks = page_tenant
    anon = web_client(t)
    for method, path in (("get", "/simulator/"), ("post", "/simulator/run/")):
        resp = getattr(anon, method)(path)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    other = others["other"]
    from accounts.models import User

    with in_tenant(other):
        owner = User.objects.get(email=other.owner_email)
    client = web_client(other, user=owner)
    for method, path in (("get", "/simulator/"), ("post", "/simulator/run/")):
        resp = getattr(client, method)(path, HTTP_HOST=t.host)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_empty_state_without_a_model(page_tenant):
    t = others["empty"]
    from accounts.models import User

    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
    html = web_client(t, user=owner).get("/simulator/").content.decode()
    assert 'id="sim-empty"' in html and "Train a model" in html


def test_owner_sets_the_workspace_margin_used_by_default(page_tenant):
    from accounts.models import AuditEvent, User
    from tenants.models import Tenant

    t, users, weeks = page_tenant
    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
    client = web_client(t, user=owner)
    assert client.post("/settings/workspace/", {"action": "margin", "gross_margin": "150"}).status_code == 302
    assert str(Tenant.objects.get(pk=t.tenant.pk).gross_margin) == "0.300"  # refused: not a percentage of sales
    client.post("/settings/workspace/", {"action": "margin", "gross_margin": "42.5"})
    try:
        assert str(Tenant.objects.get(pk=t.tenant.pk).gross_margin) == "0.425"
        with in_tenant(t):
            assert AuditEvent.objects.filter(action="workspace.margin_update").count() == 1
        html = web_client(t, user=users["viewer"]).get("/simulator/").content.decode()
        assert 'name="margin_pct" min="0" max="100" step="any" value="42.5"' in html
        assert web_client(t, user=users["admin"]).post(
            "/settings/workspace/", {"action": "margin", "gross_margin": "10"}).status_code == 403
    finally:
        Tenant.objects.filter(pk=t.tenant.pk).update(gross_margin="0.300")


def test_restricted_analyst_picks_only_her_stores(page_tenant):
    from forecasting.models import Store

    t, users, weeks = page_tenant
    with in_tenant(t):
        Store.objects.bulk_create([Store(number=s, type="A", size=1000) for s in (1, 2, 3)], ignore_conflicts=True)
    member = add_member(t, "analyst")
    from tests.conftest import api_client

    owner = api_client(t, key=t.admin_key)
    assert owner.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [3]}, format="json").status_code == 200
    client = web_client(t, user=member)
    html = client.get("/simulator/").content.decode()
    pickers = re.findall(r'<select name="store"[^>]*>(.*?)</select>', html, re.S)
    assert pickers and all(set(re.findall(r'value="(\d+)"', p)) == {"3"} for p in pickers)
    other = client.post("/simulator/run/", {"slot": "a", "store": "2", "weeks": weeks[:1]}, **HTMX).content.decode()
    assert "No forecast for store 2" in other and "sim-answer" not in other


def test_money_reads_with_separators_and_a_leading_minus():
    from forecasting.web.simulator import money, shown

    assert money(1234567.6) == "$1,234,568" and money(-16229.4) == "−$16,229" and money(None) == "–"
    out = shown({"roi": -0.604, "margin": 0.3, "incremental_sales": 35801.2, "by_week": []})
    assert out["roi_text"] == "−60 %" and out["margin_text"] == "30 %" and out["fmt"]["incremental_sales"] == "$35,801"


def test_all_my_stores_shows_the_total_and_each_store(page_tenant):
    """Issue 19, workflow 6: one scenario over every store of the member's, the per-store table under the totals."""
    from forecasting.models import Store

    t, users, weeks = page_tenant
    html = web_client(t, user=users["viewer"]).get("/simulator/").content.decode()
    assert '<option value="all" >All my stores (3)</option>' in html
    resp = web_client(t, user=users["viewer"]).post(
        "/simulator/run/", {"slot": "a", "store": "all", "weeks": weeks[:2], "markdown1": "9000", "margin_pct": "30"},
        **HTMX)
    part = resp.content.decode()
    assert resp.status_code == 200 and "3 stores (total)" in part and "sim-incremental" in part
    table = re.search(r'<table class="table small sim-stores-table">(.*?)</table>', part, re.S).group(1)
    assert sorted(re.findall(r"<td class=\"nowrap\">Store (\d+)</td>", table)) == ["1", "2", "3"]
    assert part.index("sim-kpis") < part.index("sim-stores-table")  # under the totals
    # a restricted analyst's "all" is her stores only
    with in_tenant(t):
        Store.objects.bulk_create([Store(number=s, type="A", size=1000) for s in (1, 2, 3)], ignore_conflicts=True)
    member = add_member(t, "analyst")
    from tests.conftest import api_client

    owner = api_client(t, key=t.admin_key)
    assert owner.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [1, 3]}, format="json").status_code == 200
    client = web_client(t, user=member)
    assert "All my stores (2)" in client.get("/simulator/").content.decode()
    part = client.post("/simulator/run/", {"slot": "b", "store": "all", "weeks": weeks[:1]}, **HTMX).content.decode()
    table = re.search(r'<table class="table small sim-stores-table">(.*?)</table>', part, re.S).group(1)
    assert sorted(re.findall(r"<td class=\"nowrap\">Store (\d+)</td>", table)) == ["1", "3"]
    named = client.post("/simulator/run/", {"slot": "b", "store": "all", "weeks": weeks[:1], "name": "Chain"},
                        **HTMX).content.decode()
    assert "Saved as “Chain”" in named and "sim-error" not in named
    assert "<td>Chain</td><td>1, 3</td>" in named  # the saved list names every store of the scenario
