"""Issue 18 item 5, through the real worker: a daily retailer announces a product in its items file with a
launch date inside the horizon and no sale yet. The training's run forecasts it in every store from that day
on, as its peers sell there (the median of their mixture), with status ``new``; the Forecast page says so,
without drivers; a refresh keeps it; once it sells, it is an ordinary series again. A store announced in the
stores file with an opening date gets the same items' forecast as they sell in the other stores, from that
day on, with status ``new``."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecasting.models import ForecastPoint, ForecastRun, Item, Location
from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.forecasting.services.test_periodic_worker import _csv, _train
from tests.support.data import upload, wait_job
from tests.support.periodic_data import SKUS, STORES, daily_export

pytestmark = [pytest.mark.worker, pytest.mark.slow]
NEW_SKU, NEW_STORE, H = "C-300", "BER-03", 14


def test_an_announced_product_is_forecast_from_its_launch_day(celery_worker_proc):
    t = provision("launch", plan="enterprise")
    raw = daily_export()
    assert upload(t, _csv(raw), "till.csv", timeout=300)["status"] == "succeeded"
    last = pd.Timestamp(raw["date"].max())
    launch = last + pd.Timedelta(days=5)
    items = pd.DataFrame({"sku": [*SKUS, NEW_SKU], "category": ["Bakery", "Bakery", "Bakery"],
                          "launch_date": ["", "", str(launch.date())]})
    client = api_client(t, key=t.admin_key)
    mapping = {"columns": {"sku": "item", "category": "item.category", "launch_date": "item.launch_date"}}
    resp = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile("products.csv", _csv(items)),
                                            "mapping": json.dumps(mapping)}, format="multipart")
    assert resp.status_code == 202, resp.content[:500]
    assert wait_job(t, resp.json()["job"]["id"], 120)["status"] == "succeeded"

    opening = last + pd.Timedelta(days=3)
    shops = pd.DataFrame({"store": [*STORES, NEW_STORE], "region": ["Berlin", "Berlin", "Hamburg", "Berlin"],
                          "opening_date": ["", "", "", str(opening.date())]})
    mapping = {"columns": {"store": "location", "region": "location.region", "opening_date": "location.opening_date"}}
    resp = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile("stores.csv", _csv(shops)),
                                            "mapping": json.dumps(mapping)}, format="multipart")
    assert resp.status_code == 202 and wait_job(t, resp.json()["job"]["id"], 120)["status"] == "succeeded"

    _train(t, horizon=H, windows=2)
    with in_tenant(t):
        new_id = Item.objects.get(code=NEW_SKU).pk
        run = ForecastRun.objects.get(kind="train")
        points = pd.DataFrame(ForecastPoint.objects.filter(run=run).values("store", "dept", "date", "forecast",
                                                                            "lo80", "hi80", "status"))
        stores = dict(Location.objects.values_list("id", "code"))
        store_id = Location.objects.get(code=NEW_STORE).pk
    points["date"] = pd.to_datetime(points["date"])
    opened = points[points["store"] == store_id]
    points = points[points["store"] != store_id]
    new = points[points["dept"] == new_id]
    assert run.status_counts.get("new") == len(STORES) + len(SKUS) and (new["status"] == "new").all()
    # the announced store: each product as it sells in the other stores (fewer than 5 in its region: all of them)
    assert (opened["status"] == "new").all() and opened["dept"].nunique() == len(SKUS)
    assert opened["date"].min() == opening and opened["date"].max() == last + pd.Timedelta(days=H)
    assert len(opened) == len(SKUS) * (H - 2)
    span = points.groupby(["dept", "date"])["forecast"].agg(["min", "max"]).loc[
        pd.MultiIndex.from_frame(opened[["dept", "date"]])]
    assert ((opened["forecast"].to_numpy() >= span["min"].to_numpy() - 1e-9)
            & (opened["forecast"].to_numpy() <= span["max"].to_numpy() + 1e-9)).all()
    assert sorted({stores[s] for s in new["store"]}) == sorted(STORES)
    assert new["date"].min() == launch and new["date"].max() == last + pd.Timedelta(days=H)
    assert len(new) == len(STORES) * (H - 4)  # a closed Sunday too: 0, as its peers
    peers = points[points["dept"] != new_id].groupby(["store", "date"])["forecast"].agg(["min", "max"])
    mine = new.set_index(["store", "date"])["forecast"]
    span = peers.loc[mine.index]  # as its peers sell, store by store and day by day
    assert ((mine >= span["min"] - 1e-9) & (mine <= span["max"] + 1e-9)).all()
    selling = new[new["forecast"] > 0]
    assert len(selling) >= len(STORES) * (H - 6) and ((selling["hi80"] - selling["lo80"]) > 0).all()

    store = int(new["store"].iloc[0])
    analyst = web_client(t, user=add_member(t, "analyst"))
    page = analyst.get(f"/forecasts/?store={store}&dept={new_id}")
    body = page.content.decode()
    assert page.status_code == 200 and "status-new" in body and "not sold yet" in body and 'id="drivers"' not in body
    body = analyst.get(f"/forecasts/?store={store_id}&dept={int(opened['dept'].iloc[0])}").content.decode()
    assert "status-new" in body and "not open yet" in body and "sells in similar stores" in body

    # its first sales in one store make it an ordinary series there; the other stores keep its peers' forecast
    first = pd.DataFrame({"store": STORES[0], "sku": NEW_SKU, "date": [str((launch + pd.Timedelta(days=k)).date())
                                                                   for k in range(3)], "units": [5, 6, 7]})
    later = daily_export(days=440, end=str((launch + pd.Timedelta(days=2)).date()))
    later = later[pd.to_datetime(later["date"]) > last]
    assert upload(t, _csv(pd.concat([later, first])), "till-2.csv", timeout=300)["status"] == "succeeded"
    resp = client.post("/api/v1/forecasts/refresh/", {}, format="json")
    assert resp.status_code == 202 and wait_job(t, resp.json()["job"]["id"], 300)["status"] == "succeeded"
    with in_tenant(t):
        refreshed = ForecastRun.objects.get(kind="refresh")
        codes = {v: k for k, v in Location.objects.values_list("id", "code")}
        statuses = dict(ForecastPoint.objects.filter(run=refreshed, dept=new_id).values_list("store", "status")
                        .distinct())
    # the announced store now gets the product too: as it sells in the store that sells it
    assert statuses == {codes[s]: "modelled" if s == STORES[0] else "new" for s in [*STORES, NEW_STORE]}, statuses

