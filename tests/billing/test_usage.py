"""Metered usage (issue 11 item 3, acceptance 4): counts equal the requests and
rows actually sent (real Redis, real worker for the upload, the flush run
directly); the flush adds a batch once even when run again or after a crash;
the Usage page and API by role and tenant."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.metering import CLAIMED, LIVE, redis_client, usage_count, usage_flush, usage_measure
from tests.conftest import add_member, api_client, in_tenant, web_client


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


def _usage(t, **params):
    resp = api_client(t, key=t.admin_key).get("/api/v1/usage/", params)
    assert resp.status_code == 200, resp.content
    return resp.json()


def _sales_csv(weeks: int) -> bytes:
    start = timezone.datetime(2011, 1, 7).date()
    lines = ["Store,Dept,Date,Weekly_Sales,IsHoliday"]
    for w in range(weeks):
        lines.append(f"1,1,{start + timedelta(weeks=w)},{1000 + w}.5,FALSE")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.worker
def test_usage_counts_equal_requests_and_rows_sent(tenant, tenant_b, celery_worker_proc):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_client(tenant, key=tenant.admin_key)
    sent = 0

    def call(method, *args, **kwargs):
        nonlocal sent
        sent += 1
        return getattr(client, method)(*args, **kwargs)

    for _ in range(7):
        assert call("get", "/api/v1/me/").status_code == 200
    assert call("get", "/api/v1/members/999999/").status_code == 404  # answered: counted too
    rows = 37
    created = call("post", "/api/v1/uploads/", {"file": SimpleUploadedFile("sales.csv", _sales_csv(rows))},
                   format="multipart")
    assert created.status_code == 202, created.content
    deadline = time.monotonic() + 180
    while True:
        job = call("get", f"/api/v1/jobs/{created.json()['job']['id']}/").json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    # refused credentials are not billed to anyone
    assert api_client(tenant, key="sk_live_wrong").get("/api/v1/me/").status_code == 401
    # another tenant's traffic stays its own
    for _ in range(3):
        assert api_client(tenant_b, key=tenant_b.admin_key).get("/api/v1/me/").status_code == 200

    usage_flush(measure=False)
    with in_tenant(tenant):
        usage_measure(tenant=tenant.tenant)
    today = _usage(tenant)["days"][-1]
    assert today["day"] == timezone.now().date().isoformat()
    assert today["api_requests"] == sent
    assert today["rows_ingested"] == rows
    assert today["rows_stored"] >= rows  # sales rows (+ derived store-week rows)
    assert today["storage_bytes"] > 0
    assert _usage(tenant_b)["days"][-1]["api_requests"] == 3
    # the usage read above was counted after the flush: the next flush adds it
    usage_flush(measure=False)
    assert _usage(tenant)["days"][-1]["api_requests"] == sent + 1


def test_flush_adds_each_batch_once(tenant):
    from billing.models import UsageDay

    r = redis_client()
    with in_tenant(tenant):
        usage_count(counts={"trainings": 2, "training_seconds": 150, "forecasts_served": 5})
    # a flush that claimed the batch and crashed before applying it: the next flush applies it
    live = [k for k in r.scan_iter(match=f"{LIVE}{tenant.schema}:*")]
    assert len(live) == 1
    crashed = CLAIMED + live[0].decode()[len(LIVE):] + ":crashed"
    r.rename(live[0], crashed)
    usage_flush(measure=False)
    usage_flush(measure=False)  # twice: nothing added again
    row = UsageDay.objects.get(tenant_id=tenant.tenant.pk, day=timezone.now().date())
    assert (row.trainings, row.training_seconds, row.forecasts_served) == (2, 150, 5)
    # a flush that applied a batch and crashed before deleting it from Redis
    with in_tenant(tenant):
        usage_count(counts={"forecasts_served": 4})
    live = next(r.scan_iter(match=f"{LIVE}{tenant.schema}:*"))
    batch = CLAIMED + live.decode()[len(LIVE):] + ":applied"
    r.rename(live, batch)
    usage_flush(measure=False)
    assert not r.exists(batch)
    r.hset(batch, "forecasts_served", 4)  # the same batch seen again
    usage_flush(measure=False)
    row.refresh_from_db()
    assert row.forecasts_served == 9


def test_usage_api_validates_dates(tenant):
    client = api_client(tenant, key=tenant.admin_key)
    for params, field in (({"since": "2026-02-30"}, "since"), ({"until": "yesterday"}, "until"),
                          ({"since": "2026-03-02", "until": "2026-03-01"}, "since"),
                          ({"since": "2020-01-01", "until": "2026-01-01"}, "since")):
        resp = client.get("/api/v1/usage/", params)
        assert resp.status_code == 400, (params, resp.status_code)
        err = resp.json()["error"]
        assert err["code"] == "validation_error" and field in err["details"], err
    data = client.get("/api/v1/usage/", {"since": "2026-01-30", "until": "2026-02-02"}).json()
    assert [d["day"] for d in data["days"]] == ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]
    assert data["totals"]["api_requests"] == 0


@pytest.mark.parametrize("role,status", [("viewer", 403), ("analyst", 403), ("admin", 200), ("owner", 200)])
def test_usage_page_by_role(tenant, role, status):
    user = add_member(tenant, role)
    resp = web_client(tenant, user=user).get("/usage/")
    assert resp.status_code == status
    if status == 200:
        body = resp.content.decode()
        for chart in ("usage-requests-chart", "usage-ingest-chart", "usage-stored-chart", "usage-compute-chart",
                      "usage-minutes-chart"):
            assert f'id="{chart}"' in body
    anon = web_client(tenant).get("/usage/")
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_usage_page_of_b_not_visible_with_a_session(tenant, tenant_b):
    client = web_client(tenant, user=_owner(tenant))
    assert client.get("/usage/").status_code == 200
    resp = client.get("/usage/", HTTP_HOST=tenant_b.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_usage_page_bad_dates_fall_back_with_a_message(tenant):
    resp = web_client(tenant, user=_owner(tenant)).get("/usage/?since=2026-13-01")
    assert resp.status_code == 200
    assert "showing the last 30 days" in resp.content.decode()


def test_a_training_that_ends_is_metered_with_its_seconds(tenant):
    """The hook where a training ends: run in-process (no data: it fails at
    once), it still counts one training."""
    from accounts.audit import Actor
    from billing.models import UsageDay
    from forecasting.services.training import model_train_run
    from jobs.models import Job
    from jobs.services import job_create

    with in_tenant(tenant):
        job = job_create(actor=Actor.system(), kind=Job.Kind.TRAIN, params={"horizon": 4, "backtest_windows": 1})
        model_train_run(job_id=job.pk)
        assert Job.objects.get(pk=job.pk).status == "failed"
    usage_flush(measure=False)
    row = UsageDay.objects.get(tenant_id=tenant.tenant.pk, day=timezone.now().date())
    assert row.trainings == 1 and row.training_seconds >= 0 and row.api_requests == 0


def test_the_flush_prunes_simulation_runs_no_quota_counts_any_more(tenant, tenant_b):
    """SimulationUse rows only feed the simulations-per-day quota: older than its window, the beat's flush
    deletes them (in every workspace), and the quota's count is the same before and after."""
    from datetime import timedelta

    from billing.selectors import SIMULATIONS_WINDOW, usage
    from forecasting.models import SimulationUse

    now = timezone.now()
    for t in (tenant, tenant_b):
        with in_tenant(t):
            SimulationUse.objects.bulk_create([
                SimulationUse(created_at=now - timedelta(days=40)),
                SimulationUse(created_at=now - SIMULATIONS_WINDOW - timedelta(minutes=5)),
                SimulationUse(created_at=now - SIMULATIONS_WINDOW + timedelta(minutes=5)),  # still counted
                SimulationUse(created_at=now)])
    with in_tenant(tenant):
        before = usage("simulations_per_day")
    assert before == 2
    usage_flush()
    for t in (tenant, tenant_b):
        with in_tenant(t):
            kept = sorted(SimulationUse.objects.values_list("created_at", flat=True))
            assert kept == [now - SIMULATIONS_WINDOW + timedelta(minutes=5), now]
            assert usage("simulations_per_day") == before


def test_count_charts_tick_whole_numbers_and_keep_one_unit():
    """Issue 19 item 6: the Usage chart's axis read "1,1,1,0,0,0" (ticks 0.2 apart formatted as integers),
    and training minutes shared the counts' axis."""
    from billing.charts import bars_figure

    days = [{"day": f"2026-09-{d:02d}", "trainings": t} for d, t in ((1, 0), (2, 1), (3, 0))]
    fig = bars_figure(days, [("trainings", "Trainings", "#000")], "t", "count")
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == ",d"
    many = [{"day": "2026-09-01", "trainings": 40}]
    assert bars_figure(many, [("trainings", "Trainings", "#000")], "t", "count").layout.yaxis.dtick is None
