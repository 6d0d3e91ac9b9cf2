"""Acceptance 5 with a real worker: the beat task retrains a workspace whose
weekly slot is due and the training job it queues runs to success (a new
version whose trigger is "schedule"); then an upload adding a week runs the
evaluate job, whose retraining hook applies the policy in the worker (here:
skipped during the cool-down, with the reason recorded)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import api_client, in_tenant, provision
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    from forecasting.demo_data import generate

    return generate(tmp_path_factory.mktemp("demo"), seed=5, small=True)


def test_beat_retrain_runs_in_the_worker_and_the_evaluate_hook_applies_the_policy(celery_worker_proc, demo_files):
    from django.utils import timezone

    from accounts.audit import Actor
    from forecasting.models import ModelVersion, RetrainingPolicy
    from forecasting.services.retraining import retrain_scheduled_all, retraining_policy_update
    from jobs.models import Job

    t = provision("rt-worker")
    lines = demo_files["sales"].read_bytes().decode().splitlines()
    header, rows = lines[0], lines[1:]
    last = max(r.split(",")[2] for r in rows)
    for kind in ("stores", "features"):
        assert upload(t, demo_files[kind])["status"] == "succeeded"
    held = [r for r in rows if r.split(",")[2] == last]
    early = "\n".join([header] + [r for r in rows if r.split(",")[2] != last]) + "\n"
    assert upload(t, early.encode(), "sales.csv", kind="sales")["status"] == "succeeded"

    now = timezone.now()
    with in_tenant(t):
        retraining_policy_update(actor=Actor.system(), changes={
            "schedule": "weekly", "weekday": now.weekday(), "hour": now.hour, "time_zone": "UTC",
            "on_new_data": True, "min_new_weeks": 1, "cooldown_hours": 24})
        RetrainingPolicy.objects.filter(pk=1).update(last_slot_at=now - timedelta(days=1))  # set yesterday
    retrain_scheduled_all(now=now)  # beat's tick
    with in_tenant(t):
        job = Job.objects.get(kind="train")
        assert job.params["trigger"] == "schedule"
    done = wait_job(t, job.pk, timeout=900)
    assert done["status"] == "succeeded", done
    with in_tenant(t):
        version = ModelVersion.objects.get(job_id=job.pk)
        assert version.trigger == "schedule" and version.created_by_id is None
        assert RetrainingPolicy.objects.get().last_decision["outcome"] == "triggered"
    detail = api_client(t, key=t.admin_key).get(f"/api/v1/models/{version.pk}/").json()
    assert detail["trigger"] == "schedule"

    # the held-back week arrives: the worker's evaluate job runs the policy's hook (new data, but cooling down)
    assert upload(t, ("\n".join([header] + held) + "\n").encode(), "week.csv", kind="sales")["status"] == "succeeded"
    with in_tenant(t):
        evaluate = Job.objects.filter(kind="evaluate").order_by("-pk").first()
    assert evaluate is not None and wait_job(t, evaluate.pk)["status"] == "succeeded"
    with in_tenant(t):
        decision = RetrainingPolicy.objects.get().last_decision
        assert Job.objects.filter(kind="train").count() == 1
    assert decision["outcome"] == "skipped" and decision["trigger"] == "new_data"
    assert "cool-down" in decision["reason"] and "1 new week" in decision["reason"]
