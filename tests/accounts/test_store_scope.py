"""Acceptance 3 of issue 11: a store-restricted analyst (session) and a
store-restricted key get only their stores from every endpoint and page that
returns store data, listed in ONE table that fails when an API endpoint is
missing from it, and cannot upload, export or forecast another store's rows."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from tests.conftest import add_key, add_member, api_client, in_tenant, provision, web_client
from tests.support.endpoints import discover_api_endpoints
from tests.support.exception_checks import EXCEPTION_CHECKS
from tests.support.insights_checks import INSIGHTS_CHECKS
from tests.support.override_checks import OVERRIDE_CHECKS
from tests.support.plan_checks import PLAN_CHECKS
from tests.support.stores_checks import STORE_PAGE_CHECKS

STORES, DEPTS, WEEKS = (1, 2, 3), (1, 2), 6
ANALYST_STORES, KEY_STORES = {1, 2}, {2}
START = date(2011, 1, 7)


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def seed_store_data(t):
    """Sales and covariates of stores 1-3, a stores file, an active model and its forecast."""
    from forecasting.models import (
        ForecastPoint,
        ForecastRun,
        Item,
        Location,
        ModelVersion,
        SalesRecord,
        Store,
        StoreWeek,
    )

    with in_tenant(t):
        for s in STORES:
            Store.objects.create(number=s, type="A", size=1000 * s)
            Location.objects.create(id=s, code=str(s), attrs={"type": "A", "size": 1000 * s})
        Item.objects.bulk_create([Item(id=d, code=str(d)) for d in DEPTS])
        SalesRecord.objects.bulk_create([
            SalesRecord(store=s, dept=d, date=START + timedelta(weeks=w), sales=100.0 * s + d, is_holiday=False)
            for s in STORES for d in DEPTS for w in range(WEEKS)])
        StoreWeek.objects.bulk_create([StoreWeek(store=s, date=START + timedelta(weeks=w), temperature=50.0)
                                       for s in STORES for w in range(WEEKS)])
        version = ModelVersion.objects.create(
            number=1, status="active", chosen="ensemble", horizon=2, backtest_windows=1,
            metrics={"ensemble": {"wmae": 1.0}}, dataset_version=0, artifact_path="/nonexistent",
            artifact_sha256="0" * 64, training_seconds=1.0, data_end=START + timedelta(weeks=WEEKS - 1))
        run = ForecastRun.objects.create(model_version=version, origin=START + timedelta(weeks=WEEKS - 1), horizon=2,
                                         series=len(STORES) * len(DEPTS))
        ForecastPoint.objects.bulk_create([
            ForecastPoint(run=run, store=s, dept=d, date=START + timedelta(weeks=WEEKS + h), forecast=10.0 * s,
                          lo80=1, hi80=2, lo95=0, hi95=3)
            for s in STORES for d in DEPTS for h in range(2)])


@pytest.fixture(scope="module")
def scoped(django_db_setup, django_db_blocker):
    """A tenant with data, an analyst restricted to stores 1-2 and an analyst key
    restricted to store 2, both set through the API by the owner."""
    from accounts.models import ApiKey

    with django_db_blocker.unblock():
        t = provision("scope")
        seed_store_data(t)
        analyst = add_member(t, "analyst")
        owner = api_client(t, user=_owner(t))
        created = owner.post("/api/v1/api-keys/", {"name": "regional", "role": "analyst"}, format="json").json()
        resp = owner.put(f"/api/v1/members/{analyst.pk}/stores/", {"stores": sorted(ANALYST_STORES)}, format="json")
        assert resp.status_code == 200 and resp.json() == {"restricted": True, "stores": [1, 2]}, resp.content
        resp = owner.put(f"/api/v1/api-keys/{created['id']}/stores/", {"stores": sorted(KEY_STORES)}, format="json")
        assert resp.status_code == 200 and resp.json() == {"restricted": True, "stores": [2]}, resp.content
        with in_tenant(t):
            key = ApiKey.objects.get(pk=created["id"])
        # issue 16: an admin's unrestricted key, then the admin demoted and restricted to stores 1-2
        creator = add_member(t, "admin")
        creator_key = add_key(t, "admin", creator=creator)
        assert owner.patch(f"/api/v1/members/{creator.pk}/", {"role": "analyst"}, format="json").status_code == 200
        resp = owner.put(f"/api/v1/members/{creator.pk}/stores/", {"stores": sorted(ANALYST_STORES)}, format="json")
        assert resp.status_code == 200, resp.content
    return {"tenant": t, "analyst": analyst, "key_raw": created["key"], "key": key, "creator_key_raw": creator_key}


# a key acts with at most its creator's current scope: the third principal's own rows say "every store"
PRINCIPALS = ["analyst_session", "restricted_key", "key_of_restricted_creator"]


def client_and_stores(scoped, principal):
    t = scoped["tenant"]
    if principal == "analyst_session":
        return api_client(t, user=scoped["analyst"]), ANALYST_STORES
    if principal == "key_of_restricted_creator":
        return api_client(t, key=scoped["creator_key_raw"]), ANALYST_STORES
    return api_client(t, key=scoped["key_raw"]), KEY_STORES


def _csv_stores(resp) -> set[int]:
    body = b"".join(resp.streaming_content) if resp.streaming else resp.content
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    return {int(r["Store"]) for r in rows}


# ------------------------------------------------------------- store checks
def check_sales(client, allowed, t):
    resp = client.get("/api/v1/sales/?page_size=1000")
    assert resp.status_code == 200, resp.content
    got = {r["store"] for r in resp.json()["results"]}
    assert got == allowed
    assert resp.json()["count"] == len(allowed) * len(DEPTS) * WEEKS
    other = min(set(STORES) - allowed)
    assert client.get(f"/api/v1/sales/?store={other}").json()["count"] == 0
    assert _csv_stores(client.get("/api/v1/sales/?format=csv")) == allowed


def check_summary(client, allowed, t):
    body = client.get("/api/v1/datasets/summary/").json()
    assert body["stores"] == len(allowed) and body["store_attributes"] == len(allowed)
    assert body["sales_rows"] == len(allowed) * len(DEPTS) * WEEKS
    assert body["covariates"]["rows"] == len(allowed) * WEEKS
    assert body["total_sales"] == round(sum((100.0 * s + d) * WEEKS for s in allowed for d in DEPTS), 2)


def check_forecast_get(client, allowed, t):
    for s in STORES:
        resp = client.get(f"/api/v1/forecasts/?store={s}&dept=1")
        if s in allowed:
            assert resp.status_code == 200 and resp.json()["store"] == s and len(resp.json()["points"]) == 2
        else:  # the same answer as a series that does not exist
            assert resp.status_code == 404 and resp.json()["error"]["code"] == "series_not_found"


def check_forecast_post(client, allowed, t):
    other = min(set(STORES) - allowed)
    resp = client.post("/api/v1/forecasts/", {"store": other, "dept": 1, "horizon": 2}, format="json")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "series_not_found", resp.content


def check_export(client, allowed, t):
    resp = client.get("/api/v1/forecasts/export.csv")
    assert resp.status_code == 200
    assert _csv_stores(resp) == allowed


def check_uploads(client, allowed, t):
    """Uploads hold other stores' rows and error reports: a restricted principal lists only its own."""
    from tests.support.targets import small_upload

    foreign = small_upload(t)  # created by nobody in particular (not this principal)
    ids = {u["id"] for u in client.get("/api/v1/uploads/").json()["results"]}
    assert foreign.pk not in ids
    assert client.get(f"/api/v1/uploads/{foreign.pk}/").status_code == 404
    assert client.get(f"/api/v1/uploads/{foreign.pk}/errors.csv").status_code == 404
    assert client.get(f"/api/v1/jobs/{foreign.job_id}/").status_code == 404
    owner = api_client(t, key=t.admin_key)  # the unrestricted see it
    assert owner.get(f"/api/v1/uploads/{foreign.pk}/").status_code == 200


