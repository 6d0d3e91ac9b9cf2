"""Issue 9, pages 2-3: the Stores and Departments API and pages. Acceptance 3
(each growth figure equals the one computed by hand over the same series set),
the fields of the API contract, the store scope (a restricted member sees only
her stores; another store is a 404, a department sums only her stores), and
the web routes' roles and cross-tenant denial."""
from __future__ import annotations

import statistics
from datetime import timedelta

import pytest
from django.utils.html import escape

from accounts.models import User
from forecasting.web.explanations import EXPLANATIONS
from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.support import stores_seed as seed

MINE = {1, 2}
FIGURES = {"sales_ytd", "sales_ytd_like_for_like", "sales_last_year_like_for_like", "growth", "series",
           "forecast_13w", "forecast_like_for_like", "forecast_last_year", "forecast_change", "accuracy_wape",
           "backtest_wape", "volatility", "live_abs_error", "live_abs_actual"}


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    from accounts.audit import Actor
    from accounts.scope_services import member_set_stores

    with django_db_blocker.unblock():
        t = provision("stores")
        seed.seed(t)
        restricted = add_member(t, "viewer")
        with in_tenant(t):
            member_set_stores(actor=Actor.system(), user_id=restricted.pk, stores=sorted(MINE))
    return t, restricted


def _owner_api(t):
    return api_client(t, key=t.admin_key)


def _by(rows, key):
    return {r[key]: r for r in rows}


def _cv(values):
    return statistics.stdev(values) / statistics.mean(values)


def test_store_list_fields_and_like_for_like(shop):
    t, _ = shop
    body = _owner_api(t).get("/api/v1/stores/").json()
    assert body["periods"] == {"ytd_start": "2012-01-01", "ytd_end": "2012-03-02", "last_year_start": "2011-01-02",
                               "last_year_end": "2011-03-04", "history_start": "2011-01-07"}
    assert body["run"]["origin"] == "2012-03-02" and body["run"]["model_version"] == 1
    rows = _by(body["results"], "store")
    assert set(rows) == {1, 2, 3, 4} and body["count"] == 4
    for r in rows.values():
        assert {"store", "type", "size"} | FIGURES <= set(r)
    assert (rows[2]["type"], rows[2]["size"]) == ("B", 90000)
    for s in (1, 2, 3):
        assert rows[s]["sales_ytd"] == pytest.approx(seed.ytd_by_hand(stores={s}))
        assert rows[s]["growth"] == pytest.approx(seed.growth_by_hand(stores={s}))
        assert rows[s]["forecast_change"] == pytest.approx(seed.forecast_change_by_hand(stores={s}))
        assert rows[s]["accuracy_wape"] == pytest.approx(seed.wape_by_hand(stores={s}))
        totals = {}
        for (st, _d, w), v in seed.SALES.items():
            if st == s and w > seed.LAST - timedelta(days=364):
                totals[w] = totals.get(w, 0.0) + v
        assert rows[s]["volatility"] == pytest.approx(_cv(list(totals.values())))
    # store 3's new department sells this year only: in its sales, not in its growth (like for like)
    naive = seed.ytd_by_hand(stores={3}) / sum(v for (s, d, w), v in seed.SALES.items()
                                               if s == 3 and seed.LAST_YEAR[0] <= w <= seed.LAST_YEAR[1]) - 1
    assert rows[3]["growth"] != pytest.approx(naive)
    assert rows[3]["sales_ytd_like_for_like"] < rows[3]["sales_ytd"]
    # a store of the stores file without sales is listed, with empty figures
    assert rows[4]["sales_ytd"] == 0.0 and rows[4]["growth"] is None and rows[4]["forecast_13w"] is None


