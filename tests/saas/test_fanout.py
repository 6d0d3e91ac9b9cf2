"""Issue 20 item 4: beat's per-workspace work is one task per workspace (saas/fanout.py), run by a real
worker in each workspace's own schema: stored rows are measured per workspace; a suspended workspace is
measured but gets no scheduled retraining or weekly report; an unknown kind is refused; every beat entry
of per-workspace work names a kind that exists."""
from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.utils import timezone

from saas.fanout import KINDS, fan_out, workspaces
from tests.conftest import in_tenant, provision
from tests.support.data import upload

pytestmark = pytest.mark.worker

SALES = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2012-03-02,10.5,FALSE\n1,2,2012-03-02,7,FALSE\n" \
        b"2,1,2012-03-02,3,FALSE\n"


def _usage_day(tenant, timeout: float = 60):
    from billing.models import UsageDay

    deadline = time.monotonic() + timeout
    while (row := UsageDay.objects.filter(tenant=tenant, day=timezone.now().date()).first()) is None:
        assert time.monotonic() < deadline, f"no usage measured for {tenant.slug}"
        time.sleep(0.2)
    return row


def test_each_workspace_is_measured_by_its_own_task(celery_worker_proc):
    from forecasting.models import SalesRecord
    from tenants.models import Tenant

    loaded, empty, suspended = provision("fan-a"), provision("fan-b"), provision("fan-c")
    assert upload(loaded, SALES, "sales.csv")["status"] == "succeeded"
    Tenant.objects.filter(pk=suspended.tenant.pk).update(status=Tenant.Status.SUSPENDED)
    with in_tenant(loaded):
        stored = SalesRecord.objects.count()

    measured = {t.pk for t in workspaces("usage_measure")}
    assert {loaded.tenant.pk, empty.tenant.pk, suspended.tenant.pk} <= measured
    assert suspended.tenant.pk not in {t.pk for t in workspaces("retrain_scheduled")}
    assert suspended.tenant.pk not in {t.pk for t in workspaces("weekly_report")}
    from billing.models import UsageDay

    assert not UsageDay.objects.filter(tenant__in=[loaded.tenant, empty.tenant, suspended.tenant]).exists()
    assert fan_out("usage_measure") == len(measured)  # one task per workspace, sent to the worker

    assert _usage_day(loaded.tenant).rows_stored == stored == 3  # counted in its own schema
    assert _usage_day(empty.tenant).rows_stored == 0
    assert _usage_day(suspended.tenant).rows_stored == 0


def test_an_unknown_kind_is_refused_and_beat_names_known_kinds():
    with pytest.raises(ValueError, match="unknown per-workspace work"):
        fan_out("reticulate_splines")
    fanned = [e["args"][0] for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "saas.fanout.fan_out"]
    assert sorted(fanned) == sorted(KINDS)  # every kind is scheduled, and only kinds that exist
