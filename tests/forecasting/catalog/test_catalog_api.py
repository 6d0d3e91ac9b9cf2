"""Issue 17: the catalogue in the retailer's codes (``/api/v1/locations/``,
``/items/``) and the data settings (``/api/v1/workspace/data-settings/``):
answers, filters, the store scope, bad input named by field, the audit event."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from accounts.models import AuditEvent
from forecasting.models import DataSettings, Item, Location, SalesRecord
from forecasting.services.catalog import catalog_register
from tests.conftest import add_key, add_member, api_client, in_tenant, provision

STORES = pd.DataFrame({"store": [1, 2, 3], "type": ["A", "B", "A"], "size": [151315, 202307, 37392],
                       "name": [None, "Downtown", None], "latitude": [None, 40.7, None],
                       "longitude": [None, -74.0, None]})


def _sales(rows):
    return pd.DataFrame(rows, columns=["store", "dept", "date", "sales", "is_holiday"]).astype(
        {"date": "datetime64[ns]"})


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """Stores 1-3 (types A, B, A); store 1 sells departments 1 and 2, store 2
    department 2, store 3 department 9; an analyst restricted to store 1."""
    with django_db_blocker.unblock():
        t = provision("catalog")
        rows = [(1, 1, date(2012, 1, 6), 10.0, False), (1, 2, date(2012, 1, 13), 5.0, False),
                (2, 2, date(2012, 1, 6), 7.0, False), (3, 9, date(2012, 2, 3), 1.0, False)]
        with in_tenant(t):
            SalesRecord.objects.bulk_create([SalesRecord(store=s, dept=d, date=w, sales=v, is_holiday=h)
                                             for s, d, w, v, h in rows])
            catalog_register(kind="sales", frame=_sales(rows))
            catalog_register(kind="stores", frame=STORES)
        owner = add_member(t, "owner")
        analyst = add_member(t, "analyst")
        resp = api_client(t, user=owner).put(f"/api/v1/members/{analyst.pk}/stores/", {"stores": [1]},
                                             format="json")
        assert resp.status_code == 200, resp.content
    return t, owner, analyst


def test_locations_carry_codes_attributes_and_coverage(shop):
    t, owner, _ = shop
    body = api_client(t, user=owner).get("/api/v1/locations/").json()
    assert body["count"] == 3 and [r["code"] for r in body["results"]] == ["1", "2", "3"]
    second = body["results"][1]
    assert second["name"] == "Downtown" and second["store"] == 2
    assert second["attributes"] == {"type": "B", "size": 202307, "latitude": 40.7, "longitude": -74.0}
    assert body["results"][0]["series"] == 2 and body["results"][0]["first_period"] == "2012-01-06"
    assert body["results"][0]["last_period"] == "2012-01-13"
    assert body["attributes"]["type"] == ["A", "B"]


def test_location_filters_search_and_pages(shop):
    t, owner, _ = shop
    client = api_client(t, user=owner)
    assert [r["code"] for r in client.get("/api/v1/locations/", {"location.type": "a"}).json()["results"]] == ["1", "3"]
    assert [r["code"] for r in client.get("/api/v1/locations/", {"q": "downt"}).json()["results"]] == ["2"]
    page = client.get("/api/v1/locations/", {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3 and [r["code"] for r in page["results"]] == ["3"] and page["previous"]
    one = client.get("/api/v1/locations/3/").json()
    assert one["code"] == "3" and one["attributes"]["size"] == 37392
    missing = client.get("/api/v1/locations/BER-01/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "location_not_found"


def test_items_list_where_they_sell(shop):
    t, owner, _ = shop
    client = api_client(t, user=owner)
    body = client.get("/api/v1/items/").json()
    assert [(r["code"], r["series"], r["dept"]) for r in body["results"]] == [("1", 1, 1), ("2", 2, 2), ("9", 1, 9)]
    assert client.get("/api/v1/items/9/").json()["first_period"] == "2012-02-03"


def test_a_restricted_member_sees_her_locations_and_the_items_sold_there(shop):
    t, _, analyst = shop
    client = api_client(t, user=analyst)
    assert [r["code"] for r in client.get("/api/v1/locations/").json()["results"]] == ["1"]
    items = client.get("/api/v1/items/").json()["results"]
    assert [(r["code"], r["series"]) for r in items] == [("1", 1), ("2", 1)]  # item 2: her store only
    for path in ("/api/v1/locations/2/", "/api/v1/items/9/"):  # outside: answered as unknown
        assert client.get(path).status_code == 404
    assert client.get("/api/v1/locations/", {"location.type": "B"}).json()["count"] == 0


def test_another_workspaces_catalogue_is_not_reachable(shop):
    t, _, _ = shop
    other = provision("catalog-b")
    with in_tenant(other):
        Location.objects.create(id=44, code="BER-01")
    own = api_client(t, key=t.admin_key)
    assert own.get("/api/v1/locations/BER-01/").status_code == 404
    assert api_client(other, key=t.admin_key).get("/api/v1/locations/").status_code == 401


def test_data_settings_words_country_and_audit(shop):
    t, owner, _ = shop
    client = api_client(t, user=owner)
    before = client.get("/api/v1/workspace/data-settings/").json()
    assert before["frequency"] == "W-FRI" and before["words"]["locations"] == "Stores"
    assert before["holiday_weight"] == 5.0 and before["legacy_keys"] is True
    resp = client.patch("/api/v1/workspace/data-settings/", {"country": "us", "subdivision": "CA",
                                                               "item_word": "Category",
                                                               "item_word_plural": "Categories"}, format="json")
    assert resp.status_code == 200, resp.content
    after = resp.json()
    assert (after["country"], after["subdivision"], after["words"]["items"]) == ("US", "CA", "Categories")
    with in_tenant(t):
        event = AuditEvent.objects.filter(action="data_settings.update").latest("id")
    assert event.payload == {"country": "US", "subdivision": "CA", "item_word": "Category",
                             "item_word_plural": "Categories"}
    # what GET answered goes back unchanged (read-only fields ignored): nothing changes, nothing audited
    again = client.patch("/api/v1/workspace/data-settings/", after, format="json")
    assert again.status_code == 200 and again.json()["words"] == after["words"]
    with in_tenant(t):
        assert AuditEvent.objects.filter(action="data_settings.update").count() == 1
    # another country drops the old subdivision
    assert client.patch("/api/v1/workspace/data-settings/", {"country": "EC"},
                        format="json").json()["subdivision"] == ""


@pytest.mark.parametrize("body, field, reason", [
    ({"country": "XX"}, "country", "not a country code"),
    ({"country": "US", "subdivision": "P"}, "subdivision", "not a subdivision of US"),
    ({"location_word": ""}, "location_word", "must not be empty"),
    ({"measure_unit": "x" * 13}, "measure_unit", "at most 12"),
    ({"frequency_guess": "D"}, "frequency_guess", "Unknown field"),
    ({"materiality_floor": "lots"}, "materiality_floor", "a number of the measure's unit per week"),
    ({"frequency": "W-XYZ"}, "frequency", "D (daily), W-MON .. W-SUN (weeks ending on that day) or MS"),
    ({"holiday_weight": 0.5}, "holiday_weight", "from 1 (no extra weight) to 100"),
    ({"holiday_weight": True}, "holiday_weight", "how much a holiday period weighs"),
    ({"holiday_weight": "heavy"}, "holiday_weight", "how much a holiday period weighs"),
])
def test_bad_settings_name_the_field_and_change_nothing(shop, body, field, reason):
    t, owner, _ = shop
    client = api_client(t, user=owner)
    before = client.get("/api/v1/workspace/data-settings/").json()
    resp = client.patch("/api/v1/workspace/data-settings/", body, format="json")
    assert resp.status_code == 400, resp.content
    err = resp.json()["error"]
    assert err["code"] == "validation_error" and reason in " ".join(err["details"][field])
    assert client.get("/api/v1/workspace/data-settings/").json() == before


def test_analysts_and_their_keys_read_the_settings_but_do_not_change_them(shop):
    t, _, analyst = shop
    for client in (api_client(t, user=analyst), api_client(t, key=add_key(t, "analyst"))):
        assert client.get("/api/v1/workspace/data-settings/").status_code == 200
        assert client.patch("/api/v1/workspace/data-settings/", {"location_word": "Shop"},
                            format="json").status_code == 403
    admin = api_client(t, user=add_member(t, "admin"))
    assert admin.patch("/api/v1/workspace/data-settings/", {"measure_unit": "€"}, format="json").status_code == 200


def test_register_is_idempotent_and_keeps_what_a_later_stores_file_leaves_out(shop):
    t, _, _ = shop
    with in_tenant(t):
        catalog_register(kind="sales", frame=_sales([(2, 2, date(2012, 1, 6), 7.0, False)]))
        catalog_register(kind="stores", frame=STORES.assign(name=None, latitude=None, longitude=None)
                         .iloc[[1]])
        assert Location.objects.count() == 3 and Item.objects.count() == 3
        second = Location.objects.get(id=2)
        assert second.name == "Downtown" and second.attrs["latitude"] == 40.7
        assert DataSettings.objects.get(pk=1).frequency == "W-FRI"  # set by the first sales only


def test_pages_speak_the_workspaces_words_and_admins_set_them_on_the_settings_page(shop):
    from tests.conftest import web_client

    t, owner, analyst = shop
    web = web_client(t, owner)
    resp = web.post("/data/settings/", {"location_word": "Shop", "location_word_plural": "Shops",
                                        "item_word": "Aisle", "item_word_plural": "Aisles", "measure_word": "Sales",
                                        "measure_unit": "$", "country": "DE", "subdivision": "BY"})
    assert resp.status_code == 302, resp.content[:500]
    page = web.get("/stores/").content.decode()
    assert ">Shops<" in page and ">Aisles<" in page  # the menu and the heading
    assert "DE, BY" in web.get("/data/settings/").content.decode()
    bad = web.post("/data/settings/", {"country": "DE", "subdivision": "TX"})
    assert bad.status_code == 400 and "not a subdivision of DE" in bad.content.decode()
    reader = web_client(t, analyst)
    assert "DE, BY" in reader.get("/data/settings/").content.decode()
    assert 'id="data-settings-form"' not in reader.get("/data/settings/").content.decode()
    assert reader.post("/data/settings/", {"location_word": "X"}).status_code == 403
    api_client(t, user=owner).patch("/api/v1/workspace/data-settings/", {
        "location_word": "Store", "location_word_plural": "Stores", "item_word": "Department",
        "item_word_plural": "Departments"}, format="json")


def test_saved_layouts_are_renamed_remapped_and_forgotten_by_admins(shop):
    from forecasting.models import Layout
    from tests.support.targets import saved_layout

    t, owner, analyst = shop
    layout = saved_layout(t)
    client = api_client(t, user=owner)
    listed = client.get("/api/v1/workspace/layouts/").json()
    mine = next(r for r in listed["results"] if r["id"] == layout.pk)
    assert mine["kind"] == "sales" and mine["header"] == ["Filiale", "Woche", "Umsatz"] and mine["uses"] == 0
    bad = client.put("/api/v1/workspace/layouts/", {"results": [
        {"id": layout.pk, "mapping": {"columns": {"Filiale": "location", "Woche": "date"}}}]}, format="json")
    assert bad.status_code == 400 and "Umsatz" in " ".join(bad.json()["error"]["details"]["0.mapping.columns"])
    renamed = client.put("/api/v1/workspace/layouts/", {"results": [{"id": layout.pk, "name": "Till export"}]},
                         format="json")
    assert next(r for r in renamed.json()["results"] if r["id"] == layout.pk)["name"] == "Till export"
    assert api_client(t, user=analyst).put("/api/v1/workspace/layouts/", {"results": []},
                                           format="json").status_code == 403
    gone = client.put("/api/v1/workspace/layouts/", {"results": [{"id": layout.pk, "delete": True}]}, format="json")
    assert gone.status_code == 200 and layout.pk not in [r["id"] for r in gone.json()["results"]]
    with in_tenant(t):
        assert not Layout.objects.filter(pk=layout.pk).exists()
        actions = list(AuditEvent.objects.filter(action__startswith="layout.").values_list("action", flat=True))
    assert sorted(actions) == ["layout.delete", "layout.update"]
    missing = client.put("/api/v1/workspace/layouts/", {"results": [{"id": 999999, "name": "x"}]}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "layout_not_found"


def test_sales_answer_codes_and_take_them_as_filters(shop):
    t, owner, analyst = shop
    client = api_client(t, user=owner)
    rows = client.get("/api/v1/sales/", {"location": "1"}).json()["results"]
    assert {(r["store"], r["location"], r["item"]) for r in rows} == {(1, "1", "1"), (1, "1", "2")}
    assert client.get("/api/v1/sales/", {"location": "BER-01"}).json()["count"] == 0  # unknown: nothing
    assert client.get("/api/v1/sales/", {"item": "9"}).json()["results"][0]["store"] == 3
    csv_head = b"".join(client.get("/api/v1/sales/", {"format": "csv"}).streaming_content).decode().splitlines()[0]
    assert csv_head == "Store,Dept,Date,Weekly_Sales,IsHoliday"  # Walmart's layout: as it always was
    # a restricted member: another store's code answers like an unknown one
    assert api_client(t, user=analyst).get("/api/v1/sales/", {"location": "2"}).json()["count"] == 0
    missing = client.get("/api/v1/forecasts/", {"location": "1"})  # no item named, and items exist
    assert missing.status_code == 400 and "dept" in missing.json()["error"]["details"]


def test_train_says_how_to_fit_a_short_history_and_is_disabled_without_sales(shop):
    """Issue 19 item 10: 'not enough history' with the fix; Train not clickable with no data."""
    from django.db import connection

    from tests.conftest import web_client

    t, owner, _ = shop  # its sales span 5 weeks
    connection.set_schema_to_public()  # the fixture's last request left the tenant's schema set
    empty = provision("no-sales")
    resp = api_client(t, user=owner).post("/api/v1/models/train/", {"horizon": 13, "backtest_windows": 4},
                                          format="json")
    err = resp.json()["error"]
    assert resp.status_code == 400 and err["code"] == "not_enough_data"
    assert "upload at least 33 weeks of sales" in err["message"] and err["details"]["max_backtest_windows"] == 0
    page = web_client(empty, user=add_member(empty, "analyst")).get("/models/").content.decode()
    assert "disabled" in page and 'id="train-needs-data"' in page
    assert 'id="train-needs-data"' not in web_client(t, user=owner).get("/models/").content.decode()


def test_the_holiday_weight_is_a_setting_the_next_training_reads(shop):
    """Issue 17 item 4: holiday periods keep their weight in the error measure, a workspace setting."""
    from forecasting.services import training

    t, owner, _ = shop
    client = api_client(t, user=owner)
    resp = client.patch("/api/v1/workspace/data-settings/", {"holiday_weight": 2.5}, format="json")
    assert resp.status_code == 200 and resp.json()["holiday_weight"] == 2.5
    with in_tenant(t):
        assert training.data_settings().holiday_weight == 2.5  # what _train_locked passes to TrainConfig
    assert client.patch("/api/v1/workspace/data-settings/", {"holiday_weight": 5}, format="json").status_code == 200
