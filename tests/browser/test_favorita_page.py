"""Issue 17 acceptance 3 on the real Favorita files, through the API and in a real browser, with the real
worker; one workspace, since loading and training 54 stores by day is the suite's longest work.

The stores file goes through the API and is recognised (no mapping sent): its city, state, type and cluster
become location attributes. The daily transactions and the holidays file go through the Data page one after
the other and are recognised too (nobody maps a column): the workspace becomes daily and Ecuadorian (the
holidays file names the country), each store's open days are stored as they are (a closed day has no row,
never a zero), and the regional and local events are resolved to their stores only. The owner trains from
the Models page for 42 days: every store is forecast, the error measure weighs Ecuador's holiday days, and
the pages show the stores by city, state, type and cluster and a store by day, at 1440 and 390 px."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecasting.models import ForecastPoint, Location, ModelVersion, SalesRecord
from forecasting.selectors.periodic import periodic_inputs
from tests.conftest import FAVORITA_DIR, add_member, api_client, in_tenant, provision, web_client
from tests.support.browser import login
from tests.support.data import upload

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow, pytest.mark.favorita]


def _no_sideways_scroll(page, url: str) -> None:
    """The page opened on a phone (390 px wide) fits the screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, url
    page.set_viewport_size({"width": 1440, "height": 900})


def _upload_on_the_data_page(page, live_server_proc, t, name: str) -> None:
    page.goto(live_server_proc.url(t, "/data/"))
    page.set_input_files("#upload-form input[name=file]", str(FAVORITA_DIR / name))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status [data-status=succeeded], #upload-status [data-status=failed], "
                           "#upload-status [data-status=needs_mapping]", timeout=600000)
    status = page.get_attribute("#upload-status [data-status]", "data-status")
    assert status == "succeeded", (name, page.inner_text("#upload-status"))


def _stored_rows_are_the_files(t) -> None:
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


def _events_have_their_scope(t) -> None:
    raw_stores = pd.read_csv(FAVORITA_DIR / "stores.csv", dtype=str)
    with in_tenant(t):
        inputs = periodic_inputs()
        manta = {str(Location.objects.get(code=c).id)
                 for c in raw_stores.loc[raw_stores["city"] == "Manta", "store_nbr"].astype(str)}
    events = inputs.events.assign(date=pd.to_datetime(inputs.events["date"]))
    fundacion = events[events["date"] == pd.Timestamp(date(2013, 3, 2))]  # Fundacion de Manta, a local event
    assert set(fundacion["location"]) == manta
    carnaval = events[events["date"] == pd.Timestamp(date(2017, 2, 27))]  # national: every store
    assert carnaval["location"].nunique() == 54


def test_favorita_is_recognised_and_trained_by_day(live_server_proc, page, celery_worker_proc, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("favorita", plan="enterprise")
    client = api_client(t, key=t.admin_key)
    stores = upload(t, FAVORITA_DIR / "stores.csv")
    assert stores["status"] == "succeeded" and stores["layout"] == "favorita_stores", stores
    quito = client.get("/api/v1/locations/", {"location.city": "Quito"}).json()
    assert quito["count"] == 18 and quito["results"][0]["attributes"]["state"] == "Pichincha"
    assert set(quito["attributes"]) == {"city", "state", "type", "cluster"}

    login(page, live_server_proc, t)
    _upload_on_the_data_page(page, live_server_proc, t, "transactions.csv")
    _stored_rows_are_the_files(t)
    _upload_on_the_data_page(page, live_server_proc, t, "holidays_events.csv")
    listed_uploads = client.get("/api/v1/uploads/").json()["results"]
    holidays = next(u for u in listed_uploads if u["original_filename"] == "holidays_events.csv")
    assert (holidays["status"], holidays["kind"], holidays["layout"]) == ("succeeded", "events", "favorita_holidays")
    raw_events = pd.read_csv(FAVORITA_DIR / "holidays_events.csv")
    observed = raw_events[~raw_events["transferred"] & (raw_events["type"] != "Work Day")]
    assert holidays["inserted"] == len(observed.drop_duplicates(["date", "description", "locale_name"]))
    _events_have_their_scope(t)
    settings = client.get("/api/v1/workspace/data-settings/").json()
    assert (settings["frequency"], settings["country"], settings["legacy_keys"]) == ("D", "EC", False)
    page.goto(live_server_proc.url(t, "/data/settings/"))
    assert page.inner_text("#frequency").startswith("Daily (D)")
    assert page.inner_text("#holidays").startswith("EC")

    # the stores by city, state, type and cluster (issue 17 item 6): groups of the Stores table and page
    listed = client.get("/api/v1/stores/").json()
    groups = {g["attribute"]: g["rows"] for g in listed["groups"]}
    assert list(groups) == ["city", "cluster", "state", "type"]  # in name order
    assert {r["value"]: r["members"] for r in groups["city"]}["Quito"] == 18
    assert sum(r["members"] for r in groups["cluster"]) == 54 and len(groups["cluster"]) == 17
    assert groups["state"][0]["sales_ytd"] >= groups["state"][-1]["sales_ytd"]  # ranked by the measure
    by_type = client.get("/api/v1/dashboard/").json()["by_store_type"]  # the Dashboard's card, from the attribute
    assert {r["type"] for r in by_type} == {"A", "B", "C", "D", "E"} and sum(r["stores"] for r in by_type) == 54
    viewer = web_client(t, user=add_member(t, "viewer")).get("/stores/").content.decode()
    assert 'href="/stores/"' in viewer and 'href="/departments/"' not in viewer  # store traffic: no item pages

    page.goto(live_server_proc.url(t, "/models/"))
    assert page.get_attribute("#train-form input[name=horizon]", "max") == "182"
    page.fill("#train-form input[name=horizon]", "42")
    page.fill("#train-form input[name=backtest_windows]", "1")
    page.click("#train-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#versions tbody tr a') !== null", timeout=900000)
    row = page.inner_text("#versions tbody tr >> nth=0")
    assert "v1" in row and "42 days" in row, row
    with in_tenant(t):
        version = ModelVersion.objects.get(number=1)
        points = pd.DataFrame(ForecastPoint.objects.filter(run__model_version=version).values("store", "date"))
        quito_store = Location.objects.filter(attrs__city="Quito").order_by("code").first()
    assert version.params["frequency"] == "D" and version.metrics[version.chosen]["holiday"]["n"] > 0
    assert points["store"].nunique() == 54 and (points.groupby("store")["date"].nunique() == 42).all()
    assert points["date"].min() == date(2017, 7, 1)

    page.goto(live_server_proc.url(t, "/stores/"))
    text = page.inner_text("main")
    assert all(f"Stores by {a}" in text for a in ("city", "state", "type", "cluster")), text[:500]
    assert "Quito" in text and "Pichincha" in text
    _no_sideways_scroll(page, live_server_proc.url(t, "/stores/"))
    page.goto(live_server_proc.url(t, f"/stores/{quito_store.pk}/"))
    detail = page.inner_text("main")
    assert quito_store.code in detail and "Quito" in detail
    _no_sideways_scroll(page, live_server_proc.url(t, f"/stores/{quito_store.pk}/"))
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []
