"""Issue 9, page 5 (promotion simulator) through POST /api/v1/simulations/:
acceptance 4 (planned markdowns give zero; the answer equals the model's
response computed directly from forecasting/ml/), the plan's simulations per
day, errors naming the field, named scenarios (audited) and their list."""
from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import add_member, api_client, count_rows, in_tenant, provision
from tests.support.simulation_model import install_model

URL = "/api/v1/simulations/"
STORE = 2


@pytest.fixture(scope="module")
def sim(django_db_setup, django_db_blocker):
    from forecasting.ml.pipeline import load_artifact

    with django_db_blocker.unblock():
        t = provision("sim", plan="free")
        path = install_model(t)
        analyst, viewer = add_member(t, "analyst"), add_member(t, "viewer")
    art = load_artifact(path)
    from forecasting.ml.simulate import forecast_weeks

    return {"t": t, "art": art, "weeks": forecast_weeks(art), "analyst": analyst, "viewer": viewer}


def _uses(t) -> int:
    from forecasting.models import SimulationUse

    with in_tenant(t):
        return SimulationUse.objects.count()


def _clear_uses(t):
    from forecasting.models import SimulationUse

    with in_tenant(t):
        SimulationUse.objects.all().delete()


def test_planned_markdowns_give_zero_and_the_answer_is_the_models(sim):
    from forecasting.ml.simulate import simulate

    t, art, weeks = sim["t"], sim["art"], sim["weeks"]
    client = api_client(t, user=sim["viewer"])
    s = int(np.searchsorted(art.panel.stores, STORE))
    planned = {f"markdown{j + 1}": float(v) for j, v in enumerate(art.panel.md[s, art.origin_index + 1, :])}
    resp = client.post(URL, {"store": STORE, "depts": None, "weeks": weeks[:1], "markdowns": planned,
                             "margin": 0.3}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert {"baseline", "scenario", "incremental_sales", "lo80", "hi80", "markdown_cost", "incremental_profit",
            "roi", "warnings", "by_week"} <= set(body)
    assert body["incremental_sales"] == 0 and body["markdown_cost"] == 0 and body["roi"] is None
    assert body["baseline"] == body["scenario"] > 0

    inputs = {"store": STORE, "depts": [1, 2, 3], "weeks": weeks[1:4], "markdowns": {"markdown1": 8000, "markdown4": 0},
              "margin": 0.35}
    body = client.post(URL, inputs, format="json").json()
    direct = simulate(art, store=STORE, depts=[1, 2, 3], weeks=weeks[1:4],
                      markdowns={"markdown1": 8000, "markdown4": 0}, margin=0.35)
    assert abs(direct["incremental_sales"]) > 1
    for key in ("baseline", "scenario", "incremental_sales", "lo80", "hi80", "markdown_cost", "incremental_profit",
                "roi"):
        assert body[key] == pytest.approx(direct[key], rel=1e-12), key
    assert [w["week"] for w in body["by_week"]] == weeks[1:4]
    assert body["depts"] == [1, 2, 3] and body["margin"] == 0.35


def test_margin_defaults_to_the_workspace_setting(sim):
    from tenants.models import Tenant

    t, weeks = sim["t"], sim["weeks"]
    Tenant.objects.filter(pk=t.tenant.pk).update(gross_margin="0.420")
    try:
        body = api_client(t, key=t.admin_key).post(URL, {"store": STORE, "weeks": weeks[:2],
                                                          "markdowns": {"markdown1": 5000}}, format="json").json()
    finally:
        Tenant.objects.filter(pk=t.tenant.pk).update(gross_margin="0.300")
    assert body["margin"] == 0.42
    assert body["incremental_profit"] == pytest.approx(body["incremental_sales"] * 0.42 - body["markdown_cost"])


@pytest.mark.parametrize("body, status, field", [
    ({"store": STORE, "weeks": ["2001-01-05"]}, 400, "weeks[0]"),
    ({"store": STORE, "weeks": ["not-a-date"]}, 400, "weeks[0]"),
    ({"store": STORE}, 400, "weeks"),
    ({"store": 77, "weeks": None}, 400, "weeks"),
    ({"store": 77, "weeks": "FIRST"}, 404, "store"),
    ({"store": "abc", "weeks": "FIRST"}, 400, "store"),
    ({"store": STORE, "weeks": "FIRST", "markdowns": {"markdown2": -10}}, 400, "markdowns.markdown2"),
    ({"store": STORE, "weeks": "FIRST", "depts": [99]}, 400, "depts"),
    ({"store": STORE, "weeks": "FIRST", "margin": 2}, 400, "margin"),
])
def test_errors_name_the_field_and_use_no_quota(sim, body, status, field):
    t = sim["t"]
    if body.get("weeks") == "FIRST":
        body = {**body, "weeks": sim["weeks"][:1]}
    before = _uses(t)
    resp = api_client(t, user=sim["analyst"]).post(URL, body, format="json")
    assert resp.status_code == status, resp.content
    err = resp.json()["error"]
    assert field in err["details"] and field in err["message"] or field == "store", err
    assert _uses(t) == before


def test_each_simulation_counts_against_the_plan(sim):
    from billing.plans import PLANS
    from forecasting.models import SimulationUse

    t, weeks = sim["t"], sim["weeks"]
    allowed = PLANS["free"].max_simulations_per_day
    _clear_uses(t)
    with in_tenant(t):
        SimulationUse.objects.bulk_create([SimulationUse() for _ in range(allowed - 1)])
    client = api_client(t, user=sim["viewer"])
    ok = client.post(URL, {"store": STORE, "weeks": weeks[:1]}, format="json")
    assert ok.status_code == 200, ok.content
    assert _uses(t) == allowed
    refused = client.post(URL, {"store": STORE, "weeks": weeks[:1]}, format="json")
    assert refused.status_code == 402
    err = refused.json()["error"]
    assert err["code"] == "quota_exceeded" and err["details"]["limit"] == "simulations_per_day"
    assert err["details"]["usage"] == allowed and err["details"]["upgrade_to"] == "pro"
    assert _uses(t) == allowed
    _clear_uses(t)


def test_named_scenario_is_saved_audited_and_listed(sim):
    from accounts.models import AuditEvent
    from forecasting.models import Scenario

    t, weeks = sim["t"], sim["weeks"]
    _clear_uses(t)
    with in_tenant(t):
        audits = AuditEvent.objects.filter(action="simulation.run").count()
    viewer = api_client(t, user=sim["viewer"])
    viewer.post(URL, {"store": STORE, "weeks": weeks[:1]}, format="json")
    refused = viewer.post(URL, {"store": STORE, "weeks": weeks[:1], "name": "Viewer's idea"}, format="json")
    assert refused.status_code == 403
    analyst = api_client(t, user=sim["analyst"])
    resp = analyst.post(URL, {"store": STORE, "weeks": weeks[:2], "markdowns": {"markdown1": 6000},
                              "name": "Autumn push"}, format="json")
    assert resp.status_code == 201, resp.content
    saved = resp.json()["saved"]
    with in_tenant(t):
        scenario = Scenario.objects.get(pk=saved["id"])
        events = list(AuditEvent.objects.filter(action="simulation.run"))
    assert scenario.name == "Autumn push" and scenario.store == STORE
    assert scenario.result["incremental_sales"] == resp.json()["incremental_sales"]
    assert len(events) == audits + 1  # the unnamed run and the refused one are not audited
    assert events[-1].target_id == str(scenario.pk) and events[-1].payload["name"] == "Autumn push"
    listed = viewer.get(URL).json()
    assert [r["name"] for r in listed["results"]][:1] == ["Autumn push"]
    assert listed["results"][0]["inputs"]["markdowns"] == {"markdown1": 6000}
    _clear_uses(t)


def test_restricted_analyst_simulates_only_her_stores(sim):
    from forecasting.models import Scenario, Store
    from tenants.models import Tenant

    t, weeks = sim["t"], sim["weeks"]
    Tenant.objects.filter(pk=t.tenant.pk).update(plan="pro")  # store scopes are a Pro feature
    t.tenant.plan = "pro"
    with in_tenant(t):
        Store.objects.bulk_create([Store(number=s, type="A", size=1000) for s in (1, 2, 3)], ignore_conflicts=True)
        Scenario.objects.create(name="Other store's", store=STORE)
    owner = api_client(t, key=t.admin_key)
    member = add_member(t, "analyst")
    assert owner.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [1]}, format="json").status_code == 200
    client = api_client(t, user=member)
    mine = client.post(URL, {"store": 1, "weeks": weeks[:1]}, format="json")
    assert mine.status_code == 200, mine.content
    other = client.post(URL, {"store": STORE, "weeks": weeks[:1]}, format="json")
    unknown = client.post(URL, {"store": 77, "weeks": weeks[:1]}, format="json")
    assert other.status_code == unknown.status_code == 404
    assert other.json()["error"]["code"] == unknown.json()["error"]["code"] == "store_not_found"
    listed = client.get(URL).json()["results"]
    assert all(r["store"] == 1 for r in listed)
    assert any(r["store"] == STORE for r in owner.get(URL).json()["results"])
    Tenant.objects.filter(pk=t.tenant.pk).update(plan="free")
    t.tenant.plan = "free"
    _clear_uses(t)