def test_department_list_like_for_like(shop):
    t, _ = shop
    rows = _by(_owner_api(t).get("/api/v1/departments/").json()["results"], "dept")
    assert set(rows) == {1, 2, 3}
    for d in rows:
        assert rows[d]["growth"] == pytest.approx(seed.growth_by_hand(depts={d}))
        assert rows[d]["forecast_change"] == pytest.approx(seed.forecast_change_by_hand(depts={d}))
        assert rows[d]["sales_ytd"] == pytest.approx(seed.ytd_by_hand(depts={d}))
    assert rows[1]["stores"] == 3 and rows[3]["stores"] == 1


def test_store_detail(shop):
    t, _ = shop
    body = _owner_api(t).get("/api/v1/stores/1/").json()
    assert body["store"] == 1 and body["type"] == "A" and body["size"] == 150000
    assert body["figures"]["growth"] == pytest.approx(seed.growth_by_hand(stores={1}))
    hist = {h["date"]: h for h in body["history"]}
    assert hist["2012-03-02"]["sales"] == pytest.approx(sum(v for (s, d, w), v in seed.SALES.items()
                                                            if s == 1 and w == seed.LAST))
    assert hist["2012-03-02"]["last_year"] == pytest.approx(hist["2011-03-04"]["sales"])
    # the stored aggregate, with its bands
    assert len(body["forecast"]) == 13 and body["forecast"][0]["lo80"] == 1.0 and body["forecast"][0]["hi95"] == 3.0
    depts = body["departments"]
    assert [r["dept"] for r in depts] == sorted((1, 2), key=lambda d: -seed.ytd_by_hand(stores={1}, depts={d}))
    for r in depts:
        assert r["growth"] == pytest.approx(seed.growth_by_hand(stores={1}, depts={r["dept"]}))
    cov = {c["date"]: c for c in body["covariates"]}
    assert cov["2012-01-06"]["markdown1"] == 2500.0 and cov["2012-01-06"]["temperature"] == 43.0


def test_the_growth_card_names_the_periods_it_compares_like_for_like(shop):
    """Issue 19: the card stated a like-for-like base beside a total year to date; it now states both sides'
    periods and sums, over the same series (store 1's two departments sold in both)."""
    t, _ = shop
    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
    html = web_client(t, user=owner).get("/stores/1/").content.decode()
    label = html[html.index('id="growth-label">'):]
    label = label[:label.index("</div>")]
    assert "Growth, like for like: " in label and "no comparison" not in label
    assert '<span class="nowrap">(2012-01-01 to 2012-03-02)</span> vs ' in label
    assert '<span class="nowrap">(2011-01-02 to 2011-03-04)</span>, the same weeks a year earlier, over the same series' in label
    assert f"${seed.ytd_by_hand(stores={1}):,.0f}" in label


def test_department_detail(shop):
    t, _ = shop
    body = _owner_api(t).get("/api/v1/departments/2/").json()
    assert body["dept"] == 2
    assert body["figures"]["growth"] == pytest.approx(seed.growth_by_hand(depts={2}))
    assert {r["store"] for r in body["stores"]} == {1, 2, 3}
    for r in body["stores"]:
        assert r["growth"] == pytest.approx(seed.growth_by_hand(stores={r["store"]}, depts={2}))
    heat = body["heatmap"]
    assert heat["stores"] == [1, 2, 3] and len(heat["weeks"]) == 52 and heat["weeks"][-1] == "2012-03-02"
    i = heat["weeks"].index("2012-02-03")
    assert heat["sales"][0][i] is None  # the missing week of store 1's department 2
    assert heat["sales"][1][-1] == pytest.approx(seed.SALES[(2, 2, seed.LAST)])
    assert body["forecast"][0]["lo80"] is None  # no stored aggregate of dept 2: the sum of its series
    assert _owner_api(t).get("/api/v1/departments/1/").json()["forecast"][0]["hi80"] == 2.0  # stored, with bands