def _others_jobs(t) -> list:
    """Jobs a restricted principal did not start, whose message and result describe the workspace:
    the owner's export (row counts of every table) and the system's evaluation (drift over every store)."""
    from jobs.models import Job

    with in_tenant(t):
        owner = _owner(t)
        return [Job.objects.create(kind="export", status="succeeded", created_by=owner, message="Exported 600 rows",
                                   result={"rows": {"sales": 600}}),
                Job.objects.create(kind="evaluate", status="succeeded", message="drift: 50% of series outside",
                                   result={"share_outside95": 0.5, "series": 18})]


def check_jobs(client, allowed, t):
    """Issue 16 (7): a job describes the workspace or another member's file; a restricted principal
    gets its own jobs only, the others are 404 like a job that does not exist."""
    check_uploads(client, allowed, t)
    owner = api_client(t, key=t.admin_key)
    for job in _others_jobs(t):
        resp = client.get(f"/api/v1/jobs/{job.pk}/")
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found", (job.kind, resp.content)
        assert owner.get(f"/api/v1/jobs/{job.pk}/").json()["result"] == job.result
    assert client.get("/api/v1/jobs/99999999/").status_code == 404


def check_aggregate(client, allowed, t):
    """Store-level aggregates of her stores only; totals over other stores are refused."""
    for s in STORES:
        resp = client.get(f"/api/v1/forecasts/aggregate/?level=store&store={s}")
        if s in allowed:
            assert resp.status_code in (200, 404), resp.content  # 404: no stored aggregate in this fixture
            if resp.status_code == 404:
                assert resp.json()["error"]["code"] in ("aggregate_not_found", "no_active_model")
        else:
            assert resp.status_code == 404 and resp.json()["error"]["code"] == "aggregate_not_found"
    for query in ("level=total", "level=dept&dept=1", "level=store_type&type=A"):
        resp = client.get(f"/api/v1/forecasts/aggregate/?{query}")
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "scope_restricted", (query, resp.content)