# ------------------------------------------------------------------ several stores (issue 19, workflow 6)
def test_several_stores_answer_their_total_and_each_store(sim):
    from forecasting.ml.simulate import simulate, simulate_many

    t, art, weeks = sim["t"], sim["art"], sim["weeks"]
    _clear_uses(t)
    client = api_client(t, user=sim["viewer"])
    inputs = {"stores": [3, 1, 2], "depts": [1, 2, 3], "weeks": weeks[1:4], "markdowns": {"markdown1": 8000},
              "margin": 0.35}
    resp = client.post(URL, inputs, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    direct = simulate_many(art, stores=[1, 2, 3], depts=[1, 2, 3], weeks=weeks[1:4], markdowns={"markdown1": 8000},
                           margin=0.35)
    for key in ("baseline", "scenario", "incremental_sales", "lo80", "hi80", "markdown_cost", "incremental_profit",
                "roi"):
        assert body[key] == pytest.approx(direct[key], rel=1e-12), key
    each = [simulate(art, store=s, depts=[1, 2, 3], weeks=weeks[1:4], markdowns={"markdown1": 8000}, margin=0.35)
            for s in (1, 2, 3)]
    assert body["incremental_sales"] == pytest.approx(sum(o["incremental_sales"] for o in each), rel=1e-12)
    assert body["markdown_cost"] == pytest.approx(sum(o["markdown_cost"] for o in each), rel=1e-12)
    assert body["store"] is None and body["depts"] == [1, 2, 3] and [w["week"] for w in body["by_week"]] == weeks[1:4]
    assert sorted(r["store"] for r in body["stores"]) == [1, 2, 3]
    assert {"store", "incremental_sales", "markdown_cost", "incremental_profit", "roi"} <= set(body["stores"][0])
    profits = [r["incremental_profit"] for r in body["stores"]]
    assert profits == sorted(profits, reverse=True)
    assert _uses(t) == 1  # one simulation, however many stores
    # the single-store contract is unchanged
    one = client.post(URL, {"store": 2, "weeks": weeks[:1]}, format="json").json()
    assert one["store"] == 2 and "stores" not in one
    _clear_uses(t)


@pytest.mark.parametrize("body, field", [
    ({"store": STORE, "stores": [1, 2]}, "store"),
    ({}, "store"),
    ({"stores": []}, "stores"),
    ({"stores": "1,2"}, "stores"),
    ({"stores": list(range(1, 202))}, "stores"),
    ({"stores": [1, "x"]}, "stores[1]"),
    ({"stores": [1, 2], "depts": [99]}, "depts"),
])
def test_several_stores_errors_name_the_field_and_use_no_quota(sim, body, field):
    t = sim["t"]
    before = _uses(t)
    resp = api_client(t, user=sim["analyst"]).post(URL, {**body, "weeks": sim["weeks"][:1]}, format="json")
    assert resp.status_code == 400, resp.content
    err = resp.json()["error"]
    assert field in err["details"] and err["message"].startswith(field), err
    assert _uses(t) == before


def test_several_stores_roles_run_for_all_and_a_saved_one_is_listed_to_who_sees_every_store(sim):
    from forecasting.models import Scenario
    from tenants.models import Tenant

    t, weeks = sim["t"], sim["weeks"]
    _clear_uses(t)
    viewer, analyst = api_client(t, user=sim["viewer"]), api_client(t, user=sim["analyst"])
    assert viewer.post(URL, {"stores": [1, 2], "weeks": weeks[:1]}, format="json").status_code == 200
    refused = viewer.post(URL, {"stores": [1, 2], "weeks": weeks[:1], "name": "Viewer's chain"}, format="json")
    assert refused.status_code == 403
    several = analyst.post(URL, {"stores": [1, 2], "weeks": weeks[:1], "name": "Chain push"}, format="json")
    assert several.status_code == 201, several.content
    # listed to those who see every one of its stores: the owner, not a member restricted to store 1
    owner = api_client(t, key=t.admin_key)
    listed = {r["name"]: r for r in owner.get(URL).json()["results"]}
    assert listed["Chain push"]["stores"] == [1, 2] and listed["Chain push"]["store"] == 1
    Tenant.objects.filter(pk=t.tenant.pk).update(plan="pro")  # store scopes are a Pro feature
    t.tenant.plan = "pro"
    member, admin = add_member(t, "analyst"), api_client(t, key=t.admin_key)
    assert admin.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [1]}, format="json").status_code == 200
    mine = api_client(t, user=member).get(URL).json()["results"]
    assert "Chain push" not in {r["name"] for r in mine}
    assert admin.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [1, 2]}, format="json").status_code == 200
    assert "Chain push" in {r["name"] for r in api_client(t, user=member).get(URL).json()["results"]}
    one = analyst.post(URL, {"stores": [3], "weeks": weeks[:1], "markdowns": {"markdown1": 4000},
                             "name": "One in a list"}, format="json")
    assert one.status_code == 201, one.content
    with in_tenant(t):
        scenario = Scenario.objects.get(pk=one.json()["saved"]["id"])
        assert not Scenario.objects.filter(name="Viewer's chain").exists()
    assert scenario.store == 3 and scenario.inputs["stores"] == [3]
    assert _uses(t) == 3  # the viewer's run and the two saved ones; the refused one counts nothing
    _clear_uses(t)


