"""Automatic retraining (issue 8 item 3, acceptance 5): the beat task's
decision per workspace (called in-process; a real worker runs a triggered
training in test_retraining_worker.py), new data and degradation after an
evaluate job, the policy's API and its web form."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from tests.conftest import add_member, api_client, in_tenant, provision, web_client

UTC = dt_timezone.utc
MONDAY_0205 = datetime(2026, 3, 2, 2, 5, tzinfo=UTC)  # just after a Monday 02:00 UTC slot


def seed_sales(t, weeks: int = 80):
    """Enough weekly history for a default (13-week, 4-window) training."""
    from forecasting.models import SalesRecord

    start = date(2010, 2, 5)
    with in_tenant(t):
        SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=1, date=start + timedelta(weeks=k),
                                                     sales=100.0 + k % 13) for k in range(weeks)])


def set_policy(t, **changes):
    from accounts.audit import Actor
    from forecasting.models import RetrainingPolicy
    from forecasting.services.retraining import retraining_policy_update

    set_at = changes.pop("set_at", None)
    with in_tenant(t):
        retraining_policy_update(actor=Actor.system(), changes=changes)
        if set_at is not None:  # as if the schedule had been set at that moment
            RetrainingPolicy.objects.filter(pk=1).update(last_slot_at=set_at)


def policy_row(t):
    from forecasting.models import RetrainingPolicy

    with in_tenant(t):
        return RetrainingPolicy.objects.get(pk=1)


def train_jobs(t):
    from jobs.models import Job

    with in_tenant(t):
        return list(Job.objects.filter(kind="train").order_by("pk"))


def events(t, action):
    from accounts.models import AuditEvent

    with in_tenant(t):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def test_beat_retrains_the_due_tenant_once_and_not_the_others(db_access):
    from forecasting.services.retraining import retrain_scheduled_all

    due, not_due, at_quota = provision("rt-due"), provision("rt-later"), provision("rt-quota", plan="free")
    for t in (due, not_due, at_quota):
        seed_sales(t)
    before = MONDAY_0205 - timedelta(days=3)
    set_policy(due, schedule="weekly", weekday=0, hour=2, set_at=before)
    set_policy(not_due, schedule="weekly", weekday=0, hour=3, set_at=before)  # 03:00: not yet
    set_policy(at_quota, schedule="weekly", weekday=0, hour=2, set_at=before)
    from billing import selectors as billing_selectors
    from jobs.models import Job

    with in_tenant(at_quota):
        Job.objects.bulk_create([Job(kind="train", status="succeeded")
                                 for _ in range(billing_selectors.allowed("trainings_per_day"))])
    used_before = len(train_jobs(at_quota))

    assert retrain_scheduled_all(now=MONDAY_0205) >= 2  # the due tenant and the skipped one decided

    # the due tenant: one training job, trigger "schedule", system actor, audited with the reason
    (job,) = train_jobs(due)
    assert job.params["trigger"] == "schedule" and job.created_by is None and job.created_by_key is None
    (event,) = events(due, "model.retrain_triggered")
    assert event.actor_label == "system" and event.payload["trigger"] == "schedule"
    assert "scheduled slot 2026-03-02 02:00 UTC" in event.payload["reason"] and event.target_id == str(job.pk)
    policy = policy_row(due)
    assert policy.last_triggered_at == MONDAY_0205 and policy.last_decision["outcome"] == "triggered"
    assert policy.last_decision["job"] == job.pk
    # the tenant whose slot is not due: nothing
    assert train_jobs(not_due) == [] and events(not_due, "model.retrain_triggered") == []
    assert policy_row(not_due).last_decision == {}
    # the tenant at its trainings-per-day quota: skipped, with the reason recorded and shown
    assert len(train_jobs(at_quota)) == used_before and events(at_quota, "model.retrain_triggered") == []
    decision = policy_row(at_quota).last_decision
    assert decision["outcome"] == "skipped" and decision["trigger"] == "schedule"
    assert "trainings in 24 hours are used up" in decision["reason"]
    monitoring = api_client(at_quota, key=at_quota.admin_key).get("/api/v1/monitoring/").json()
    assert monitoring["retraining"]["last_decision"]["reason"] == decision["reason"]

    # idempotent: the same slot never triggers twice (next tick, or beat run twice)
    retrain_scheduled_all(now=MONDAY_0205 + timedelta(minutes=5))
    assert len(train_jobs(due)) == 1 and len(events(due, "model.retrain_triggered")) == 1
    # the not-due tenant is retrained once its own slot comes
    retrain_scheduled_all(now=MONDAY_0205 + timedelta(hours=1))
    assert [j.params["trigger"] for j in train_jobs(not_due)] == ["schedule"]


def test_a_slot_before_the_schedule_was_set_is_not_due(db_access):
    from django.utils import timezone

    from forecasting.services.retraining import retrain_scheduled

    t = provision("rt-new")
    seed_sales(t)
    now = timezone.now()
    set_policy(t, schedule="weekly", weekday=now.weekday(), hour=0, time_zone="UTC")  # today 00:00: already past
    with in_tenant(t):
        assert retrain_scheduled(now=now) is None
    assert train_jobs(t) == []


def test_one_failing_workspace_does_not_stop_the_others(db_access, monkeypatch):
    from forecasting.services import retraining

    a, b = provision("rt-fail"), provision("rt-ok")
    for t in (a, b):
        seed_sales(t)
        set_policy(t, schedule="weekly", weekday=0, hour=2, set_at=MONDAY_0205 - timedelta(days=1))
    real = retraining.retrain_scheduled

    def flaky(*, now=None):
        from django.db import connection

        if connection.schema_name == a.schema:
            raise RuntimeError("boom")
        return real(now=now)

    monkeypatch.setattr(retraining, "retrain_scheduled", flaky)
    retraining.retrain_scheduled_all(now=MONDAY_0205)
    assert train_jobs(a) == [] and len(train_jobs(b)) == 1


def test_new_data_after_an_evaluation_retrains_then_cools_down(db_access):
    from forecasting.services.retraining import retrain_after_evaluation

    t = provision("rt-data")
    seed_sales(t)
    set_policy(t, on_new_data=True, min_new_weeks=2, cooldown_hours=24)
    with in_tenant(t):
        assert retrain_after_evaluation(result={"weeks": ["2011-08-05"]}) is None  # 1 week < 2
        first = retrain_after_evaluation(result={"weeks": ["2011-08-05", "2011-08-12"]})
        second = retrain_after_evaluation(result={"weeks": ["2011-08-19", "2011-08-26"]})
    assert first["outcome"] == "triggered" and first["trigger"] == "new_data"
    assert second["outcome"] == "skipped" and "cool-down" in second["reason"]
    assert [j.params["trigger"] for j in train_jobs(t)] == ["new_data"]


def test_degradation_reads_the_champions_last_k_realized_weeks(db_access):
    from forecasting.models import ForecastRun, ModelEvaluation
    from forecasting.selectors.retraining import live_accuracy_recent
    from forecasting.services.retraining import retrain_after_evaluation
    from tests.support.versions import ORIGIN, make_version

    t = provision("rt-degr")
    seed_sales(t)
    champion = make_version(t, status="active", wmae=100.0, naive=200.0)
    with in_tenant(t):
        run = ForecastRun.objects.create(model_version=champion, origin=ORIGIN, horizon=4, series=1)

        def step(k, wmae, naive, rows=10):
            return {"step": k, "wmae": wmae, "rows": rows, "seasonal_naive": {"wmae": naive}}

        ModelEvaluation.objects.create(
            run=run, model_version=champion, origin=ORIGIN, first_week=ORIGIN + timedelta(weeks=1),
            last_week=ORIGIN + timedelta(weeks=3), weeks=3, rows=40, wmae=0, mae=0, bias=0, coverage80=0,
            coverage95=0, seasonal_naive_wmae=0,
            per_step=[step(1, 50.0, 300.0), step(2, 130.0, 300.0, rows=30), step(3, 110.0, 300.0)])
        recent = live_accuracy_recent(version=champion, weeks=2)
        assert recent["wmae"] == pytest.approx((130.0 * 30 + 110.0 * 10) / 40) and recent["weeks"] == 2
        assert live_accuracy_recent(version=champion, weeks=4) is None  # only 3 weeks realized
    set_policy(t, on_degradation=True, degradation_weeks=2, degradation_tolerance=0.10)
    with in_tenant(t):
        got = retrain_after_evaluation(result={"weeks": ["2012-11-16"]})
    assert got["outcome"] == "triggered" and got["trigger"] == "degradation"
    assert "above (1 + 10%) x the backtest WMAE 100.0" in got["reason"]
    (job,) = train_jobs(t)
    assert job.params["horizon"] == champion.horizon and job.params["backtest_windows"] == 1  # like for like


def test_nothing_happens_without_a_policy(db_access):
    from forecasting.services.retraining import retrain_after_evaluation, retrain_scheduled_all

    t = provision("rt-none")
    seed_sales(t)
    with in_tenant(t):
        assert retrain_after_evaluation(result={"weeks": ["2011-08-05"] * 10}) is None
    retrain_scheduled_all()
    assert train_jobs(t) == []
    body = api_client(t, key=t.admin_key).get("/api/v1/monitoring/").json()
    assert body["next_scheduled_retrain"] is None and body["retraining"]["last_decision"] is None


# -------------------------------------------------------------------- API
def test_policy_api_read_write_validation_and_audit(tenant):
    admin = api_client(tenant, key=tenant.admin_key)
    body = admin.get("/api/v1/retraining-policy/").json()
    assert body["schedule"] == "off" and body["next_scheduled_retrain"] is None and body["updated_at"] is None
    resp = admin.put("/api/v1/retraining-policy/", {"schedule": "weekly", "weekday": 2, "hour": 6,
                                                    "time_zone": "Europe/Paris", "on_new_data": True,
                                                    "min_new_weeks": 4, "cooldown_hours": 12}, format="json")
    assert resp.status_code == 200, resp.content
    got = resp.json()
    assert got["schedule"] == "weekly" and got["schedule_label"] == "every Wednesday at 06:00 (Europe/Paris)"
    nxt = datetime.fromisoformat(got["next_scheduled_retrain"].replace("Z", "+00:00"))
    local = nxt.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert (local.weekday(), local.hour, local.minute) == (2, 6, 0)
    assert datetime.fromisoformat(got["next_scheduled_retrain_local"]) == nxt
    assert got["next_scheduled_retrain_local"][11:16] == "06:00"
    assert admin.get("/api/v1/monitoring/").json()["next_scheduled_retrain"] == got["next_scheduled_retrain"]
    (event,) = events(tenant, "policy.update")
    assert event.payload["schedule"] == "weekly" and event.payload["time_zone"] == "Europe/Paris"
    # a bad field: 400 in the JSON error shape naming it, nothing written
    bad = admin.put("/api/v1/retraining-policy/", {"hour": 25, "cooldown_hours": 1}, format="json")
    assert bad.status_code == 400
    err = bad.json()["error"]
    assert err["code"] == "validation_error" and list(err["details"]) == ["hour"] and "hour" in err["message"]
    assert admin.get("/api/v1/retraining-policy/").json()["cooldown_hours"] == 12
    tz = admin.put("/api/v1/retraining-policy/", {"time_zone": "Mars/Olympus"}, format="json").json()["error"]
    assert list(tz["details"]) == ["time_zone"]
    # the same values again: no new audit event
    admin.put("/api/v1/retraining-policy/", {"hour": 6}, format="json")
    assert len(events(tenant, "policy.update")) == 1


def test_analysts_read_the_policy_but_cannot_change_it(tenant):
    analyst = api_client(tenant, user=add_member(tenant, "analyst"))
    assert analyst.get("/api/v1/retraining-policy/").status_code == 200
    resp = analyst.put("/api/v1/retraining-policy/", {"schedule": "weekly"}, format="json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "permission_denied"
    viewer = api_client(tenant, user=add_member(tenant, "viewer"))
    assert viewer.get("/api/v1/retraining-policy/").status_code == 403


# ---------------------------------------------------------------- web form
def test_web_form_admins_edit_analysts_read(tenant, tenant_b):
    admin = web_client(tenant, user=add_member(tenant, "admin"))
    page = admin.get("/models/retraining/")
    assert page.status_code == 200 and b'name="schedule"' in page.content and b"Save" in page.content
    resp = admin.post("/models/retraining/", {"schedule": "monthly", "day_of_month": "15", "hour": "4",
                                              "time_zone": "America/New_York", "weekday": "0", "min_new_weeks": "4",
                                              "degradation_weeks": "4", "degradation_tolerance": "0.1",
                                              "cooldown_hours": "24", "on_degradation": "on"})
    assert resp.status_code == 302
    policy = policy_row(tenant)
    assert (policy.schedule, policy.day_of_month, policy.time_zone, policy.on_degradation, policy.on_new_data) == \
        ("monthly", 15, "America/New_York", True, False)
    # a bad value: the form again, naming the field, nothing changed
    bad = admin.post("/models/retraining/", {"schedule": "weekly", "hour": "99", "weekday": "0", "day_of_month": "1",
                                             "time_zone": "UTC", "min_new_weeks": "4", "degradation_weeks": "4",
                                             "degradation_tolerance": "0.1", "cooldown_hours": "24"})
    assert bad.status_code == 400 and b"hour" in bad.content and policy_row(tenant).schedule == "monthly"
    analyst = web_client(tenant, user=add_member(tenant, "analyst"))
    read = analyst.get("/models/retraining/")
    assert read.status_code == 200 and b"on day 15 of every month" in read.content
    assert b'name="schedule"' not in read.content  # no form for analysts
    assert analyst.post("/models/retraining/", {"schedule": "off"}).status_code == 403
    assert web_client(tenant, user=add_member(tenant, "viewer")).get("/models/retraining/").status_code == 403
    # another tenant's session is refused on this host
    other = web_client(tenant_b, user=add_member(tenant_b, "admin"))
    resp = other.post("/models/retraining/", {"schedule": "off"}, HTTP_HOST=tenant.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert policy_row(tenant).schedule == "monthly"


def test_another_tenants_credentials_cannot_read_or_change_the_policy(tenant, tenant_b):
    set_policy(tenant_b, schedule="weekly", hour=5)
    for client in (api_client(tenant, key=tenant.admin_key),
                   api_client(tenant, user=add_member(tenant, "admin"))):
        got = client.get("/api/v1/retraining-policy/", HTTP_HOST=tenant_b.host)
        assert got.status_code in (401, 403, 404) and b"weekly" not in got.content
        put = client.put("/api/v1/retraining-policy/", {"schedule": "off"}, format="json", HTTP_HOST=tenant_b.host)
        assert put.status_code in (401, 403, 404)
    assert policy_row(tenant_b).schedule == "weekly" and events(tenant_b, "policy.update")[-1].actor_label == "system"
    assert api_client(tenant, key=tenant.admin_key).get("/api/v1/retraining-policy/").json()["schedule"] == "off"