def check_levels(client, allowed, t):
    """The hierarchy's levels she can ask for: the location level only (the total and groups span others' stores)."""
    resp = client.get("/api/v1/forecasts/levels/")
    assert resp.status_code == 200 and [lv["level"] for lv in resp.json()["levels"]] == ["location"], resp.content


def check_monitoring(client, allowed, t):
    """The latest drift report: per-store figures and series of her stores only, nothing summed over others."""
    from forecasting.models import DriftReport
    from tests.support.targets import small_upload

    upload = small_upload(t)
    per_store = [{"store": s, "series": 2, "rows": 4, "series_outside95": 1 if s == 3 else 0,
                  "rows_outside95": 3 if s == 3 else s - 1} for s in STORES]
    figures = {"band": {"series": 6, "rows": 12, "series_outside95": 1, "share_series_outside95": 1 / 6,
                        "rows_outside95": 6, "share_rows_outside95": 0.5, "per_store": per_store,
                        "level_shift": {"store": [{"store": s, "actual": 1.0, "forecast": 1.0, "ratio": 1.0}
                                                  for s in STORES],
                                        "dept": [{"dept": 1, "actual": 3.0, "forecast": 3.0, "ratio": 1.0}]}},
               "new": {"stores": [3], "depts": [5], "series": [[1, 5], [3, 5]]},
               "vanished": {"stores": [], "depts": [], "series": [[2, 2], [3, 1]]},
               "covariates": [{"covariate": "cpi", "new_mean": 2.0, "train_mean": 1.0, "train_std": 1.0, "z": 1.0}]}
    with in_tenant(t):
        DriftReport.objects.create(upload=upload, first_week=START, last_week=START, share_outside95=1 / 6,
                                   figures=figures)
    drift = client.get("/api/v1/monitoring/").json()["drift"]
    assert drift["upload"] == upload.pk and drift["restricted"] is True
    # issue 16 (7): the band's counts and shares over her stores only (store 3, the one outside, is nobody's)
    mine = [r for r in per_store if r["store"] in allowed]
    assert drift["band"]["series"] == 2 * len(allowed) and drift["band"]["rows"] == 4 * len(allowed)
    assert drift["band"]["series_outside95"] == 0 and drift["share_outside95"] == 0
    assert drift["band"]["share_series_outside95"] == 0 and drift["band"]["per_store"] is None
    assert drift["band"]["share_rows_outside95"] == sum(r["rows_outside95"] for r in mine) / (4 * len(allowed))
    assert {r["store"] for r in drift["band"]["level_shift"]["store"]} == allowed
    assert drift["band"]["level_shift"]["dept"] is None and drift["covariates"] is None
    assert set(drift["new"]["stores"]) <= allowed and drift["new"]["depts"] is None
    assert {p[0] for p in drift["new"]["series"] + drift["vanished"]["series"]} <= allowed
    assert [2, 2] in drift["vanished"]["series"]  # store 2 is every principal's here
    owner = api_client(t, key=t.admin_key).get("/api/v1/monitoring/").json()["drift"]
    assert owner["restricted"] is False and owner["covariates"] == figures["covariates"]
    assert {r["store"] for r in owner["band"]["level_shift"]["store"]} == set(STORES)
    assert owner["band"]["series"] == 6 and owner["share_outside95"] == pytest.approx(1 / 6)
    # a report stored before the per-store counts: none of the workspace's counts for her
    with in_tenant(t):
        DriftReport.objects.create(upload=small_upload(t), first_week=START, last_week=START, share_outside95=0.5,
                                   figures={"band": {"series": 18, "series_outside95": 9,
                                                     "share_series_outside95": 0.5}})
    drift = client.get("/api/v1/monitoring/").json()["drift"]
    assert drift["band"]["series"] is None and drift["band"]["series_outside95"] is None
    assert drift["share_outside95"] is None and drift["band"]["share_series_outside95"] is None


