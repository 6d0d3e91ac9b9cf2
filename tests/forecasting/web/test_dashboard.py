"""Issue 9, page 1: the executive Dashboard and ``GET /api/v1/dashboard/``.
Acceptance 3 (each growth card equals the one computed by hand over the same
series set: the seed has a new series, a closed series and a missing week), the
API's fields, the store scope (a restricted member's cards sum her stores
only), the worker-stored figures a page view reads, the status partial that
reloads the page when a job ends, and the web routes' cross-tenant denial."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.support import stores_seed as seed

MINE = {1, 2}
CARD = {"value", "like_for_like", "last_year", "change", "series", "start", "end", "last_year_start", "last_year_end"}


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    from accounts.audit import Actor
    from accounts.scope_services import member_set_stores

    with django_db_blocker.unblock():
        t = provision("dash")
        seed.seed(t)
        restricted = add_member(t, "viewer")
        with in_tenant(t):
            member_set_stores(actor=Actor.system(), user_id=restricted.pk, stores=sorted(MINE))
    return t, restricted


def _keep(pairs, stores):
    return [k for k in pairs if stores is None or k[0] in stores]


def last_week_by_hand(stores=None) -> tuple[float, float, float, int]:
    """Sales of the latest week; like for like against the same week 52 weeks earlier."""
    before = seed.LAST - timedelta(days=364)
    keep = _keep(seed.SERIES, stores)
    value = sum(seed.SALES.get((s, d, seed.LAST), 0.0) for s, d in keep)
    both = [(s, d) for s, d in keep if (s, d, seed.LAST) in seed.SALES and (s, d, before) in seed.SALES]
    lfl = sum(seed.SALES[(s, d, seed.LAST)] for s, d in both)
    ly = sum(seed.SALES[(s, d, before)] for s, d in both)
    return value, lfl, ly, len(both)


def forecast_by_hand(weeks: int, stores=None) -> tuple[float, float, float, int]:
    horizon = seed.FORECAST_WEEKS[:weeks]
    keep = _keep(seed.LIVE, stores)
    value = sum(seed.forecast_value(s, d, w) for s, d in keep for w in horizon)
    ly_weeks = [w - timedelta(days=364) for w in horizon]
    both = [(s, d) for s, d in keep if any((s, d, w) in seed.SALES for w in ly_weeks)]
    lfl = sum(seed.forecast_value(s, d, w) for s, d in both for w in horizon)
    ly = sum(seed.SALES.get((s, d, w), 0.0) for s, d in both for w in ly_weeks)
    return value, lfl, ly, len(both)


def _check_cards(body, stores=None):
    value, lfl, ly, n = last_week_by_hand(stores)
    lw = body["last_week"]
    assert set(lw) == CARD | {"title", "ly_words"} and lw["title"] == "Last week"
    assert lw["start"] == "2012-03-02" and lw["last_year_start"] == "2011-03-04"
    assert (lw["value"], lw["like_for_like"], lw["last_year"]) == pytest.approx((value, lfl, ly))
    assert lw["change"] == pytest.approx(lfl / ly - 1) and lw["series"] == n
    ytd = body["year_to_date"]
    assert ytd["value"] == pytest.approx(seed.ytd_by_hand(stores=stores))
    assert ytd["change"] == pytest.approx(seed.growth_by_hand(stores=stores))
    for key, weeks in (("next_4_weeks", 4), ("next_13_weeks", 13)):
        value, lfl, ly, n = forecast_by_hand(weeks, stores)
        card = body[key]
        assert set(card) == CARD | {"weeks", "weeks_covered", "title", "ly_words"} and card["weeks"] == weeks and card["start"] == "2012-03-09", key
        assert (card["title"], card["ly_words"]) == (f"Forecast, next {weeks} weeks", "the same weeks last year"), key
        assert card["end"] == (seed.ORIGIN + timedelta(weeks=weeks)).isoformat()
        assert (card["value"], card["like_for_like"], card["last_year"]) == pytest.approx((value, lfl, ly)), key
        assert card["change"] == pytest.approx(lfl / ly - 1) and card["series"] == n, key
    assert body["next_13_weeks"]["change"] == pytest.approx(seed.forecast_change_by_hand(stores=stores))


def test_cards_are_like_for_like(shop):
    t, _ = shop
    body = api_client(t, key=t.admin_key).get("/api/v1/dashboard/").json()
    _check_cards(body)
    # the new series (3, 2) sells in the latest week but has no last year: in the value, not in the growth
    value, lfl, _, n = last_week_by_hand()
    assert lfl < value and n == len(seed.SERIES) - 2  # new and closed series left out
    naive = value / sum(seed.SALES.get((s, d, seed.LAST - timedelta(days=364)), 0.0) for s, d in seed.SERIES) - 1
    assert body["last_week"]["change"] != pytest.approx(naive)
    assert body["restricted"] is False and body["periods"]["ytd_end"] == "2012-03-02"
    assert body["accuracy"] == {"model_version": 1, "chosen": "ensemble", "promoted_at": None, "wape": 0.05,
                                "backtest_wape": None,  # a version stored without its backtest by store
                                "first_week": "2012-02-03", "last_week": "2012-03-02"}
    assert body["freshness"] == {"latest_week": "2012-03-02", "last_upload": None}
    types = {r["type"]: r for r in body["by_store_type"]}
    assert set(types) == {"A", "B"} and types["A"]["stores"] == 2  # store 4 (type C) has no sales
    assert types["A"]["sales_ytd"] == pytest.approx(seed.ytd_by_hand(stores={1, 3}))
    assert types["B"]["growth"] == pytest.approx(seed.growth_by_hand(stores={2}))
    movers = body["top_movers"]["stores"]
    assert {m["store"] for m in movers} == {1, 2, 3}
    assert [abs(m["difference"]) for m in movers] == sorted((abs(m["difference"]) for m in movers), reverse=True)
    for m in movers:
        assert m["change"] == pytest.approx(seed.forecast_change_by_hand(stores={m["store"]}))
    depts = {m["dept"]: m for m in body["top_movers"]["departments"]}
    assert depts[1]["change"] == pytest.approx(seed.forecast_change_by_hand(depts={1}))
    assert body["attention"] == {"drift": [], "failed_jobs": [], "failed_jobs_count": 0, "exceptions": [],
                                 "exceptions_count": 0}


def test_restricted_member_gets_her_stores_figures_only(shop):
    t, restricted = shop
    body = api_client(t, user=restricted).get("/api/v1/dashboard/").json()
    assert body["restricted"] is True
    _check_cards(body, stores=MINE)
    assert {m["store"] for m in body["top_movers"]["stores"]} <= MINE
    assert {r["type"]: r["stores"] for r in body["by_store_type"]} == {"A": 1, "B": 1}
    html = web_client(t, user=restricted).get("/").content.decode()
    assert 'id="scope-note"' in html and 'data-store="3"' not in html and 'data-store="1"' in html


def test_attention_lists_failed_jobs_and_detected_drift(shop):
    from django.utils import timezone

    from forecasting.models import DriftReport
    from jobs.models import Job
    from tests.support.targets import small_upload

    t, _ = shop
    upload = small_upload(t)
    with in_tenant(t):
        failed = Job.objects.create(kind="train", status="failed", error="Not enough weeks of data",
                                    finished_at=timezone.now())
        Job.objects.create(kind="train", status="failed", finished_at=timezone.now() - timedelta(days=8))
        report = DriftReport.objects.create(upload=upload, first_week=date(2012, 3, 9), last_week=date(2012, 3, 9),
                                            share_outside95=0.4, detected=True)
    try:
        body = api_client(t, key=t.admin_key).get("/api/v1/dashboard/").json()["attention"]
        assert [j["id"] for j in body["failed_jobs"]] == [failed.pk] and body["failed_jobs_count"] == 1
        assert [d["id"] for d in body["drift"]] == [report.pk]
        html = web_client(t, user=add_member(t, "viewer")).get("/").content.decode()
        assert "Not enough weeks of data" in html and "40.0% of series outside" in html
    finally:
        with in_tenant(t):
            Job.objects.filter(kind="train").delete()
            DriftReport.objects.all().delete()


def test_page_shows_cards_with_separators_and_charts(shop):
    from forecasting.templatetags.figures import money, money_short, pct

    t, _ = shop
    html = web_client(t, user=add_member(t, "viewer")).get("/").content.decode()
    body = api_client(t, key=t.admin_key).get("/api/v1/dashboard/").json()
    ytd = body["year_to_date"]
    assert money_short(ytd["value"]) in html and money(ytd["value"]) in html  # short value; exact in its title
    assert 'href="/reports/weekly.pdf" id="weekly-report-link"' in html
    assert pct(ytd["change"]) in html and pct(body["next_13_weeks"]["change"]) in html
    assert 'id="total-chart"' in html and 'id="type-chart"' in html and '"displayModeBar": false' in html
    assert 'id="all-clear"' in html and 'id="empty-state"' not in html


def test_money_short_fits_a_card():
    from forecasting.templatetags.figures import money_short

    assert money_short(6135360.99) == "$6.14M" and money_short(-61234) == "−$61.23K"
    assert money_short(950) == "$950" and money_short(123456789012) == "$123.5B" and money_short(None) == "—"


def test_empty_workspace_tells_the_next_step(django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("dash-empty")
    html = web_client(t, user=add_member(t, "analyst")).get("/").content.decode()
    assert 'id="empty-state"' in html and 'href="/data/"' in html and "Train one" in html
    body = api_client(t, key=t.admin_key).get("/api/v1/dashboard/").json()
    assert body["last_week"] is None and body["next_4_weeks"] is None and body["accuracy"] is None
    assert body["top_movers"] == {"stores": [], "departments": []} and body["by_store_type"] == []


def test_stored_figures_are_what_a_page_reads(shop):
    from django.db.models import F

    from forecasting.models import FiguresSnapshot
    from forecasting.services.figures import figures_snapshot_write
    from tenants.models import Tenant

    t, restricted = shop
    client = api_client(t, key=t.admin_key)
    live = client.get("/api/v1/dashboard/").json()
    with in_tenant(t):
        figures_snapshot_write()
        snap = FiguresSnapshot.objects.get(kind="dashboard")
        assert snap.data["cards"]["year_to_date"] == live["year_to_date"]
        snap.data = {**snap.data, "cards": {**snap.data["cards"], "last_week": {**live["last_week"], "value": 1.0}}}
        snap.save()
    try:
        assert client.get("/api/v1/dashboard/").json()["last_week"]["value"] == 1.0  # read, not computed
        assert api_client(t, user=restricted).get("/api/v1/dashboard/").json()["last_week"]["value"] != 1.0
        with in_tenant(t):  # new data: stale, computed on read
            Tenant.objects.filter(pk=t.tenant.pk).update(dataset_version=F("dataset_version") + 1)
        assert client.get("/api/v1/dashboard/").json()["last_week"] == live["last_week"]
    finally:
        with in_tenant(t):
            FiguresSnapshot.objects.all().delete()


def test_status_partial_reloads_the_page_when_its_job_ends(shop):
    from django.utils import timezone

    from jobs.models import Job

    t, _ = shop
    client = web_client(t, user=add_member(t, "viewer"))
    with in_tenant(t):
        # queued, with a sign of life ahead: job recovery (a worker's start or beat) never re-sends it
        job = Job.objects.create(kind="refresh", status="queued", message="waiting for a worker",
                                 heartbeat_at=timezone.now() + timedelta(days=1))
    try:
        page = client.get("/").content.decode()
        assert 'hx-get="/dashboard/status/?watching=1"' in page and f"job #{job.pk}" in page
        running = client.get("/dashboard/status/?watching=1", HTTP_HX_REQUEST="true")
        assert "HX-Refresh" not in running and "hx-trigger" in running.content.decode()
        with in_tenant(t):
            Job.objects.filter(pk=job.pk).update(status="succeeded")
        done = client.get("/dashboard/status/?watching=1", HTTP_HX_REQUEST="true")
        assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()
    finally:
        with in_tenant(t):
            Job.objects.filter(pk=job.pk).delete()


def test_web_routes_refuse_another_workspace(shop):
    t, _ = shop
    other = provision("dash-other")
    foreign = web_client(other, user=add_member(other, "owner"))
    for path in ("/", "/dashboard/status/"):
        resp = foreign.get(path, HTTP_HOST=t.host)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"], path
