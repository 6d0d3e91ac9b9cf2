"""Issue 17, acceptance 3 (its weekly part) on the real Favorita files through the API, with a real
worker: the stores file is recognised (no mapping sent) and its city, state, type and cluster become
location attributes; the daily transactions are refused with the next step while the workspace has no
weekly frequency (daily planning needs the daily engine, issue 18), then summed into weeks ending on
Sunday once one is set: every store's weekly total equals the sum of its open days, closed days are not
zeros. The holidays file is recognised and stored: a training marks Ecuador's holiday weeks (not Walmart's)
and each regional or local event's weeks for its stores only."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecasting.ml.artifact import load_artifact
from tests.conftest import FAVORITA_DIR, add_member, api_client, in_tenant, provision, web_client
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.favorita, pytest.mark.worker]


def test_favorita_loads_through_the_api_by_itself(celery_worker_proc):
    from forecasting.models import Location, ModelVersion, SalesRecord

    t = provision("favorita", plan="enterprise")
    client = api_client(t, key=t.admin_key)
    stores = upload(t, FAVORITA_DIR / "stores.csv")
    assert stores["status"] == "succeeded" and stores["layout"] == "favorita_stores", stores
    raw_stores = pd.read_csv(FAVORITA_DIR / "stores.csv", dtype=str)
    quito = client.get("/api/v1/locations/", {"location.city": "Quito"}).json()
    assert quito["count"] == 18 and quito["results"][0]["attributes"]["state"] == "Pichincha"
    assert set(quito["attributes"]) == {"city", "state", "type", "cluster"}

    daily = upload(t, FAVORITA_DIR / "transactions.csv")
    assert daily["status"] == "failed" and "set a weekly planning frequency" in daily["errors"][0]["reason"]
    with in_tenant(t):
        assert not SalesRecord.objects.exists()
    assert client.patch("/api/v1/workspace/data-settings/", {"frequency": "W-SUN", "country": "EC"},
                        format="json").status_code == 200
    weekly = upload(t, FAVORITA_DIR / "transactions.csv", timeout=600)
    assert weekly["status"] == "succeeded" and weekly["layout"] == "favorita_transactions", weekly

    raw = pd.read_csv(FAVORITA_DIR / "transactions.csv", parse_dates=["date"])
    raw["week"] = raw["date"] + pd.to_timedelta((6 - raw["date"].dt.weekday) % 7, unit="D")  # the Sunday
    expected = raw.groupby(["store_nbr", "week"])["transactions"].sum()
    with in_tenant(t):
        stored = pd.DataFrame(SalesRecord.objects.values_list("store", "dept", "date", "sales"),
                              columns=["store", "dept", "date", "sales"])
    assert stored["dept"].nunique() == 1  # the implicit item: Favorita has locations only
    got = stored.assign(date=pd.to_datetime(stored["date"])).set_index(["store", "date"])["sales"]
    assert len(got) == len(expected)
    assert (got.sort_index().to_numpy() == expected.sort_index().to_numpy()).all()
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
    assert (settings["frequency"], settings["country"], settings["legacy_keys"]) == ("W-SUN", "EC", False)

    # the holidays file (issue 17 item 4): national, regional and local events mark the engine's holiday weeks
    holidays = upload(t, FAVORITA_DIR / "holidays_events.csv")
    assert (holidays["status"], holidays["kind"], holidays["layout"]) == ("succeeded", "events", "favorita_holidays")
    raw_events = pd.read_csv(FAVORITA_DIR / "holidays_events.csv")
    observed = raw_events[~raw_events["transferred"] & (raw_events["type"] != "Work Day")]
    assert holidays["inserted"] == len(observed.drop_duplicates(["date", "description", "locale_name"]))
    job = client.post("/api/v1/models/train/", {"horizon": 6, "backtest_windows": 1}, format="json").json()["job"]
    assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
    with in_tenant(t):
        art = load_artifact(ModelVersion.objects.get(number=1).artifact_path)
        manta = [Location.objects.get(code=c).id for c in raw_stores.loc[raw_stores["city"] == "Manta", "store_nbr"]]
    periods = art.holiday_periods()
    assert date(2017, 3, 5) in periods  # Carnaval (27-28 February 2017), a national event
    assert date(2017, 12, 31) in periods  # Christmas, ahead
    assert date(2017, 11, 26) not in periods  # Thanksgiving's week: a holiday in Walmart's rule, not Ecuador's
    panel = art.panel
    week = list(panel.ext_dates.date).index(date(2013, 3, 3))  # Fundacion de Manta, Saturday 2 March 2013
    local = panel.local_hol[:, week]
    assert set(panel.stores[local]) == set(manta) and not panel.hol[week]
