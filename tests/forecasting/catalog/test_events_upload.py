"""Issue 17 item 4, through the product with a real worker: an events file in Favorita's layout is
recognised and stored (national, regional and local scopes; a transferred day counts on the day it moved
to; a work day is not an event); the country it names becomes the workspace's when it has none, and that
country's public holidays join the events the engine reads; a scope naming no location or attribute value
is kept and reported; the same file again changes nothing; a bad date is named by line and column and
nothing is stored."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.conftest import add_key, add_member, api_client, in_tenant, provision, web_client
from tests.support.data import upload

pytestmark = pytest.mark.worker

STORES = b"""store_nbr,city,state,type,cluster
1,Quito,Pichincha,D,13
2,Quito,Pichincha,D,13
3,Manta,Manabi,A,5
4,Guayaquil,Guayas,B,6
"""
HEADER = "date,type,locale,locale_name,description,transferred\n"
EVENTS = (HEADER + """2024-01-01,Holiday,National,Ecuador,Primer dia del ano,False
2024-01-13,Work Day,National,Ecuador,Recupero puente,False
2024-03-04,Holiday,Local,Manta,Fundacion de Manta,False
2024-04-25,Holiday,Regional,Pichincha,Fiesta de Pichincha,False
2024-10-09,Holiday,Local,Guayaquil,Independencia de Guayaquil,True
2024-10-11,Transfer,Local,Guayaquil,Traslado Independencia de Guayaquil,False
2024-06-01,Event,Local,Atlantis,Fiesta de Atlantis,False
""").encode()


def test_an_events_file_is_stored_and_feeds_the_engines_holidays(celery_worker_proc):
    from accounts.models import AuditEvent
    from forecasting.models import Event
    from forecasting.selectors.events import training_events

    t = provision("events")
    client = api_client(t, key=t.admin_key)
    assert upload(t, STORES, "stores.csv")["status"] == "succeeded"
    first = upload(t, EVENTS, "holidays_events.csv")
    assert (first["status"], first["kind"], first["layout"]) == ("succeeded", "events", "favorita_holidays"), first
    assert first["inserted"] == 5  # 7 rows: the transferred day and the work day are not events
    assert any("country is now EC" in w for w in first["warnings"]), first["warnings"]
    assert any("Atlantis" in w and "apply nowhere" in w for w in first["warnings"]), first["warnings"]
    assert client.get("/api/v1/workspace/data-settings/").json()["country"] == "EC"
    with in_tenant(t):
        audited = AuditEvent.objects.filter(action="data_settings.update").latest("id")
        assert audited.payload == {"country": "EC", "from_upload": first["id"]}
    with in_tenant(t):
        stored = {(e.date, e.name): e.scope for e in Event.objects.all()}
        assert stored[(date(2024, 1, 1), "Primer dia del ano")] == "national"  # "Ecuador" is the country
        assert stored[(date(2024, 10, 11), "Traslado Independencia de Guayaquil")] == "Guayaquil"
        assert (date(2024, 10, 9), "Independencia de Guayaquil") not in stored
        assert not any(d == date(2024, 1, 13) for d, _ in stored)
        days = training_events(pd.DataFrame({"date": pd.to_datetime(["2024-01-07", "2024-12-29"])}))
    national = set(days.loc[days["store"].isna(), "date"].dt.date)
    assert date(2024, 1, 1) in national
    assert date(2024, 2, 12) in national  # Carnaval: Ecuador's public holidays from the holidays library
    assert date(2024, 11, 28) not in national  # no Thanksgiving in Ecuador
    local = days[days["store"].notna()].assign(store=lambda d: d["store"].astype(int))
    by_day = local.groupby(local["date"].dt.date)["store"].apply(set)
    assert by_day[date(2024, 3, 4)] == {3}  # Manta's store
    assert by_day[date(2024, 4, 25)] == {1, 2}  # Pichincha's stores
    assert by_day[date(2024, 10, 11)] == {4}
    assert date(2024, 6, 1) not in by_day  # Atlantis: no such place

    again = upload(t, EVENTS, "holidays_again.csv")
    assert (again["status"], again["inserted"], again["updated"], again["unchanged"]) == ("succeeded", 0, 0, 5)
    bad = upload(t, (HEADER + "2024-02-30,Holiday,National,Ecuador,Dia malo,False\n").encode(), "bad.csv")
    assert bad["status"] == "failed" and bad["errors"][0]["line"] == 2 and bad["errors"][0]["column"] == "date", bad
    with in_tenant(t):
        assert Event.objects.count() == 5
    page = web_client(t, user=add_member(t, "viewer")).get("/data/settings/").content.decode()
    assert "5 uploaded (1 national" in page and "EC: their public holidays mark holiday periods" in page


def test_an_analyst_may_not_set_the_country_and_a_restricted_key_may_not_upload_events(celery_worker_proc):
    from forecasting.models import Event
    from forecasting.selectors.events import workspace_events

    t = provision("events-roles")
    assert upload(t, STORES, "stores.csv")["status"] == "succeeded"
    analyst = upload(t, EVENTS, "holidays_events.csv", key=add_key(t, "analyst"))
    assert analyst["status"] == "succeeded" and analyst["inserted"] == 5, analyst  # "Ecuador": kept as written
    assert any("an admin can set it in Data settings" in w for w in analyst["warnings"]), analyst["warnings"]
    assert api_client(t, key=t.admin_key).get("/api/v1/workspace/data-settings/").json()["country"] == ""
    owner = api_client(t, key=t.admin_key)
    created = owner.post("/api/v1/api-keys/", {"name": "regional", "role": "analyst"}, format="json").json()
    assert owner.put(f"/api/v1/api-keys/{created['id']}/stores/", {"stores": [1]},
                     format="json").status_code == 200
    refused = upload(t, EVENTS, "more_events.csv", key=created["key"])
    assert refused["status"] == "failed" and "applies to every store" in refused["errors"][0]["reason"], refused
    with in_tenant(t):
        assert Event.objects.count() == 5
        assert Event.objects.get(name="Primer dia del ano").scope == "Ecuador"
    # once an admin sets the country, the events scoped to its name are national for the engine
    assert owner.patch("/api/v1/workspace/data-settings/", {"country": "EC"}, format="json").status_code == 200
    with in_tenant(t):
        events = workspace_events(first_year=2024, last_year=2024)
    assert list(events.loc[events["name"] == "Primer dia del ano", "scope"]) == ["national"]