def check_simulation(client, allowed, t):
    """Another store's what-if: the same 404 as an unknown store (before any model is read)."""
    other = min(set(STORES) - allowed)
    for store in (other, 77):
        resp = client.post("/api/v1/simulations/", {"store": store, "weeks": [str(START)]}, format="json")
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "store_not_found", resp.content


def check_scenarios(client, allowed, t):
    from forecasting.models import Scenario

    with in_tenant(t):
        if not Scenario.objects.exists():
            Scenario.objects.bulk_create([Scenario(name=f"Store {s}", store=s) for s in STORES])
    resp = client.get("/api/v1/simulations/")
    assert resp.status_code == 200
    assert {r["store"] for r in resp.json()["results"]} == allowed


def check_weekly_report(client, allowed, t):
    from tests.support.report_checks import pdf_text

    resp = client.get("/api/v1/reports/weekly.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text = pdf_text(resp.content)
    assert "Stores " + ", ".join(str(s) for s in sorted(allowed)) in text
    shown = {int(n) for n in re.findall(r"Store (\d+)", text)}
    assert shown <= set(allowed), shown


def no_store_data(reason: str):
    return ("none", reason)


ADMIN_ONLY = no_store_data("admin or owner only; admins and owners (members and keys) cannot be store-restricted, "
                           "and a restricted principal changes no scope (tests/accounts/test_key_scope.py)")
# every API endpoint: a check of what a restricted principal gets, or why it has no store data
ENDPOINTS = {
    "GET /api/v1/sales/": check_sales,
    "GET /api/v1/datasets/summary/": check_summary,
    "GET /api/v1/forecasts/": check_forecast_get,
    "POST /api/v1/forecasts/": check_forecast_post,
    "GET /api/v1/forecasts/export.csv": check_export,
    "GET /api/v1/uploads/": check_uploads,
    "GET /api/v1/uploads/{id}/": check_uploads,
    "GET /api/v1/uploads/{id}/errors.csv": check_uploads,
    "GET /api/v1/jobs/{id}/": check_jobs,
    "POST /api/v1/uploads/": no_store_data("write: covered by test_restricted_upload_of_other_stores_is_refused"),
    "POST /api/v1/uploads/{id}/mapping/": no_store_data("resumes one's own upload (others' answer 404: "
                                                         "upload_get is scoped); a mapped file's locations "
                                                         "outside the scope refuse it: tests/forecasting/catalog/"
                                                         "test_mapped_uploads.py"),
    "GET /api/v1/models/": no_store_data("model versions: tenant-wide metrics, no per-store rows"),
    "GET /api/v1/models/{id}/": no_store_data("tenant-wide backtest metrics and feature importance, no store rows"),
    "POST /api/v1/models/train/": no_store_data("starts a job; returns the job only"),
    "POST /api/v1/models/{id}/promote/": ADMIN_ONLY,
    "POST /api/v1/models/{id}/rollback/": ADMIN_ONLY,
    "GET /api/v1/me/": no_store_data("the principal itself"),
    "GET /api/v1/schema/": no_store_data("OpenAPI schema"),
    "GET /api/v1/docs/": no_store_data("API docs page"),
    "GET /api/v1/members/": ADMIN_ONLY,
    "POST /api/v1/members/": ADMIN_ONLY,
    "GET /api/v1/members/{id}/": ADMIN_ONLY,
    "PATCH /api/v1/members/{id}/": ADMIN_ONLY,
    "DELETE /api/v1/members/{id}/": ADMIN_ONLY,
    "POST /api/v1/members/{id}/resend-invite/": ADMIN_ONLY,
    "GET /api/v1/members/{id}/stores/": ADMIN_ONLY,
    "PUT /api/v1/members/{id}/stores/": ADMIN_ONLY,
    "GET /api/v1/api-keys/": ADMIN_ONLY,
    "POST /api/v1/api-keys/": ADMIN_ONLY,
    "GET /api/v1/api-keys/{id}/": ADMIN_ONLY,
    "DELETE /api/v1/api-keys/{id}/": ADMIN_ONLY,
    "GET /api/v1/api-keys/{id}/stores/": ADMIN_ONLY,
    "PUT /api/v1/api-keys/{id}/stores/": ADMIN_ONLY,
    "GET /api/v1/audit-events/": ADMIN_ONLY,
    "GET /api/v1/workspace/deletion/": no_store_data("owner only (owners are never restricted)"),
    "POST /api/v1/workspace/deletion/": no_store_data("owner only"),
    "DELETE /api/v1/workspace/deletion/": no_store_data("owner only"),
    "GET /api/v1/workspace/exports/": no_store_data("owner only: the whole workspace's archive"),
    "POST /api/v1/workspace/exports/": no_store_data("owner only"),
    "GET /api/v1/workspace/exports/{job_id}/download/": no_store_data("owner only"),
    "GET /api/v1/audit-events/export.csv": ADMIN_ONLY,
    "GET /api/v1/usage/": ADMIN_ONLY,
    "GET /api/v1/statements/": ADMIN_ONLY,
    "GET /api/v1/statements/{id}/": ADMIN_ONLY,
    "GET /api/v1/statements/{id}.pdf": ADMIN_ONLY,
    "GET /api/v1/statements/{id}.csv": ADMIN_ONLY,
    "GET /api/v1/plan/": ADMIN_ONLY,
    "PATCH /api/v1/plan/": no_store_data("owner only"),
    "GET /api/v1/workspace/branding/": no_store_data("the workspace's name, logo and colour"),
    "GET /api/v1/workspace/data-settings/": no_store_data("the workspace's frequency, country and words"),
    "PATCH /api/v1/workspace/data-settings/": ADMIN_ONLY,
    "GET /api/v1/workspace/layouts/": no_store_data("saved column mappings: headers and roles, no rows"),
    "PUT /api/v1/workspace/layouts/": ADMIN_ONLY,
    "PATCH /api/v1/workspace/branding/": no_store_data("owner only"),
    "GET /api/v1/forecasts/aggregate/": check_aggregate,
    "GET /api/v1/forecasts/levels/": check_levels,
    "GET /api/v1/forecasts/runs/": no_store_data("run metadata: origin, model version, series counts"),
    "POST /api/v1/forecasts/refresh/": no_store_data("starts a job; returns the job only"),
    "GET /api/v1/models/{id}/evaluations/": no_store_data("live accuracy of a version: tenant-wide figures like "
                                                         "its backtest metrics, no store rows"),
    "GET /api/v1/monitoring/": check_monitoring,
    "GET /api/v1/retraining-policy/": no_store_data("the workspace's retraining policy: no store rows"),
    "PUT /api/v1/retraining-policy/": ADMIN_ONLY,
    "POST /api/v1/simulations/": check_simulation,
    "GET /api/v1/simulations/": check_scenarios,
    "GET /api/v1/reports/weekly.pdf": check_weekly_report,
    **STORE_PAGE_CHECKS,
    **INSIGHTS_CHECKS,
    **OVERRIDE_CHECKS,
    **PLAN_CHECKS,
    **EXCEPTION_CHECKS,
    "POST /api/v1/plans/{id}/approve/": ADMIN_ONLY,
}


def test_every_api_endpoint_is_in_the_scope_table():
    discovered = discover_api_endpoints()
    missing = discovered - set(ENDPOINTS)
    stale = set(ENDPOINTS) - discovered
    assert not missing, f"endpoints without a store-scope check or a 'no store data' reason: {sorted(missing)}"
    assert not stale, f"scope rows for endpoints that no longer exist: {sorted(stale)}"


STORE_ENDPOINTS = sorted(e for e, c in ENDPOINTS.items() if callable(c))


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("endpoint", STORE_ENDPOINTS)
def test_restricted_principal_gets_only_its_stores(scoped, endpoint, principal):
    client, allowed = client_and_stores(scoped, principal)
    ENDPOINTS[endpoint](client, allowed, scoped["tenant"])


def test_unrestricted_owner_gets_every_store(scoped):
    t = scoped["tenant"]
    client = api_client(t, key=t.admin_key)
    body = client.get("/api/v1/datasets/summary/").json()
    assert body["stores"] == len(STORES)
    assert _csv_stores(client.get("/api/v1/forecasts/export.csv")) == set(STORES)
    assert {r["store"] for r in client.get("/api/v1/sales/?page_size=1000").json()["results"]} == set(STORES)


# ------------------------------------------------------------------ pages
def _page_client(scoped):
    return web_client(scoped["tenant"], user=scoped["analyst"])


def test_forecast_page_store_picker_lists_only_her_stores(scoped):
    # dept 99 has no forecast, so the page does not load the (absent) model artifact for drivers
    html = _page_client(scoped).get("/forecasts/?store=1&dept=99").content.decode()

    picker = re.search(r'<select[^>]*name="store"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert {int(v) for v in re.findall(r'value="(\d+)"', picker)} == ANALYST_STORES


def test_forecast_page_of_another_store_shows_nothing_of_it(scoped):
    html = _page_client(scoped).get("/forecasts/?store=3&dept=1").content.decode()
    assert "Store 3 · Department 1" not in html


PAGES = {  # web pages that show store data: path -> text that only the unrestricted see
    "/": None, "/insights/": None, "/data/": None, "/forecasts/?store=1&dept=99": None,
    "/stores/": None, "/stores/2/": None, "/departments/": None, "/departments/1/": None,
    "/reports/weekly.pdf": None, "/forecasts/overrides/": None, "/forecasts/plan/": None, "/forecasts/exceptions/": None,
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_render_for_a_restricted_analyst(scoped, path):
    resp = _page_client(scoped).get(path)
    assert resp.status_code == 200


def _principal_rows(scoped, principal) -> dict:
    """``created_by``/``created_by_key`` of what the principal starts."""
    from accounts.models import ApiKey

    if principal == "analyst_session":
        return {"created_by": scoped["analyst"]}
    raw = scoped["creator_key_raw"] if principal == "key_of_restricted_creator" else scoped["key_raw"]
    with in_tenant(scoped["tenant"]):
        key = ApiKey.objects.get(prefix=raw.split("_")[1])
    return {"created_by": key.created_by, "created_by_key": key}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_restricted_principal_sees_its_own_jobs(scoped, principal):
    """Issue 16 (7): its own job in full (a key's job is not its creator's session's, nor the reverse)."""
    from jobs.models import Job

    t = scoped["tenant"]
    client, _ = client_and_stores(scoped, principal)
    with in_tenant(t):
        own = Job.objects.create(kind="train", status="running", message="Training on my stores",
                                 **_principal_rows(scoped, principal))
    try:
        resp = client.get(f"/api/v1/jobs/{own.pk}/")
        assert resp.status_code == 200 and resp.json()["message"] == "Training on my stores", resp.content
        if principal == "key_of_restricted_creator":  # her key's job is not her session's (both restricted)
            creator = _principal_rows(scoped, principal)["created_by"]
            assert api_client(t, user=creator).get(f"/api/v1/jobs/{own.pk}/").status_code == 404
    finally:
        with in_tenant(t):
            own.delete()


def test_job_status_page_and_watch_show_others_jobs_without_their_figures(scoped):
    """Issue 16 (7), pages: /jobs/<id>/status/ of another's job is 404; the job watcher lists every
    job under way (the page must still reload when it ends) but others' without their message."""
    from django.utils import timezone

    from jobs.models import Job

    t = scoped["tenant"]
    page = _page_client(scoped)
    owner = web_client(t, user=_owner(t))
    with in_tenant(t):
        theirs = Job.objects.create(kind="train", status="running", created_by=_owner(t),
                                    message="Training 18 series of every store",
                                    heartbeat_at=timezone.now() + timedelta(days=1))
        mine = Job.objects.create(kind="train", status="running", created_by=scoped["analyst"],
                                  message="Training my own", heartbeat_at=timezone.now() + timedelta(days=1))
    try:
        for job in _others_jobs(t) + [theirs]:
            assert page.get(f"/jobs/{job.pk}/status/").status_code == 404, job.kind
            assert owner.get(f"/jobs/{job.pk}/status/").status_code == 200
        own = page.get(f"/jobs/{mine.pk}/status/")
        assert own.status_code == 200 and b"Training my own" in own.content
        for status in ("/dashboard/status/", "/models/status/", "/stores/status/"):
            html = page.get(f"{status}?watching=1", HTTP_HX_REQUEST="true").content.decode()
            assert f"job #{theirs.pk}" in html and "Training 18 series" not in html, status
            assert f"job #{mine.pk}" in html and "Training my own" in html, status
            assert "Training 18 series" in owner.get(f"{status}?watching=1", HTTP_HX_REQUEST="true").content.decode()
    finally:
        with in_tenant(t):
            Job.objects.filter(pk__in=[theirs.pk, mine.pk]).delete()


def test_data_page_summary_counts_only_her_stores(scoped):
    from accounts.scope import StoreScope
    from forecasting.selectors.dataset import dataset_summary_compute

    t = scoped["tenant"]
    with in_tenant(t):
        mine = dataset_summary_compute(scope=StoreScope.only(ANALYST_STORES))
        everyone = dataset_summary_compute(scope=StoreScope.all())
    assert mine["sales_rows"] < everyone["sales_rows"]
    html = _page_client(scoped).get("/data/").content.decode()
    assert f"{mine['sales_rows']:,}" in html


# ---------------------------------------------------------- scope setting
def test_scope_api_validates_and_lifts(scoped):
    t = scoped["tenant"]
    owner = api_client(t, user=_owner(t))
    member = add_member(t, "viewer")
    bad = owner.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [1, 77]}, format="json")
    assert bad.status_code == 400 and "77" in bad.json()["error"]["message"]
    assert owner.put(f"/api/v1/members/{member.pk}/stores/", {"stores": [3]}, format="json").json()["stores"] == [3]
    assert owner.get(f"/api/v1/members/{member.pk}/stores/").json() == {"restricted": True, "stores": [3]}
    lifted = owner.put(f"/api/v1/members/{member.pk}/stores/", {"stores": []}, format="json").json()
    assert lifted == {"restricted": False, "stores": []}
    admin = add_member(t, "admin")
    refused = owner.put(f"/api/v1/members/{admin.pk}/stores/", {"stores": [1]}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "scope_not_allowed"


def test_scope_changes_are_audited(scoped):
    from accounts.models import AuditEvent

    with in_tenant(scoped["tenant"]):
        member_ev = AuditEvent.objects.filter(action="member.stores_change", target_id=str(scoped["analyst"].pk)).first()
        key_ev = AuditEvent.objects.filter(action="api_key.stores_change", target_id=str(scoped["key"].pk)).first()
    assert member_ev.payload["after"] == [1, 2] and member_ev.payload["before"] == "all"
    assert key_ev.payload["after"] == [2]


def test_member_scope_is_guardian_object_permissions(scoped):
    from guardian.shortcuts import get_objects_for_user

    from forecasting.models import Store

    with in_tenant(scoped["tenant"]):
        got = get_objects_for_user(scoped["analyst"], "forecasting.view_store", klass=Store, with_superuser=False,
                                   accept_global_perms=False)
        assert {s.number for s in got} == ANALYST_STORES


# ---------------------------------------------------------------- uploads
def _post_upload(client, content: bytes) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile("sales.csv", content)}, format="multipart")
    assert resp.status_code == 202, resp.content
    return resp.json()


