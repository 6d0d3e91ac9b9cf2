"""Issue 17, acceptance 3, on the real Favorita files through the API, with a real worker: the stores file
is recognised (no mapping sent) and its city, state, type and cluster become location attributes; the daily
transactions are recognised too and make the workspace daily: each store's open days are stored as they are
(a closed day has no row, never a zero). The holidays file is recognised and stored, its regional and local
events resolved to their stores only; a training forecasts every store for 42 days, its error measure
weighing Ecuador's holiday days."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecasting.selectors.periodic import periodic_inputs
from tests.conftest import FAVORITA_DIR, add_member, api_client, in_tenant, provision, web_client
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.favorita, pytest.mark.worker]


def test_favorita_loads_through_the_api_by_itself(celery_worker_proc):
    from forecasting.models import ForecastPoint, Location, ModelVersion, SalesRecord

    t = provision("favorita", plan="enterprise")
    client = api_client(t, key=t.admin_key)
    stores = upload(t, FAVORITA_DIR / "stores.csv")
    assert stores["status"] == "succeeded" and stores["layout"] == "favorita_stores", stores
    raw_stores = pd.read_csv(FAVORITA_DIR / "stores.csv", dtype=str)
    quito = client.get("/api/v1/locations/", {"location.city": "Quito"}).json()
    assert quito["count"] == 18 and quito["results"][0]["attributes"]["state"] == "Pichincha"
    assert set(quito["attributes"]) == {"city", "state", "type", "cluster"}

    daily = upload(t, FAVORITA_DIR / "transactions.csv", timeout=600)
    assert daily["status"] == "succeeded" and daily["layout"] == "favorita_transactions", daily
    assert client.patch("/api/v1/workspace/data-settings/", {"country": "EC"}, format="json").status_code == 200

    raw = pd.read_csv(FAVORITA_DIR / "transactions.csv", parse_dates=["date"])
    expected = raw.set_index(["store_nbr", "date"])["transactions"].sort_index()
    with in_tenant(t):
        stored = pd.DataFrame(SalesRecord.objects.values_list("store", "dept", "date", "sales"),
                              columns=["store", "dept", "date", "sales"])
        codes = dict(Location.objects.values_list("id", "code"))
    assert stored["dept"].nunique() == 1  # the implicit item: Favorita has locations only
    got = stored.assign(store_nbr=stored["store"].map(codes).astype(int), date=pd.to_datetime(stored["date"]))
    got = got.set_index(["store_nbr", "date"])["sales"].sort_index()
    assert len(got) == len(expected) and (got.index == expected.index).all()  # closed days: no rows
    assert (got.to_numpy() == expected.to_numpy()).all()
    # the stores by city, state, type and cluster (issue 17 item 6): groups of the Stores table and page
    listed = client.get("/api/v1/stores/").json()
    groups = {g["attribute"]: g["rows"] for g in listed["groups"]}
    assert list(groups) == ["city", "cluster", "state", "type"]  # in name order
    assert {r["value"]: r["members"] for r in groups["city"]}["Quito"] == 18
    assert sum(r["members"] for r in groups["cluster"]) == 54 and len(groups["cluster"]) == 17
    assert groups["state"][0]["sales_ytd"] >= groups["state"][-1]["sales_ytd"]  # ranked by the measure
    by_type = client.get("/api/v1/dashboard/").json()["by_store_type"]  # the Dashboard's card, from the attribute
    assert {r["type"] for r in by_type} == {"A", "B", "C", "D", "E"} and sum(r["stores"] for r in by_type) == 54
    page = web_client(t, user=add_member(t, "viewer")).get("/stores/").content.decode()
    assert all(f"Stores by {a}" in page for a in ("city", "state", "type", "cluster"))
    assert 'href="/stores/"' in page and 'href="/departments/"' not in page  # store traffic: no item pages
    settings = client.get("/api/v1/workspace/data-settings/").json()
    assert (settings["frequency"], settings["country"], settings["legacy_keys"]) == ("D", "EC", False)

    # the holidays file (issue 17 item 4): national, regional and local events mark the engine's holiday weeks
    holidays = upload(t, FAVORITA_DIR / "holidays_events.csv")
    assert (holidays["status"], holidays["kind"], holidays["layout"]) == ("succeeded", "events", "favorita_holidays")
    raw_events = pd.read_csv(FAVORITA_DIR / "holidays_events.csv")
    observed = raw_events[~raw_events["transferred"] & (raw_events["type"] != "Work Day")]
    assert holidays["inserted"] == len(observed.drop_duplicates(["date", "description", "locale_name"]))
    with in_tenant(t):
        inputs = periodic_inputs()
        manta = {str(Location.objects.get(code=c).id)
                 for c in raw_stores.loc[raw_stores["city"] == "Manta", "store_nbr"].astype(str)}
    events = inputs.events.assign(date=pd.to_datetime(inputs.events["date"]))
    fundacion = events[events["date"] == pd.Timestamp(date(2013, 3, 2))]  # Fundacion de Manta, a local event
    assert set(fundacion["location"]) == manta
    carnaval = events[events["date"] == pd.Timestamp(date(2017, 2, 27))]  # national: every store
    assert carnaval["location"].nunique() == 54
    job = client.post("/api/v1/models/train/", {"horizon": 42, "backtest_windows": 1}, format="json").json()["job"]
    assert wait_job(t, job["id"], timeout=900)["status"] == "succeeded"
    with in_tenant(t):
        version = ModelVersion.objects.get(number=1)
        points = pd.DataFrame(ForecastPoint.objects.filter(run__model_version=version).values("store", "date"))
    assert version.params["frequency"] == "D" and version.metrics[version.chosen]["holiday"]["n"] > 0
    assert points["store"].nunique() == 54 and (points.groupby("store")["date"].nunique() == 42).all()
    assert points["date"].min() == date(2017, 7, 1)