def test_unknown_store_and_department_are_404(shop):
    t, _ = shop
    client = _owner_api(t)
    for path, code in (("/api/v1/stores/99/", "store_not_found"), ("/api/v1/departments/99/", "department_not_found")):
        resp = client.get(path)
        assert resp.status_code == 404 and resp.json()["error"]["code"] == code


def test_store_scope(shop):
    t, restricted = shop
    client = api_client(t, user=restricted)
    stores = client.get("/api/v1/stores/").json()["results"]
    assert {r["store"] for r in stores} == MINE
    assert client.get("/api/v1/stores/2/").status_code == 200
    resp = client.get("/api/v1/stores/3/")  # another store: the same answer as an unknown one
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "store_not_found"
    assert client.get("/api/v1/stores/4/").status_code == 404
    depts = _by(client.get("/api/v1/departments/").json()["results"], "dept")
    assert set(depts) == {1, 2}  # department 3 sells in store 3 only
    for d in depts:  # summed over her stores only
        assert depts[d]["sales_ytd"] == pytest.approx(seed.ytd_by_hand(stores=MINE, depts={d}))
        assert depts[d]["growth"] == pytest.approx(seed.growth_by_hand(stores=MINE, depts={d}))
    assert client.get("/api/v1/departments/3/").status_code == 404
    body = client.get("/api/v1/departments/1/").json()
    assert {r["store"] for r in body["stores"]} == MINE and body["heatmap"]["stores"] == sorted(MINE)
    # the stored department aggregate sums store 3 too: she gets the sum of her series instead
    first = seed.FORECAST_WEEKS[0]
    assert body["forecast"][0]["forecast"] == pytest.approx(sum(seed.forecast_value(s, 1, first) for s in MINE
                                                                if (s, 1) in seed.LIVE))
    assert body["forecast"][0]["lo80"] is None


# ------------------------------------------------------------------- pages
PAGES = ["/stores/", "/stores/1/", "/stores/4/", "/departments/", "/departments/1/"]  # store 4: no sales


@pytest.mark.parametrize("role", ["viewer", "analyst", "admin", "owner"])
def test_pages_for_every_role(shop, role):
    t, _ = shop
    client = web_client(t, user=add_member(t, role))
    for path in PAGES:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
    html = client.get("/stores/").content.decode()
    assert 'href="/stores/1/"' in html and "$" in html and 'id="stores-table"' in html
    assert f"{seed.ytd_by_hand(stores={1}):,.0f}" in html  # thousands separators
    assert 'href="/departments/"' in html  # the nav link
    assert 'id="no-sales"' in client.get("/stores/4/").content.decode()  # a store of the stores file, no sales yet
    for key in ("sales_ytd", "growth", "live_error", "backtest_error", "volatility"):  # issue 19: on hover
        assert f'title="{escape(EXPLANATIONS[key])}"' in html, key


def test_pages_refuse_anonymous_and_another_tenant(shop, django_db_blocker):
    t, _ = shop
    with django_db_blocker.unblock():
        other = provision("stores-b")
    with in_tenant(other):
        from accounts.models import User

        owner_b = User.objects.get(email=other.owner_email)
    for client in (web_client(t), web_client(other, user=owner_b)):
        for path in PAGES:
            resp = client.get(path, HTTP_HOST=t.host)
            assert resp.status_code == 302 and "/accounts/login/" in resp["Location"], (path, resp.status_code)


def test_pages_of_a_restricted_member(shop):
    t, restricted = shop
    client = web_client(t, user=restricted)
    html = client.get("/stores/").content.decode()
    assert 'data-store="1"' in html and 'data-store="2"' in html and 'data-store="3"' not in html
    assert client.get("/stores/3/").status_code == 404
    assert client.get("/departments/3/").status_code == 404
    assert client.get("/departments/1/").status_code == 200


