"""Issue 17 acceptance 4 and issue 18 item 7, through the real worker: a daily workspace's lifecycle runs in
its own periods. A week of new till data is scored live day by day (each day of the served forecast against
the same weekday a year before), counts as one new week for the retraining policy, which retrains with the
champion's horizon in days; the challenger is decided against the champion, and an admin rolls back to the
first version, which then forecasts from the newest day."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from forecasting.models import ForecastPoint, ForecastRun, Location, ModelEvaluation, ModelVersion
from jobs.models import Job
from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.forecasting.services.test_periodic_worker import _csv, _train
from tests.support.data import upload, wait_evaluation, wait_job
from tests.support.periodic_data import CLOSED_SUNDAYS, SKUS, STORES, daily_export

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_a_daily_workspace_is_scored_retrained_and_rolled_back_in_days(celery_worker_proc):
    t = provision("daily-life", plan="enterprise")
    raw = daily_export()
    assert upload(t, _csv(raw), "till.csv", timeout=300)["status"] == "succeeded"
    _train(t, horizon=14, windows=2)
    client = api_client(t, key=t.admin_key)
    policy = client.put("/api/v1/retraining-policy/", {"on_new_data": True, "min_new_weeks": 1, "cooldown_hours": 0},
                        format="json")
    assert policy.status_code == 200, policy.content[:300]
    last = pd.Timestamp(raw["date"].max())

    # six new days are no whole week: scored, but no retraining
    later = daily_export(days=434, end=str((last + pd.Timedelta(days=13)).date()))
    later = later[pd.to_datetime(later["date"]) > last]
    first_days = later[pd.to_datetime(later["date"]) <= last + pd.Timedelta(days=6)]
    loaded = upload(t, _csv(first_days), "till-6-days.csv")
    scored = wait_evaluation(t, loaded["id"])
    assert scored["status"] == "succeeded" and len(scored["result"]["weeks"]) == 6, scored
    with in_tenant(t):
        v1 = ModelVersion.objects.get(number=1)
        ev = ModelEvaluation.objects.get(model_version=v1)
        assert ModelVersion.objects.count() == 1  # nothing retrained
    days = [str((last + pd.Timedelta(days=k)).date()) for k in range(1, 7)]
    assert [(s["step"], s["date"]) for s in ev.per_step] == list(zip(range(1, 7), days))
    sunday_closed = sum(pd.Timestamp(d).weekday() == 6 for d in days)
    assert ev.rows == len(first_days) == 6 * len(STORES) * len(SKUS) - sunday_closed * len(SKUS)
    assert ev.wmae > 0 and ev.seasonal_naive_wmae > ev.wmae  # the weekly cycle beats last year's weekday
    monitoring = client.get("/api/v1/monitoring/").json()
    assert monitoring["live_accuracy"]["rows"] == ev.rows and monitoring["live_accuracy"]["weeks"] == 6
    assert monitoring["retraining"]["last_decision"] is None

    # the seventh day completes a week: the policy retrains with the champion's 14 days
    seventh = later[pd.to_datetime(later["date"]) > last + pd.Timedelta(days=6)]
    seventh = seventh[pd.to_datetime(seventh["date"]) <= last + pd.Timedelta(days=13)]
    loaded = upload(t, _csv(seventh), "till-week-2.csv")
    assert wait_evaluation(t, loaded["id"])["status"] == "succeeded"
    decision = client.get("/api/v1/monitoring/").json()["retraining"]["last_decision"]
    assert decision["outcome"] == "triggered" and decision["trigger"] == "new_data", decision
    assert "1 new week" in decision["reason"]
    trained = wait_job(t, decision["job"], timeout=600)
    assert trained["status"] == "succeeded", trained
    with in_tenant(t):
        v2 = ModelVersion.objects.get(number=2)
    assert v2.periodic and v2.horizon == 14 and v2.params["frequency"] == "D" and v2.promotion_note
    assert v2.status in ("active", "rejected") and str(v2.data_end) == str((last + pd.Timedelta(days=13)).date())
    if v2.status == "rejected":  # v1 still serves: its refresh from the newest day was queued by the training
        _refreshes_end(t, "after_training")
        assert client.post(f"/api/v1/models/{v2.pk}/promote/", {"reason": "try it"}, format="json").status_code == 200
        _refreshes_end(t)  # then an admin serves v2 anyway, and goes back to v1, whose run already starts there
    back = client.post(f"/api/v1/models/{v1.pk}/rollback/", {"reason": "v1 read the season better"}, format="json")
    assert back.status_code == 200 and back.json()["status"] == "active", back.content[:300]
    if v2.status == "active":  # the rollback queued v1's refresh from the newest day (its first run ends before it)
        _refreshes_end(t, "after_rollback")
    else:
        with in_tenant(t):
            assert not Job.objects.filter(kind=Job.Kind.REFRESH, params__trigger="after_rollback").exists()
    newest = (last + pd.Timedelta(days=13)).date()
    with in_tenant(t):
        run = ForecastRun.objects.filter(model_version=v1).order_by("-created_at").first()
        points = pd.DataFrame(ForecastPoint.objects.filter(run=run).values("store", "date", "forecast"))
        ham = Location.objects.get(code=CLOSED_SUNDAYS).pk
    assert run.origin == newest and run.series == len(STORES) * len(SKUS)
    assert sorted(points["date"].unique()) == [newest + timedelta(days=k) for k in range(1, 15)]
    sundays = points[(points["store"] == ham) & (pd.to_datetime(points["date"]).dt.weekday == 6)]
    assert len(sundays) == 2 * len(SKUS) and (sundays["forecast"] == 0).all()  # still closed on Sundays
    web = web_client(t, user=add_member(t, "analyst"))
    assert "Horizon (days)" in web.get("/models/").content.decode()
    detail = web.get(f"/models/{v1.pk}/").content.decode()
    assert "Rolled back to" in detail and "v1 read the season better" in detail


def _refreshes_end(t, trigger: str | None = None) -> None:
    """Wait for every refresh job; with ``trigger``, exactly one of v1 was queued for that reason."""
    with in_tenant(t):
        jobs = list(Job.objects.filter(kind=Job.Kind.REFRESH).order_by("pk"))
    if trigger is not None:
        assert [j.params.get("trigger") for j in jobs if j.params.get("model_version") == 1].count(trigger) == 1
    for job in jobs:
        assert wait_job(t, job.pk, timeout=300)["status"] == "succeeded"