@pytest.mark.worker
def test_restricted_upload_of_other_stores_is_refused(scoped, celery_worker_proc):
    from forecasting.models import SalesRecord
    from tests.support.data import wait_job

    t = scoped["tenant"]
    with in_tenant(t):
        before = SalesRecord.objects.count()
    content = (b"Store,Dept,Date,Weekly_Sales,IsHoliday\n"
               b"1,1,2012-01-06,10.0,FALSE\n"
               b"3,1,2012-01-06,20.0,FALSE\n"
               b"2,2,2012-01-06,30.0,FALSE\n")
    client = api_client(t, user=scoped["analyst"])
    created = _post_upload(client, content)
    assert wait_job(t, created["job"]["id"])["status"] == "failed"
    report = client.get(f"/api/v1/uploads/{created['id']}/").json()
    assert report["status"] == "failed" and report["error_count"] == 1
    err = report["errors"][0]
    assert err["line"] == 3 and err["column"] == "Store" and err["value"] == "3"
    assert "outside your access" in err["reason"]
    with in_tenant(t):
        assert SalesRecord.objects.count() == before  # nothing of the file was loaded
    # the key may upload store 2, not store 1
    key = api_client(t, key=scoped["key_raw"])
    refused = _post_upload(key, content.replace(b"3,1,", b"2,1,"))
    assert wait_job(t, refused["job"]["id"])["status"] == "failed"
    assert {e["line"] for e in key.get(f"/api/v1/uploads/{refused['id']}/").json()["errors"]} == {2}
    ok = _post_upload(key, b"Store,Dept,Date,Weekly_Sales,IsHoliday\n2,1,2012-01-06,30.0,FALSE\n")
    assert wait_job(t, ok["job"]["id"])["status"] == "succeeded"
    with in_tenant(t):
        assert SalesRecord.objects.count() == before + 1
        SalesRecord.objects.filter(date=date(2012, 1, 6)).delete()  # the module's other checks count rows


