"""Issue 9, pages 2-3: a store's and a department's anomalies (the worker's
stored InsightSnapshot) are listed under their history chart and marked on it,
with hover text naming the series, its sales, the expected range and the rule;
a restricted member sees only her stores' anomalies; empty states otherwise."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest

from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.support import stores_seed as seed

PEAK, LATE = date(2011, 11, 25), date(2012, 2, 10)


def _row(s, d, day, method, lo, hi, score):
    sales = seed.SALES[(s, d, day)]
    return {"store": s, "dept": d, "date": day.isoformat(), "sales": sales, "expected": (lo + hi) / 2, "lo": lo,
            "hi": hi, "deviation": sales - (lo + hi) / 2, "method": method, "score": score}


ROWS = [_row(1, 1, LATE, "band", 900.0, 1000.0, 9.0),  # the snapshot's order: largest score first
        _row(3, 1, PEAK, "robust_z", -50.0, 2500.0, 5.0),
        _row(1, 2, PEAK, "seasonal_z", 100.0, 1100.0, 4.0),
        _row(1, 1, PEAK, "robust_z", 200.0, 1000.0, 3.6)]


def _store_snapshot(t, rows):
    from forecasting.models import InsightSnapshot
    from forecasting.selectors.insights import fingerprint

    with in_tenant(t):
        InsightSnapshot.objects.update_or_create(kind="anomalies", defaults={
            "data": {"results": rows, "band_weeks": 0, "truncated_at": 2000}, "seconds": 0.1,
            **fingerprint()})


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    from accounts.audit import Actor
    from accounts.scope_services import member_set_stores

    with django_db_blocker.unblock():
        t = provision("storeanom")
        seed.seed(t)
        _store_snapshot(t, ROWS)
        restricted = add_member(t, "viewer")
        with in_tenant(t):
            member_set_stores(actor=Actor.system(), user_id=restricted.pk, stores=[1, 2])
    return t, restricted


def _figure(html: str, div_id: str) -> dict:
    """The data of a chart as Plotly.newPlot received it."""
    m = re.search(r'Plotly\.newPlot\(\s*"' + div_id + r'",\s*(\[.*?\]),\s*\{', html, re.S)
    return json.loads(m.group(1))


def test_store_api_lists_its_anomalies_in_week_order_with_the_rule_in_words(shop):
    t, restricted = shop
    body = api_client(t, key=t.admin_key).get("/api/v1/stores/1/").json()["anomalies"]
    assert body["stale"] is False and body["count"] == 3
    assert [(r["date"], r["dept"]) for r in body["results"]] == [("2011-11-25", 1), ("2011-11-25", 2),
                                                                 ("2012-02-10", 1)]
    assert [r["rule"] for r in body["results"]] == [
        "Far from the series' usual level (under a year of history)", "Far from the same time of year in other years",
        "Outside the forecast's 95% interval"]
    dept = api_client(t, key=t.admin_key).get("/api/v1/departments/1/").json()["anomalies"]
    assert [(r["date"], r["store"]) for r in dept["results"]] == [("2011-11-25", 1), ("2011-11-25", 3),
                                                                  ("2012-02-10", 1)]
    mine = api_client(t, user=restricted).get("/api/v1/departments/1/").json()["anomalies"]
    assert [(r["date"], r["store"]) for r in mine["results"]] == [("2011-11-25", 1), ("2012-02-10", 1)]


def test_store_page_marks_them_on_the_chart_and_lists_them(shop):
    t, _ = shop
    html = web_client(t, user=add_member(t, "viewer")).get("/stores/1/").content.decode()
    marker = [tr for tr in _figure(html, "store-chart") if tr["name"] == "Anomaly"]
    assert len(marker) == 1
    m = marker[0]
    total = {w: sum(v for (s, d, day), v in seed.SALES.items() if s == 1 and day == w) for w in (PEAK, LATE)}
    assert m["x"] == ["2011-11-25", "2012-02-10"] and m["y"] == pytest.approx([total[PEAK], total[LATE]])
    s11, s12, s11b = seed.SALES[(1, 1, PEAK)], seed.SALES[(1, 2, PEAK)], seed.SALES[(1, 1, LATE)]
    assert m["text"] == [
        f"Week of 2011-11-25<br>Dept 1: sales ${s11:,.0f}, expected $200 – $1,000; far from the series' usual level "
        f"(under a year of history)<br>Dept 2: sales ${s12:,.0f}, expected $100 – $1,100; far from the same time of "
        "year in other years",
        f"Week of 2012-02-10<br>Dept 1: sales ${s11b:,.0f}, expected $900 – $1,000; outside the forecast's 95% "
        "interval"]
    assert m["hovertemplate"] == "%{text}<extra></extra>"
    rows = re.findall(r'<tr data-week="([\d-]+)" data-dept="(\d+)">', html)
    assert rows == [("2011-11-25", "1"), ("2011-11-25", "2"), ("2012-02-10", "1")]
    assert f"${s12:,.0f}" in html and "$100 – $1,100" in html


def test_department_page_marks_each_store_and_hides_other_stores_from_a_restricted_member(shop):
    t, restricted = shop
    html = web_client(t, user=add_member(t, "viewer")).get("/departments/1/").content.decode()
    m = next(tr for tr in _figure(html, "dept-chart") if tr["name"] == "Anomaly")
    assert m["x"] == ["2011-11-25", "2012-02-10"]
    assert m["text"][0].startswith(f"Week of 2011-11-25<br>Store 1: sales ${seed.SALES[(1, 1, PEAK)]:,.0f}")
    assert f"<br>Store 3: sales ${seed.SALES[(3, 1, PEAK)]:,.0f}, expected −$50 – $2,500" in m["text"][0]
    assert re.findall(r'<tr data-week="([\d-]+)" data-store="(\d+)">', html) == [
        ("2011-11-25", "1"), ("2011-11-25", "3"), ("2012-02-10", "1")]
    mine = web_client(t, user=restricted).get("/departments/1/").content.decode()
    assert re.findall(r'<tr data-week="([\d-]+)" data-store="(\d+)">', mine) == [
        ("2011-11-25", "1"), ("2012-02-10", "1")]
    assert "Store 3:" not in mine


def test_empty_states(shop, django_db_blocker):
    t, _ = shop
    with django_db_blocker.unblock():
        fresh = provision("storeanom-b")
        seed.seed(fresh)  # no snapshot yet: the worker has not looked
    html = web_client(fresh, user=add_member(fresh, "viewer")).get("/stores/1/").content.decode()
    assert 'id="anomalies-pending"' in html
    assert api_client(fresh, key=fresh.admin_key).get("/api/v1/stores/1/").json()["anomalies"] is None
    html = web_client(t, user=add_member(t, "viewer")).get("/stores/2/").content.decode()  # no anomaly in store 2
    assert 'id="anomalies-empty"' in html and 'id="series-anomalies"' not in html
    assert all(tr["name"] != "Anomaly" for tr in _figure(html, "store-chart"))
