"""Store-scope checks of the Stores and Departments API (issue 9) for the ONE
table of tests/accounts/test_store_scope.py (its fixture: stores 1-3,
departments 1-2, sales of 6 weeks, a forecast of 2 weeks)."""
from __future__ import annotations

STORES, DEPTS = (1, 2, 3), (1, 2)


def check_store_list(client, allowed, t):
    body = client.get("/api/v1/stores/").json()
    assert {r["store"] for r in body["results"]} == allowed and body["count"] == len(allowed)


def check_store_detail(client, allowed, t):
    for s in STORES:
        resp = client.get(f"/api/v1/stores/{s}/")
        if s in allowed:
            assert resp.status_code == 200 and resp.json()["store"] == s, resp.content
        else:  # the same answer as a store that does not exist
            assert resp.status_code == 404 and resp.json()["error"]["code"] == "store_not_found"


def check_department_list(client, allowed, t):
    """Department figures sum the principal's stores only (fixture: 6 weeks of 100 * store + dept)."""
    rows = {r["dept"]: r for r in client.get("/api/v1/departments/").json()["results"]}
    assert set(rows) == set(DEPTS)
    for d, r in rows.items():
        assert r["stores"] == len(allowed)
        assert r["sales_ytd"] == sum((100.0 * s + d) * 6 for s in allowed)
        assert r["forecast_13w"] == sum(10.0 * s * 2 for s in allowed)


def check_department_detail(client, allowed, t):
    body = client.get("/api/v1/departments/1/").json()
    assert {r["store"] for r in body["stores"]} == allowed
    assert body["heatmap"]["stores"] == sorted(allowed)
    assert body["figures"]["sales_ytd"] == sum((100.0 * s + 1) * 6 for s in allowed)
    assert client.get("/api/v1/departments/99/").status_code == 404


def check_dashboard(client, allowed, t):
    """The KPI cards sum the principal's stores only (fixture: 6 weeks of 100 * store + dept; a forecast of
    2 weeks of 10 * store per series, no sales a year earlier)."""
    body = client.get("/api/v1/dashboard/").json()
    assert body["restricted"] is True
    assert body["year_to_date"]["value"] == sum((100.0 * s + d) * 6 for s in allowed for d in DEPTS)
    assert body["last_week"]["value"] == sum(100.0 * s + d for s in allowed for d in DEPTS)
    assert body["last_week"]["change"] is None and body["last_week"]["series"] == 0  # no sales a year earlier
    for key in ("next_4_weeks", "next_13_weeks"):
        assert body[key]["value"] == sum(10.0 * s * 2 * len(DEPTS) for s in allowed), key
    assert sum(r["stores"] for r in body["by_store_type"]) == len(allowed)
    assert {m["store"] for m in body["top_movers"]["stores"]} <= allowed


def check_location_list(client, allowed, t):
    body = client.get("/api/v1/locations/").json()
    assert {r["code"] for r in body["results"]} == {str(s) for s in allowed} and body["count"] == len(allowed)
    assert client.get("/api/v1/locations/", {"q": "3"}).json()["count"] == (1 if 3 in allowed else 0)


def check_location_detail(client, allowed, t):
    for s in STORES:
        resp = client.get(f"/api/v1/locations/{s}/")
        if s in allowed:
            assert resp.status_code == 200 and resp.json()["series"] == len(DEPTS), resp.content
        else:  # the same answer as a code that does not exist
            assert resp.status_code == 404 and resp.json()["error"]["code"] == "location_not_found"


def check_item_list(client, allowed, t):
    """Every department sells in every store: each item counts the principal's stores only."""
    rows = client.get("/api/v1/items/").json()["results"]
    assert {r["code"]: r["series"] for r in rows} == {str(d): len(allowed) for d in DEPTS}


def check_item_detail(client, allowed, t):
    assert client.get("/api/v1/items/1/").json()["series"] == len(allowed)
    assert client.get("/api/v1/items/99/").status_code == 404


def check_series_search(client, allowed, t):
    """Item "1" is sold in every store: its series of the principal's stores only; a store's own code (one of
    hers or not) finds her series only."""
    found = client.get("/api/v1/series/", {"q": "1", "limit": 50}).json()["results"]
    assert {r["store"] for r in found} == allowed
    assert {(r["store"], r["dept"]) for r in found if r["item"] == "1"} == {(s, 1) for s in allowed}
    for s in STORES:
        stores = {r["store"] for r in client.get("/api/v1/series/", {"q": str(s)}).json()["results"]}
        assert stores <= allowed and (s not in allowed or s in stores)


STORE_PAGE_CHECKS = {
    "GET /api/v1/locations/": check_location_list,
    "GET /api/v1/locations/{code}/": check_location_detail,
    "GET /api/v1/items/": check_item_list,
    "GET /api/v1/items/{code}/": check_item_detail,
    "GET /api/v1/series/": check_series_search,
    "GET /api/v1/dashboard/": check_dashboard,
    "GET /api/v1/stores/": check_store_list,
    "GET /api/v1/stores/{n}/": check_store_detail,
    "GET /api/v1/departments/": check_department_list,
    "GET /api/v1/departments/{n}/": check_department_detail,
}