def test_empty_states(django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("stores-empty")
    client = web_client(t, user=add_member(t, "analyst"))
    for path in ("/stores/", "/departments/"):
        html = client.get(path).content.decode()
        assert 'id="empty-state"' in html and 'href="/data/"' in html
    assert client.get("/stores/1/").status_code == 404
    assert _owner_api(t).get("/api/v1/stores/").json() == {"periods": None, "base_incomplete": False, "run": None,
                                                        "count": 0, "results": [],
                                                        "attribute_names": [], "groups": []}


# ------------------------------------------------------- stored snapshots
def test_tables_are_served_from_the_workers_snapshot_while_current(shop):
    from django.db.models import F

    from accounts.scope import StoreScope
    from forecasting.models import FiguresSnapshot
    from forecasting.selectors.stores import store_table
    from forecasting.services.figures import figures_snapshot_write
    from tenants.models import Tenant

    t, restricted = shop
    client = _owner_api(t)
    live_stores, live_depts = client.get("/api/v1/stores/").json(), client.get("/api/v1/departments/").json()
    live_stores.pop("groups"), live_depts.pop("groups")  # summed from the rows on read
    with in_tenant(t):
        figures_snapshot_write()
        assert FiguresSnapshot.objects.get(kind="stores").data == live_stores
        assert FiguresSnapshot.objects.get(kind="departments").data == live_depts
        # mark the stored table, to see which one a request serves
        snap = FiguresSnapshot.objects.get(kind="stores")
        snap.data = {**snap.data, "results": snap.data["results"][:1]}
        snap.save()
    assert client.get("/api/v1/stores/").json()["count"] == 4  # count kept, rows from the snapshot
    assert len(client.get("/api/v1/stores/").json()["results"]) == 1
    # a restricted member never gets the table of every store
    assert {r["store"] for r in api_client(t, user=restricted).get("/api/v1/stores/").json()["results"]} == MINE
    with in_tenant(t):  # new data: the snapshot is stale, the figures are computed on read
        Tenant.objects.filter(pk=t.tenant.pk).update(dataset_version=F("dataset_version") + 1)
        assert store_table(scope=StoreScope.all()) == live_stores
        FiguresSnapshot.objects.all().delete()
    assert {k: v for k, v in client.get("/api/v1/stores/").json().items() if k != "groups"} == live_stores


def test_dataset_summary_is_served_from_the_workers_snapshot_while_current(shop):
    """The Data page's and GET /api/v1/datasets/summary/'s figures (one pass over every sales row) are
    the worker's stored copy while the data is that it was computed from; computed on read otherwise and
    for a store-restricted member."""
    from django.db.models import F

    from forecasting.models import FiguresSnapshot
    from forecasting.services.figures import figures_snapshot_write
    from tenants.models import Tenant

    t, restricted = shop
    client = _owner_api(t)
    live = client.get("/api/v1/datasets/summary/").json()
    with in_tenant(t):
        figures_snapshot_write()
        snap = FiguresSnapshot.objects.get(kind="dataset")
        assert snap.data == live
        snap.data = {**snap.data, "total_sales": -1.0}  # marked, to see which copy a request serves
        snap.save()
    assert client.get("/api/v1/datasets/summary/").json()["total_sales"] == -1.0
    mine = api_client(t, user=restricted).get("/api/v1/datasets/summary/").json()
    assert mine["stores"] == len(MINE) and mine["total_sales"] > 0  # her stores, computed on read
    with in_tenant(t):  # new data: the stored copy is stale and is not served
        Tenant.objects.filter(pk=t.tenant.pk).update(dataset_version=F("dataset_version") + 1)
    fresh = client.get("/api/v1/datasets/summary/").json()
    assert fresh["total_sales"] == live["total_sales"] and fresh["dataset_version"] == live["dataset_version"] + 1
    with in_tenant(t):
        FiguresSnapshot.objects.all().delete()


@pytest.mark.worker
def test_worker_stores_the_tables_after_an_upload(celery_worker_proc, django_db_blocker):
    from forecasting.models import FiguresSnapshot
    from tests.support.data import upload

    with django_db_blocker.unblock():
        t = provision("stores-worker")
    content = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n" + b"".join(
        f"{s},1,{w.isoformat()},{100 * s + i},FALSE\n".encode()
        for s in (1, 2) for i, w in enumerate(seed.weeks(seed.FIRST, seed.LAST)))
    assert upload(t, content, "sales.csv")["status"] == "succeeded"
    live = _owner_api(t).get("/api/v1/stores/").json()
    live.pop("groups")  # summed from the rows on read
    import time

    deadline = time.monotonic() + 60  # the worker writes it right after marking the job done
    while time.monotonic() < deadline:
        with in_tenant(t):
            snap = FiguresSnapshot.objects.filter(kind="stores").first()
        if snap is not None:
            break
        time.sleep(0.2)
    assert snap is not None and snap.data == live