# ------------------------------------------------------------------ web UI
def test_members_and_api_keys_pages_set_stores(scoped):
    from accounts.scope import StoreScope

    t = scoped["tenant"]
    owner = web_client(t, user=_owner(t))
    viewer = add_member(t, "viewer")
    resp = owner.post(f"/members/{viewer.pk}/", {"op": "stores", "stores": "3, 1"}, follow=True)
    assert b"Stores saved: 1, 3." in resp.content
    page = owner.get("/members/").content.decode()
    assert re.search(rf'data-email="{re.escape(viewer.email)}".*?<td class="stores">1, 3</td>', page, re.S)
    resp = owner.post(f"/members/{viewer.pk}/", {"op": "stores", "stores": "1, x"}, follow=True)
    assert b"is not a store number" in resp.content
    key = scoped["key"]
    resp = owner.post(f"/api-keys/{key.pk}/stores/", {"stores": "2 3"}, follow=True)
    assert b"stores saved: 2, 3." in resp.content
    assert 'value="2, 3"' in owner.get("/api-keys/").content.decode()
    with in_tenant(t):
        assert StoreScope.for_principal(key).stores == {2, 3}
    owner.post(f"/api-keys/{key.pk}/stores/", {"stores": "2"})  # back to the module's scope
    with in_tenant(t):
        assert StoreScope.for_principal(key).stores == {2}


@pytest.mark.parametrize("role,status", [("viewer", 403), ("analyst", 403), ("admin", 302)])
def test_web_store_routes_need_admin(scoped, role, status):
    t = scoped["tenant"]
    user = add_member(t, role)
    target = add_member(t, "viewer")
    client = web_client(t, user=user)
    assert client.post(f"/members/{target.pk}/", {"op": "stores", "stores": ""}).status_code == status
    assert client.post(f"/api-keys/{scoped['key'].pk}/stores/", {"stores": "2"}).status_code == status


def test_web_store_routes_refuse_another_tenant(scoped, django_db_blocker):
    from accounts.scope import StoreScope

    t = scoped["tenant"]
    with django_db_blocker.unblock():
        other = provision("scope-b")
    client = web_client(other, user=_owner(other))
    resp = client.post(f"/api-keys/{scoped['key'].pk}/stores/", {"stores": "1"}, HTTP_HOST=t.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    resp = client.post(f"/members/{scoped['analyst'].pk}/", {"op": "stores", "stores": ""}, HTTP_HOST=t.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    with in_tenant(t):
        assert StoreScope.for_principal(scoped["key"]).stores == {2}
        assert StoreScope.for_principal(scoped["analyst"]).stores == {1, 2}
