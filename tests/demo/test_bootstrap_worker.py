"""Issue 17 item 7 with a real worker: the generated retailer (small) goes through the demo's own path
(demo/bootstrap.py: the uploads with their mappings, the workspace's words and daily frequency, then the
first training once the data is in), and the workspace serves daily forecasts of its products, read with
their price and promotion plan, in its own words."""
from __future__ import annotations

import time

import pytest

from demo import retailer
from demo.bootstrap import demo_bootstrap, generated_demo
from tests.conftest import add_member, api_client, in_tenant, provision, web_client

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _wait(check, timeout: float = 600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("not done in time")


def test_the_generated_retailer_loads_and_trains_by_itself(db_access, celery_worker_proc, tmp_path):
    from forecasting.models import ForecastPoint, Item, Location, ModelVersion, Upload

    t = provision("retailer", plan="enterprise")
    retailer.generate(tmp_path, **retailer.SMALL)
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
    assert {(n, s) for n, s, _ in uploads} == {(f"{n}.csv", "succeeded") for n in retailer.MAPPINGS}, uploads
    assert len(items) == retailer.SMALL["products"] and {a["category"] for a in items.values()} >= {"Dairy", "Bakery"}
    assert len(stores) == retailer.SMALL["stores"] and all("format" in a and "region" in a for a in stores.values())
    assert version.params["frequency"] == "D" and version.horizon == 28 and days == 28
    assert version.params["covariates"] == {"price": "known", "promo": "known"}
    assert version.params["assumed"] == {"price": 0, "promo": 0}  # the plan covers the horizon
    client = api_client(t, key=t.admin_key)
    settings = client.get("/api/v1/workspace/data-settings/").json()
    assert settings["words"]["items"] == "Products" and settings["country"] == "DE"
    by_category = client.get("/api/v1/forecasts/aggregate/", {"level": "item.category", "key": "Dairy"})
    assert by_category.status_code == 200 and len(by_category.json()["points"]) == 28, by_category.content[:300]
    page = web_client(t, user=add_member(t, "viewer")).get("/").content.decode()
    assert "Products" in page
