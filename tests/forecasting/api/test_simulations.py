"""Issue 9, page 5 (promotion simulator) through POST /api/v1/simulations/:
acceptance 4 (planned markdowns give zero; the answer equals the model's
response computed directly from forecasting/ml/), the plan's simulations per
day, errors naming the field, named scenarios (audited) and their list."""
from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import add_member, api_client, in_tenant, provision
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
