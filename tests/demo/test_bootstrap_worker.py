"""Issue 17 item 7 with a real worker: the generated retailer (small) goes through the demo's own path
(demo/bootstrap.py: the uploads with their mappings, the workspace's words and daily frequency, then the
first training once the data is in), and the workspace serves daily forecasts of its products, read with
their price and promotion plan, in its own words; its simulator takes their levers; a week of new till
data is scored live, retrains it by the policy, and an admin rolls back."""
from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demo import retailer
from demo.bootstrap import demo_bootstrap, generated_demo
from forecasting.models import ForecastPoint, Item, Location, ModelEvaluation, ModelVersion, Scenario, Upload
from saas.storage import tenant_dir
from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.support.data import wait_evaluation, wait_job

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _wait(check, timeout: float = 600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("not done in time")


def _active(t, client, version):
    if version.status != "active":
        assert client.post(f"/api/v1/models/{version.pk}/promote/", {"reason": "simulate"},
                           format="json").status_code == 200


def test_the_generated_retailer_loads_and_trains_by_itself(db_access, celery_worker_proc, tmp_path):

    t = provision("retailer", plan="enterprise")
    files = retailer.generate(tmp_path, **retailer.SMALL)
    assert "demo data from" in demo_bootstrap(t.tenant, data=generated_demo(tmp_path))

    def trained():
        with in_tenant(t):
            return ModelVersion.objects.first()

    version = _wait(trained)
    with in_tenant(t):
        uploads = list(Upload.objects.values_list("original_filename", "status", "kind"))
        items = {i.code: i.attrs for i in Item.objects.exclude(code="all")}
        stores = {loc.code: loc.attrs for loc in Location.objects.all()}
        points = ForecastPoint.objects.filter(run__model_version=version)
        days = points.values("date").distinct().count()
        announced = [code for code, attrs in Item.objects.values_list("code", "attrs") if attrs.get("launch_date")]
        new = set(points.filter(status="new").values_list("dept", flat=True))
        new_codes = set(Item.objects.filter(pk__in=new).values_list("code", flat=True))
    assert {(n, s) for n, s, _ in uploads} == {(f"{n}.csv", "succeeded") for n in retailer.MAPPINGS}, uploads
    assert len(items) == retailer.SMALL["products"] and {a["category"] for a in items.values()} >= {"Dairy", "Bakery"}
    assert len(stores) == retailer.SMALL["stores"] and all("format" in a and "region" in a for a in stores.values())
    assert version.params["frequency"] == "D" and version.horizon == 28 and days == 28
    assert version.params["covariates"] == {"price": "known", "promo": "known"}
    assert version.params["assumed"] == {"price": 0, "promo": 0}  # the plan covers the horizon
    assert len(announced) == 1 and new_codes == set(announced)  # the product announced for the horizon: new
    client = api_client(t, key=t.admin_key)
    settings = client.get("/api/v1/workspace/data-settings/").json()
    assert settings["words"]["items"] == "Products" and settings["country"] == "DE"
    by_category = client.get("/api/v1/forecasts/aggregate/", {"level": "item.category", "key": "Dairy"})
    assert by_category.status_code == 200 and len(by_category.json()["points"]) == 28, by_category.content[:300]
    page = web_client(t, user=add_member(t, "viewer")).get("/").content.decode()
    assert "Products" in page

    # the simulator (issue 17 acceptance 4): a price lever by a percent and a promotion lever set to 1, in
    # units and money, through the API and the page; a bad lever is named
    _active(t, client, version)
    settings = client.get("/api/v1/workspace/data-settings/").json()
    assert settings["levers"] == ["price", "promo"]
    store = client.get("/api/v1/locations/").json()["results"][0]["code"]
    body = {"locations": [store], "periods": ["2026-11-30", "2026-12-01"], "levers": {"price": {"change_pct": -20}},
            "margin": 0.3}
    cut = client.post("/api/v1/simulations/", body, format="json")
    assert cut.status_code == 200, cut.content[:400]
    answer = cut.json()
    assert answer["engine"] == "periodic" and answer["periods"] == body["periods"] and answer["series"] > 1
    assert answer["locations"] == [store]
    assert answer["incremental_lo80"] < answer["incremental"] < answer["incremental_hi80"]

    with in_tenant(t):  # the grid is kept beside the model: the next process reads it, not the tables
        assert len(list(tenant_dir("models").glob("grid-*.npz"))) == 1
    assert answer["scenario"] > 1.2 * answer["baseline"] > 0  # a cheaper price sells more (elasticity about -2.5)
    money = answer["money"]
    assert money["incremental_revenue"] == pytest.approx(money["scenario_revenue"] - money["baseline_revenue"])
    # each unit earns 0.8 - 0.7 = 0.1 of the planned price instead of 0.3: the lift does not pay for the cut
    assert money["incremental_profit"] < 0 < money["baseline_profit"]
    assert money["scenario_profit"] == pytest.approx(money["scenario_revenue"] / 0.8 * 0.1, rel=1e-6)
    promo = client.post("/api/v1/simulations/", {**body, "levers": {"promo": {"value": 1}}, "name": "Promo days"},
                        format="json")
    assert promo.status_code == 201 and promo.json()["incremental"] > 0, promo.content[:400]
    with in_tenant(t):
        assert Scenario.objects.get(name="Promo days").inputs["levers"] == {"promo": {"value": 1}}
    bad = client.post("/api/v1/simulations/", {**body, "levers": {"footfall": {"value": 1}}}, format="json")
    assert bad.status_code == 400 and "levers.footfall" in bad.json()["error"]["details"]
    # only what the admin offers is a lever
    assert client.patch("/api/v1/workspace/data-settings/", {"levers": ["promo"]}, format="json").status_code == 200
    refused = client.post("/api/v1/simulations/", body, format="json")
    assert refused.status_code == 400 and "levers.price" in refused.json()["error"]["details"]

    web = web_client(t, user=add_member(t, "analyst"))
    page = web.get("/simulator/").content.decode()
    assert 'name="lever-promo-value"' in page and 'name="lever-price-value"' not in page and "ST-001" in page
    assert "<td>Promo days</td>" in page and "promo = 1" in page  # the scenario saved through the API is listed
    assert '<option value="all" selected>' in page  # every store by default
    ran = web.post("/simulator/run/", {"store": "all", "periods": body["periods"], "lever-promo-value": "1",
                                       "margin_pct": "30"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Incremental" in ran and "sim-error" not in ran, ran[:500]
    # many stores and products at once, typed (a catalogue of thousands is not a list): by attribute and code
    with in_tenant(t):
        north = Location.objects.filter(attrs__region="North").count()
        dairy = Item.objects.filter(attrs__category="Dairy").count()
    picked = web.post("/simulator/run/", {"store": "all", "locations": "region=North", "items": "category=Dairy",
                                          "periods": body["periods"], "lever-promo-value": "1", "margin_pct": "30"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert f"{north * dairy} series, 2 days" in picked and "sim-error" not in picked, picked[:500]
    unknown = web.post("/simulator/run/", {"store": "all", "items": "category=Dairy, SKU-NOPE", "periods": body["periods"],
                                           "lever-promo-value": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "sim-error" in unknown and "Products: no code or attribute value matches SKU-NOPE." in unknown
    assert 'list="item-picks"' in page and '<option value="category=Dairy">' in page

    # scope: an analyst restricted to one store simulates it, and no other (404 as if unknown); role: a
    # viewer runs what-ifs but cannot save them
    with in_tenant(t):
        ids = dict(Location.objects.values_list("code", "id"))
    own, other = sorted(ids)[:2]
    restricted = add_member(t, "analyst")
    assert client.put(f"/api/v1/members/{restricted.pk}/stores/", {"stores": [ids[own]]},
                      format="json").status_code == 200
    mine = api_client(t, user=restricted)
    promo_body = {**body, "levers": {"promo": {"value": 1}}}
    assert mine.post("/api/v1/simulations/", {**promo_body, "locations": [own]}, format="json").status_code == 200
    denied = mine.post("/api/v1/simulations/", {**promo_body, "locations": [other]}, format="json")
    assert denied.status_code == 404 and denied.json()["error"]["code"] == "store_not_found"
    viewer = api_client(t, user=add_member(t, "viewer"))
    assert viewer.post("/api/v1/simulations/", promo_body, format="json").status_code == 200
    assert viewer.post("/api/v1/simulations/", {**promo_body, "name": "x"}, format="json").status_code == 403

    # monitoring, retraining and rollback on the retailer's own data (issue 17 acceptance 4): a week of new
    # till data (its last week's rows, a week later) is scored live day by day, counts as one whole new week
    # for the retraining policy, which retrains with the champion's 28 days; an admin rolls back to v1
    policy = {"on_new_data": True, "min_new_weeks": 1, "cooldown_hours": 0}
    assert client.put("/api/v1/retraining-policy/", policy, format="json").status_code == 200
    sales = pd.read_csv(files["sales"], sep=";", decimal=",", parse_dates=["date"])
    last = sales["date"].max()
    week = sales[sales["date"] > last - pd.Timedelta(days=7)].assign(date=lambda f: f["date"] + pd.Timedelta(days=7))
    body = week.to_csv(sep=";", decimal=",", index=False, date_format="%Y-%m-%d").encode()
    sent = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile("till-next-week.csv", body),
                                            "mapping": json.dumps(retailer.MAPPINGS["sales"])}, format="multipart")
    assert sent.status_code == 202, sent.content[:300]
    assert wait_job(t, sent.json()["job"]["id"])["status"] == "succeeded"
    assert wait_evaluation(t, sent.json()["id"])["status"] == "succeeded"
    with in_tenant(t):
        version.refresh_from_db()
        scored = ModelEvaluation.objects.filter(model_version=version).latest("evaluated_at")
    assert [st["step"] for st in scored.per_step] == list(range(1, 8)) and scored.rows == len(week)
    monitoring = client.get("/api/v1/monitoring/").json()
    assert monitoring["live_accuracy"]["model_version"] == version.number and monitoring["live_accuracy"]["wape"] > 0
    decision = monitoring["retraining"]["last_decision"]
    assert decision["outcome"] == "triggered" and "1 new week" in decision["reason"], decision
    assert wait_job(t, decision["job"], timeout=600)["status"] == "succeeded"
    with in_tenant(t):
        v2 = ModelVersion.objects.get(number=version.number + 1)
    assert v2.periodic and v2.horizon == 28 and v2.data_end == (last + pd.Timedelta(days=7)).date()
    if v2.status != "active":
        assert client.post(f"/api/v1/models/{v2.pk}/promote/", {"reason": "try it"}, format="json").status_code == 200
    back = client.post(f"/api/v1/models/{version.pk}/rollback/", {"reason": "back to the first"}, format="json")
    assert back.status_code == 200 and back.json()["status"] == "active", back.content[:300]