def test_several_stores_of_another_tenant_are_not_reachable(sim, tenant_b):
    from forecasting.models import SimulationUse

    t, weeks = sim["t"], sim["weeks"]
    before = _uses(t)
    # B has no model: B's own owner gets no answer from A's artifact
    resp = api_client(tenant_b, key=tenant_b.admin_key).post(URL, {"stores": [1, 2], "weeks": weeks[:1]},
                                                             format="json")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "no_active_model"
    # and A's key on B's host is not a principal there
    resp = api_client(t, key=t.admin_key).post(URL, {"stores": [1, 2], "weeks": weeks[:1]}, format="json",
                                               HTTP_HOST=tenant_b.host)
    assert resp.status_code == 401
    assert _uses(t) == before and count_rows(tenant_b, SimulationUse) == 0


def test_restricted_analyst_with_one_foreign_store_in_the_list_is_denied(sim, monkeypatch):
    from forecasting.models import Store
    from forecasting.services import simulations
    from tenants.models import Tenant

    t, weeks = sim["t"], sim["weeks"]
    _clear_uses(t)
    Tenant.objects.filter(pk=t.tenant.pk).update(plan="pro")  # store scopes are a Pro feature
    t.tenant.plan = "pro"
    try:
        with in_tenant(t):
            Store.objects.bulk_create([Store(number=s, type="A", size=1000) for s in (1, 2, 3)], ignore_conflicts=True)
        owner = api_client(t, key=t.admin_key)
        member = add_member(t, "analyst")
        assert owner.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [1, 3]}, format="json").status_code == 200
        client = api_client(t, user=member)
        mine = client.post(URL, {"stores": [1, 3], "weeks": weeks[:1]}, format="json")
        assert mine.status_code == 200, mine.content
        assert sorted(r["store"] for r in mine.json()["stores"]) == [1, 3]
        computed = []
        monkeypatch.setattr(simulations, "simulate_many", lambda *a, **k: computed.append(1) or {})
        before = _uses(t)
        other = client.post(URL, {"stores": [1, STORE, 3], "weeks": weeks[:1]}, format="json")
        unknown = client.post(URL, {"stores": [1, 77], "weeks": weeks[:1]}, format="json")
        single = client.post(URL, {"store": STORE, "weeks": weeks[:1]}, format="json")
        assert other.status_code == unknown.status_code == single.status_code == 404
        assert other.json()["error"] == single.json()["error"]  # the same answer as the single-store path
        assert unknown.json()["error"]["code"] == "store_not_found"
        assert computed == [] and _uses(t) == before  # nothing computed, nothing counted
    finally:
        Tenant.objects.filter(pk=t.tenant.pk).update(plan="free")
        t.tenant.plan = "free"
        _clear_uses(t)
