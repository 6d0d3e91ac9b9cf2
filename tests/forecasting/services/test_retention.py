"""Issue 20 item 3: forecast runs kept within a workspace setting, summarised and not deleted silently. A run
older than the retention whose horizon has passed loses its points (and a refresh run its model file); its
aggregates, evaluation and row stay with the date and count of what went, audited. The newest run of a
version, a shadow's, and one whose periods are still ahead are kept whole; a second pass does nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from forecasting.ml.periods import periods_after
from forecasting.models import DataSettings, ForecastAggregate, ForecastPoint, ForecastRun
from forecasting.services.retention import forecast_runs_summarise
from saas.storage import tenant_dir
from tests.conftest import api_client, in_tenant, provision
from tests.support.versions import ORIGIN, add_actuals, make_version


def _run(version, *, days_ago: int, origin=ORIGIN, horizon: int = 2, file: bool = False) -> ForecastRun:
    path = ""
    if file:
        path = tenant_dir("models") / f"refresh-{version.pk}-{days_ago}.fcm"
        path.write_bytes(b"state")
    run = ForecastRun.objects.create(model_version=version, origin=origin, horizon=horizon, series=2,
                                     created_at=timezone.now() - timedelta(days=days_ago), artifact_path=str(path),
                                     kind="refresh" if file else "train")
    for h in range(horizon):
        day = periods_after(origin, h + 1, "W").date()
        ForecastPoint.objects.bulk_create([ForecastPoint(run=run, store=s, dept=1, date=day, forecast=10, lo80=9,
                                                         hi80=11, lo95=8, hi95=12) for s in (1, 2)])
        ForecastAggregate.objects.create(run=run, level="total", key="all", date=day, forecast=20)
    return run


@pytest.fixture
def workspace(db_access):
    t = provision("retention")
    add_actuals(t, weeks=4)  # sales to ORIGIN + 4 weeks: a 2-week horizon from ORIGIN has passed
    return t


def test_old_runs_whose_periods_passed_keep_their_totals_only(workspace):
    t = workspace
    v1 = make_version(t, status="retired")
    v2 = make_version(t, status="active")
    shadow = make_version(t, status="shadow")
    with in_tenant(t):
        DataSettings.objects.update_or_create(pk=1, defaults={"forecast_retention_days": 30})
        old = _run(v1, days_ago=90, file=True)
        newest_of_v1 = _run(v1, days_ago=60)  # v1's newest: what a rollback to v1 serves
        ahead = _run(v2, days_ago=45, origin=ORIGIN + timedelta(weeks=3))  # its periods run past the sales
        recent = _run(v2, days_ago=10)  # within the retention
        _run(v2, days_ago=1)  # v2's newest
        of_shadow = _run(shadow, days_ago=80)
        _run(shadow, days_ago=2)
        points_before = ForecastPoint.objects.count()
        done = forecast_runs_summarise()
        assert done == {"runs": [old.pk], "points": 4}
        old.refresh_from_db()
        assert old.summarised_at is not None and old.summarised_points == 4 and old.artifact_path == ""
        assert not ForecastPoint.objects.filter(run=old).exists()
        assert ForecastAggregate.objects.filter(run=old).count() == 2  # the totals stay
        assert ForecastPoint.objects.count() == points_before - 4
        for kept in (newest_of_v1, ahead, recent, of_shadow):
            assert ForecastPoint.objects.filter(run=kept).count() == 4 and ForecastRun.objects.get(
                pk=kept.pk).summarised_at is None
        event = AuditEvent.objects.filter(action="forecast.runs_summarised").get()
        assert event.payload["runs"] == [old.pk] and event.payload["points"] == 4 and event.payload["files"] == 1
        assert forecast_runs_summarise() == {"runs": [], "points": 0}  # idempotent
    assert not (tenant_dir("models", schema_name=t.schema) / f"refresh-{v1.pk}-90.fcm").exists()  # after commit
    runs = api_client(t, key=t.admin_key).get("/api/v1/forecasts/runs/").json()
    listed = {r["id"]: r for r in runs.get("results", runs)}
    assert listed[old.pk]["summarised_points"] == 4 and listed[old.pk]["summarised_at"]
    assert listed[recent.pk]["summarised_at"] is None


def test_a_model_file_another_run_still_serves_is_kept(workspace):
    t = workspace
    v1 = make_version(t, status="active")
    with in_tenant(t):
        DataSettings.objects.update_or_create(pk=1, defaults={"forecast_retention_days": 30})
        old = _run(v1, days_ago=90, file=True)
        newest = _run(v1, days_ago=1)
        ForecastRun.objects.filter(pk=newest.pk).update(artifact_path=old.artifact_path)  # the same content
        assert forecast_runs_summarise()["runs"] == [old.pk]
    assert (tenant_dir("models", schema_name=t.schema) / f"refresh-{v1.pk}-90.fcm").exists()


def test_the_retention_is_a_data_setting_with_its_limits(workspace):
    client = api_client(workspace, key=workspace.admin_key)
    assert client.get("/api/v1/workspace/data-settings/").json()["forecast_retention_days"] == 400
    for bad in (7, 5000, 30.5, "soon"):
        resp = client.patch("/api/v1/workspace/data-settings/", {"forecast_retention_days": bad}, format="json")
        assert resp.status_code == 400 and "forecast_retention_days" in resp.json()["error"]["details"], bad
    ok = client.patch("/api/v1/workspace/data-settings/", {"forecast_retention_days": 90}, format="json")
    assert ok.status_code == 200 and ok.json()["forecast_retention_days"] == 90
