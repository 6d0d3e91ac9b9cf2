"""``GET /api/v1/series/?q=`` (issue 20 item 3): the Forecast page's "Find a series" asks the server as one
types instead of listing every series. Results in the workspace's codes and words, their order and limit,
the 400s, and who may read what: another tenant's principals, a role without ``forecasts.view``, a
store-restricted analyst and key."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.audit import Actor
from accounts.models import ApiKey, User
from accounts.roles import PERMISSIONS, Role
from accounts.scope_services import api_key_set_stores, member_set_stores
from forecasting.api.catalog import SeriesSearchView
from forecasting.models import DataSettings, Item, Location, SalesRecord
from tests.conftest import add_key, add_member, api_client, in_tenant, web_client

START = date(2012, 1, 6)
# id: (code, name, attributes); ids are what the Forecast page's ?store= / ?dept= take
LOCATIONS = {1: ("1", "", {"type": "A"}), 2: ("2", "", {"type": "B"}), 12: ("12", "Quito Norte", {"type": "A"}),
             21: ("21", "", {"type": "B"})}
ITEMS = {1: ("1", ""), 18: ("18", "Dairy"), 81: ("81", ""), 7: ("A_18x", "Bread")}
# the series with sales; the catalogue's other pairs (e.g. location 12, item 18) have none and are never found
SOLD = [(1, 1), (1, 18), (2, 18), (12, 1), (12, 81), (21, 18), (21, 7), (2, 7)]


def _seed(t, *, locations=LOCATIONS, items=ITEMS, sold=SOLD) -> None:
    with in_tenant(t):
        Location.objects.bulk_create([Location(id=i, code=c, name=n, attrs=a) for i, (c, n, a) in locations.items()])
        Item.objects.bulk_create([Item(id=i, code=c, name=n) for i, (c, n) in items.items()])
        SalesRecord.objects.bulk_create([SalesRecord(store=s, dept=d, date=START + timedelta(weeks=w), sales=100.0)
                                         for s, d in sold for w in range(3)])


def _owner(t):
    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _pairs(resp) -> list[tuple[int, int]]:
    assert resp.status_code == 200, resp.content
    return [(r["store"], r["dept"]) for r in resp.json()["results"]]


@pytest.fixture
def seeded(tenant):
    _seed(tenant)
    return tenant


def test_results_in_the_workspaces_codes_and_words(seeded):
    client = api_client(seeded, key=seeded.admin_key)
    body = client.get("/api/v1/series/", {"q": "18"}).json()
    assert body["results"][0] == {"store": 1, "dept": 18, "location": "1", "item": "18", "location_name": None,
                                  "item_name": "Dairy", "label": "Store 1 · Department 18"}
    # the exact item code first (by location, numbers by value), then codes containing it; never a pair without sales
    assert _pairs(client.get("/api/v1/series/", {"q": "18"})) == [(1, 18), (2, 18), (21, 18), (2, 7), (21, 7)]
    with in_tenant(seeded):
        DataSettings.objects.update_or_create(pk=1, defaults={"location_word": "Shop", "item_word": "Product"})
    labels = [r["label"] for r in client.get("/api/v1/series/", {"q": "quito"}).json()["results"]]
    assert labels == ["Shop 12 · Product 1", "Shop 12 · Product 81"]


def test_matches_codes_and_names_case_insensitively_and_literally(seeded):
    client = api_client(seeded, key=seeded.admin_key)
    assert _pairs(client.get("/api/v1/series/", {"q": "QUITO no"})) == [(12, 1), (12, 81)]  # a location's name
    assert _pairs(client.get("/api/v1/series/", {"q": "dairy"})) == [(1, 18), (2, 18), (21, 18)]  # an item's name
    assert _pairs(client.get("/api/v1/series/", {"q": " a_18X "})) == [(2, 7), (21, 7)]  # spaces aside
    # LIKE's wildcards are plain characters: "_" only matches a code with one, "%" nothing
    assert _pairs(client.get("/api/v1/series/", {"q": "_"})) == [(2, 7), (21, 7)]
    assert _pairs(client.get("/api/v1/series/", {"q": "%"})) == []
    assert _pairs(client.get("/api/v1/series/", {"q": "nothing like it"})) == []


def test_two_words_find_a_location_and_an_item_in_either_order(seeded):
    client = api_client(seeded, key=seeded.admin_key)
    assert _pairs(client.get("/api/v1/series/", {"q": "quito 81"})) == [(12, 81)]
    assert _pairs(client.get("/api/v1/series/", {"q": "dairy 21"})) == [(21, 18)]  # the item's word first
    assert _pairs(client.get("/api/v1/series/", {"q": "bread 1"})) == [(21, 7)]  # "1" in 21's code; 1 has no bread


def test_order_exact_code_then_prefix_then_the_rest_and_limit(seeded):
    client = api_client(seeded, key=seeded.admin_key)
    ranked = [(1, 1), (1, 18), (12, 1),  # location "1" or item "1"
              (2, 18), (12, 81), (21, 18),  # a code starting with "1"
              (2, 7), (21, 7)]  # "1" elsewhere in a code
    assert _pairs(client.get("/api/v1/series/", {"q": "1"})) == ranked
    assert _pairs(client.get("/api/v1/series/", {"q": "1", "limit": 3})) == ranked[:3]
    assert _pairs(client.get("/api/v1/series/", {"q": "1", "limit": 50})) == ranked


def test_at_most_twenty_by_default(tenant):
    _seed(tenant, locations={s: (str(s), "", {}) for s in range(1, 31)}, items={5: ("5", "")},
          sold=[(s, 5) for s in range(1, 31)])
    client = api_client(tenant, key=tenant.admin_key)
    # every series has the exact item code "5": the first 20 locations' (numbers by value)
    assert _pairs(client.get("/api/v1/series/", {"q": "5"})) == [(s, 5) for s in range(1, 21)]


@pytest.mark.parametrize("query, field", [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "   "}, "q"), ({"q": "x" * 101}, "q"),
    ({"q": "1", "limit": 0}, "limit"), ({"q": "1", "limit": 51}, "limit"), ({"q": "1", "limit": "ten"}, "limit"),
])
def test_bad_queries_are_400_in_the_error_format(seeded, query, field):
    resp = api_client(seeded, key=seeded.admin_key).get("/api/v1/series/", query)
    assert resp.status_code == 400, resp.content
    error = resp.json()["error"]
    assert error["code"] == "validation_error" and set(error["details"]) == {field}
    assert error["message"].startswith(f"{field}: ")


def test_missing_or_empty_q_says_what_to_send(seeded):
    client = api_client(seeded, key=seeded.admin_key)
    assert client.get("/api/v1/series/").json()["error"]["message"] == "q: Send part of a code or name to search for."
    assert client.get("/api/v1/series/", {"q": " "}).json()["error"]["message"] == \
        "q: Send at least 1 character (spaces do not count)."


def test_another_tenants_principals_read_nothing_of_its_series(tenant, tenant_b):
    _seed(tenant)
    _seed(tenant_b, locations={1: ("B-ONLY", "Secret shop", {})}, items={1: ("SECRET-ITEM", "")}, sold=[(1, 1)])
    clients_of_a = {"api_key": lambda: api_client(tenant, key=tenant.admin_key),
                    "session": lambda: api_client(tenant, user=_owner(tenant))}
    for credential, client_of_a in clients_of_a.items():
        resp = client_of_a().get("/api/v1/series/", {"q": "secret"}, HTTP_HOST=tenant_b.host)
        assert resp.status_code in (401, 403, 404), (credential, resp.content)
        assert set(resp.json()) == {"error"}
        assert "B-ONLY" not in resp.content.decode() and "Secret" not in resp.content.decode()
        assert _pairs(client_of_a().get("/api/v1/series/", {"q": "secret"})) == []  # A has no such series
        assert _pairs(client_of_a().get("/api/v1/series/", {"q": "18"}))  # and reads its own
    assert _pairs(api_client(tenant_b, key=tenant_b.admin_key).get("/api/v1/series/", {"q": "secret"})) == [(1, 1)]


def test_forecasts_view_decides_who_reads(seeded, monkeypatch):
    assert SeriesSearchView.permissions_map == {"GET": "forecasts.view"}
    viewer = add_member(seeded, "viewer")
    viewer_key = add_key(seeded, "viewer")
    assert api_client(seeded).get("/api/v1/series/", {"q": "1"}).status_code == 401
    assert _pairs(api_client(seeded, user=viewer).get("/api/v1/series/", {"q": "18"}))  # every role reads forecasts
    # a role without forecasts.view (none has it today: the matrix taken away from viewers) is refused
    monkeypatch.setitem(PERMISSIONS, "forecasts.view", frozenset({Role.OWNER, Role.ADMIN, Role.ANALYST}))
    for client in (api_client(seeded, user=viewer), api_client(seeded, key=viewer_key)):
        resp = client.get("/api/v1/series/", {"q": "18"})
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "permission_denied", resp.content
        assert "Dairy" not in resp.content.decode()
    assert _pairs(api_client(seeded, key=seeded.admin_key).get("/api/v1/series/", {"q": "18"}))


def test_store_restricted_principals_get_their_stores_series_only(seeded):
    analyst = add_member(seeded, "analyst")
    regional = add_key(seeded, "analyst", name="regional")
    with in_tenant(seeded):
        member_set_stores(actor=Actor.system(), user_id=analyst.pk, stores=[1, 12])
        api_key_set_stores(actor=Actor.system(), key_id=ApiKey.objects.get(name="regional").pk, stores=[21])
    client = api_client(seeded, user=analyst)
    assert _pairs(client.get("/api/v1/series/", {"q": "18"})) == [(1, 18)]
    # location "2" is not hers: "2" finds store 12's series only (not store 2's nor store 21's)
    assert _pairs(client.get("/api/v1/series/", {"q": "2"})) == [(12, 1), (12, 81)]
    assert _pairs(client.get("/api/v1/series/", {"q": "bread"})) == []  # sold in stores 2 and 21 only
    key = api_client(seeded, key=regional)
    assert _pairs(key.get("/api/v1/series/", {"q": "18"})) == [(21, 18), (21, 7)]
    assert _pairs(key.get("/api/v1/series/", {"q": "quito"})) == []  # store 12's name
    assert len(_pairs(api_client(seeded, key=add_key(seeded, "analyst")).get("/api/v1/series/", {"q": "18"}))) == 5


def test_attribute_filters_narrow_as_on_the_page(seeded):
    client = api_client(seeded, key=seeded.admin_key)
    assert _pairs(client.get("/api/v1/series/", {"q": "18", "location.type": "A"})) == [(1, 18)]
    assert _pairs(client.get("/api/v1/series/", {"q": "18", "location.type": "Z"})) == []
    assert _pairs(client.get("/api/v1/series/", {"q": "18", "location.type": ""})) == _pairs(
        client.get("/api/v1/series/", {"q": "18"}))  # "All": an empty value filters nothing


def test_forecast_page_lists_no_series_and_points_to_the_search(seeded):
    html = web_client(seeded, user=_owner(seeded)).get("/forecasts/?store=1&dept=18").content.decode()
    assert 'id="series-search"' in html and "/api/v1/series/?" in html
    assert "<datalist" not in html and "Store 21 · Department A_18x" not in html
