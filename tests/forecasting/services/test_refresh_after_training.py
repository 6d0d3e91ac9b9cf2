"""A kept champion is refreshed after a training that saw newer weeks
(forecasting/services/refresh_queue.py ``forecast_refresh_after_training``): a
rejected challenger must not leave the champion serving a forecast that ages
until live scoring stops. On stored rows here; with a real worker in
test_refresh_after_training_worker.py."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import in_tenant
from tests.support.versions import ORIGIN, make_version


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch):
    """The jobs queued here stay queued: a worker started by another module of this process must not run them
    while the test reads them (the run itself is tested with a real worker in the _worker module)."""
    from saas.celery import app

    monkeypatch.setattr(app, "send_task", lambda *a, **k: None)


def _after(t, version):
    from django.db import transaction

    from forecasting.services.refresh_queue import forecast_refresh_after_training

    with in_tenant(t), transaction.atomic():
        return forecast_refresh_after_training(version=version)


def test_a_rejected_challenger_on_newer_weeks_queues_one_audited_refresh_of_the_champion(tenant):
    from accounts.models import AuditEvent
    from forecasting.models import ModelVersion
    from jobs.models import Job

    champion = make_version(tenant, status="active", forecast=10.0)  # its run's origin: ORIGIN
    challenger = make_version(tenant, status="rejected")
    with in_tenant(tenant):
        ModelVersion.objects.filter(pk=challenger.pk).update(data_end=ORIGIN + timedelta(weeks=3))
        challenger.refresh_from_db()
    job = _after(tenant, challenger)
    assert job is not None
    with in_tenant(tenant):
        job = Job.objects.get(pk=job.pk)
        event = AuditEvent.objects.get(action="forecast.refresh_started")
    assert job.kind == "refresh" and job.status == "queued" and job.created_by_id is None
    assert job.params == {"model_version": champion.number, "trigger": "after_training",
                          "challenger": challenger.number}
    assert event.actor_label == "system" and event.target_id == str(job.pk)
    assert f"v{challenger.number} (rejected)" in event.payload["reason"]
    assert f"{ORIGIN:%Y-%m-%d}" in event.payload["reason"]
    # a second training while that refresh is still queued adds none: the queued one loads the newest weeks
    assert _after(tenant, challenger) is None
    with in_tenant(tenant):
        assert Job.objects.filter(kind="refresh").count() == 1


def test_no_refresh_when_the_champion_already_forecasts_from_the_trained_weeks(tenant):
    from jobs.models import Job

    make_version(tenant, status="active", forecast=10.0)
    same_weeks = make_version(tenant, status="rejected")  # data_end == the champion's run origin
    assert _after(tenant, same_weeks) is None
    promoted = make_version(tenant, status="active", forecast=10.0)  # a promoted challenger serves its own run
    assert _after(tenant, promoted) is None
    with in_tenant(tenant):
        assert not Job.objects.filter(kind="refresh").exists()


def test_refresh_is_queued_at_the_trainings_quota(tenant, settings):
    """Refreshes take no training quota: a tenant that used up its trainings
    per day still gets its champion's forecast refreshed."""
    from billing import selectors as billing_selectors
    from forecasting.models import ModelVersion

    make_version(tenant, status="active", forecast=10.0)
    challenger = make_version(tenant, status="rejected")
    with in_tenant(tenant):
        ModelVersion.objects.filter(pk=challenger.pk).update(data_end=ORIGIN + timedelta(weeks=1))
        challenger.refresh_from_db()
        limit = billing_selectors.allowed("trainings_per_day")
        from jobs.models import Job

        Job.objects.bulk_create([Job(kind="train", status="succeeded") for _ in range(limit)])
        assert billing_selectors.usage("trainings_per_day") >= limit
    assert _after(tenant, challenger) is not None


def test_a_rollback_to_a_champion_with_an_older_forecast_queues_its_refresh(tenant):
    """After a swap the new champion's run is served; when it starts before the newest sales week
    (a rollback to a version trained long ago), its refresh is queued in the same transaction."""
    from accounts.audit import Actor
    from accounts.models import AuditEvent
    from forecasting.models import SalesRecord
    from forecasting.services.promotion import version_activate
    from jobs.models import Job

    old = make_version(tenant, forecast=10.0)  # its run's origin: ORIGIN
    make_version(tenant, status="active", forecast=12.0)
    with in_tenant(tenant):
        version_activate(version=old, actor=Actor.system(), reason="back to v1", kind="rollback")
        assert not Job.objects.filter(kind="refresh").exists()  # no sales after ORIGIN: its run is current
        SalesRecord.objects.create(store=1, dept=1, date=ORIGIN + timedelta(weeks=2), sales=5.0)
    make_version(tenant, status="active", forecast=12.0)
    with in_tenant(tenant):
        version_activate(version=old, actor=Actor.system(), reason="back to v1 again", kind="rollback")
        job = Job.objects.get(kind="refresh")
        event = AuditEvent.objects.get(action="forecast.refresh_started")
    assert job.status == "queued" and job.params == {"model_version": old.number, "trigger": "after_rollback"}
    assert f"v{old.number} became the champion (rollback)" in event.payload["reason"]
    assert f"{ORIGIN + timedelta(weeks=2):%Y-%m-%d}" in event.payload["reason"]