@pytest.mark.parametrize("kind,n", [("stores", 1), ("stores", 3), ("departments", 1), ("departments", 2)])
def test_a_pages_figures_equal_its_row_of_the_table(shop, kind, n):
    """The store (department) page sums its departments (stores): the same figures as its row of the table."""
    t, _ = shop
    client = _owner_api(t)
    key = "store" if kind == "stores" else "dept"
    row = _by(client.get(f"/api/v1/{kind}/").json()["results"], key)[n]
    figures = client.get(f"/api/v1/{kind}/{n}/").json()["figures"]
    assert set(figures) == FIGURES
    for field in FIGURES:
        assert figures[field] == pytest.approx(row[field]), field


@pytest.mark.parametrize("path", ["/api/v1/stores/99999999999999999999/", "/api/v1/departments/99999999999999999999/"])
def test_out_of_range_numbers_are_404(shop, path):
    t, _ = shop
    resp = _owner_api(t).get(path)
    assert resp.status_code == 404 and resp.json()["error"]["code"] in ("store_not_found", "department_not_found")
    assert web_client(t, user=add_member(t, "viewer")).get(path.replace("/api/v1", "")).status_code == 404


def test_item_attributes_group_filter_and_show_on_the_item_page(django_db_setup, django_db_blocker):
    """Issue 17 item 6 on the item side: a category of the departments groups the Departments table, filters it,
    and shows on a department's page with a link to the filtered table."""
    from forecasting.models import Item

    with django_db_blocker.unblock():
        t = provision("items")
        seed.seed(t)
        with in_tenant(t):
            depts = sorted({d for _, d in seed.SERIES})
            for d in depts:
                Item.objects.update_or_create(id=d, defaults={"code": str(d), "attrs": {
                    "category": "Food" if d == depts[0] else "Home"}})
    api = _owner_api(t)
    body = api.get("/api/v1/departments/", {"item.category": "Food"}).json()
    assert [r["dept"] for r in body["results"]] == [depts[0]] and body["count"] == 1
    groups = {g["attribute"]: g for g in body["groups"]}
    assert groups["category"]["level"] == "item.category"
    assert {r["value"]: r["members"] for r in groups["category"]["rows"]} == {"Food": 1, "Home": len(depts) - 1}
    # a group's live error is its members' absolute errors over their actual sales (not a mean of their WAPEs)
    every = {g["attribute"]: g for g in api.get("/api/v1/departments/").json()["groups"]}
    home = {r["value"]: r for r in every["category"]["rows"]}["Home"]
    assert home["accuracy_wape"] == pytest.approx(seed.wape_by_hand(depts=set(depts[1:])))
    web = web_client(t, user=add_member(t, "viewer"))
    page = web.get("/departments/").content.decode()
    assert "Departments by category" in page and 'href="?item.category=Home"' in page
    assert f'<td class="nowrap" data-sort="{home["accuracy_wape"]}">' in page
    one = web.get(f"/departments/{depts[0]}/").content.decode()
    assert 'Category: <a href="/departments/?item.category=Food">Food</a>' in one
