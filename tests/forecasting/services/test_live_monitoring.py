"""Live accuracy and drift services and their API, on a hand-built tenant
(the worker-side service called in-process; the end-to-end path with a real
worker is tests/forecasting/services/test_live_accuracy_worker.py)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import add_member, api_client, in_tenant, provision

START = date(2011, 1, 7)
ORIGIN_WEEK, HORIZON, NEW_WEEKS = 55, 4, 2
SERIES = [(1, 1), (1, 2), (2, 1)]
HOLIDAY_WEEK = 57  # a new week flagged holiday: weighs 5


def week(k: int) -> date:
    return START + timedelta(weeks=k)


def sales_of(store: int, dept: int, k: int) -> float:
    return 100.0 * store + 10.0 * dept + (k % 52) + (40.0 if k > ORIGIN_WEEK and store == 1 else 0.0)


@pytest.fixture
def seeded(db_access):
    """Sales to week 55, an active version and its run (origin week 55, 4 weeks);
    then the sales of weeks 56-57 arrive (store 1 jumped by 40: outside its band)."""
    from forecasting.models import ForecastPoint, ForecastRun, ModelVersion, SalesRecord, Upload

    t = provision("live")
    with in_tenant(t):
        SalesRecord.objects.bulk_create([
            SalesRecord(store=s, dept=d, date=week(k), sales=sales_of(s, d, k), is_holiday=k == HOLIDAY_WEEK)
            for s, d in SERIES for k in range(ORIGIN_WEEK + 1)])
        version = ModelVersion.objects.create(
            number=1, status="active", chosen="ensemble", horizon=HORIZON, backtest_windows=1,
            metrics={"ensemble": {"wmae": 3.0}, "seasonal_naive": {"wmae": 9.0}}, dataset_version=1,
            artifact_path="/nonexistent", artifact_sha256="0" * 64, training_seconds=1.0, data_end=week(ORIGIN_WEEK))
        run = ForecastRun.objects.create(model_version=version, origin=week(ORIGIN_WEEK), horizon=HORIZON,
                                         series=len(SERIES))
        ForecastPoint.objects.bulk_create([
            ForecastPoint(run=run, store=s, dept=d, date=week(ORIGIN_WEEK + h),
                          forecast=100.0 * s + 10.0 * d + (ORIGIN_WEEK + h) % 52 + 2.0,
                          lo80=100.0 * s + 10.0 * d + (ORIGIN_WEEK + h) % 52 - 3.0,
                          hi80=100.0 * s + 10.0 * d + (ORIGIN_WEEK + h) % 52 + 7.0,
                          lo95=100.0 * s + 10.0 * d + (ORIGIN_WEEK + h) % 52 - 8.0,
                          hi95=100.0 * s + 10.0 * d + (ORIGIN_WEEK + h) % 52 + 12.0)
            for s, d in SERIES for h in range(1, HORIZON + 1)])
        SalesRecord.objects.bulk_create([
            SalesRecord(store=s, dept=d, date=week(k), sales=sales_of(s, d, k), is_holiday=k == HOLIDAY_WEEK)
            for s, d in SERIES for k in range(ORIGIN_WEEK + 1, ORIGIN_WEEK + 1 + NEW_WEEKS)])
        upload = Upload.objects.create(original_filename="later.csv", size=1, sha256="0" * 64, file_path="/x",
                                       status="succeeded", kind="sales")
    return {"t": t, "version": version, "run": run, "upload": upload}


def _evaluate(t, upload) -> dict:
    from accounts.audit import Actor
    from forecasting.services.evaluation import evaluation_run
    from jobs.models import Job
    from jobs.services import job_create

    with in_tenant(t):
        job = job_create(actor=Actor.system(), kind=Job.Kind.EVALUATE,
                         params={"upload": upload.pk, "after": week(ORIGIN_WEEK).isoformat(),
                                 "until": week(ORIGIN_WEEK + NEW_WEEKS).isoformat()})
        evaluation_run(job_id=job.pk)
        job.refresh_from_db()
    assert job.status == "succeeded", job.error
    return job.result


def _expected():
    rows = []
    for s, d in SERIES:
        for k in range(ORIGIN_WEEK + 1, ORIGIN_WEEK + 1 + NEW_WEEKS):
            base = 100.0 * s + 10.0 * d + k % 52
            y, f = sales_of(s, d, k), base + 2.0
            naive = sales_of(s, d, k - 52)
            rows.append((y, f, base - 3, base + 7, base - 8, base + 12, 5.0 if k == HOLIDAY_WEEK else 1.0, naive))
    w = sum(r[6] for r in rows)
    return {
        "wmae": sum(r[6] * abs(r[0] - r[1]) for r in rows) / w,
        "mae": sum(abs(r[0] - r[1]) for r in rows) / len(rows),
        "bias": sum(r[1] - r[0] for r in rows) / len(rows),
        "coverage80": sum(r[2] <= r[0] <= r[3] for r in rows) / len(rows),
        "coverage95": sum(r[4] <= r[0] <= r[5] for r in rows) / len(rows),
        "seasonal_naive_wmae": sum(r[6] * abs(r[0] - r[7]) for r in rows) / w,
        "rows": len(rows),
    }


def test_evaluate_job_stores_live_accuracy_and_drift(seeded):
    from accounts.models import AuditEvent
    from forecasting.models import DriftReport, ModelEvaluation

    t, run = seeded["t"], seeded["run"]
    result = _evaluate(t, seeded["upload"])
    assert result["evaluations"] == 1 and result["runs"] == [run.pk] and result["detected"] is True
    exp = _expected()
    with in_tenant(t):
        ev = ModelEvaluation.objects.get(run=run)
        report = DriftReport.objects.get(upload=seeded["upload"])
        events = list(AuditEvent.objects.filter(action="drift.detected"))
    assert (ev.weeks, ev.rows, ev.origin, ev.last_week) == (NEW_WEEKS, exp["rows"], run.origin, week(57))
    for field in ("wmae", "mae", "bias", "coverage80", "coverage95", "seasonal_naive_wmae"):
        assert getattr(ev, field) == pytest.approx(exp[field], rel=1e-12), field
    assert [s["step"] for s in ev.per_step] == [1, 2]
    # store 1's two series (+40 on a band of +-12 around +2) are outside in both weeks; store 2's is inside
    assert report.run_id == run.pk and report.share_outside95 == pytest.approx(2 / 3) and report.detected
    shift = {r["store"]: r["ratio"] for r in report.figures["band"]["level_shift"]["store"]}
    assert shift[1] > 1.1 and shift[2] < 1.0
    assert len(events) == 1 and events[0].actor_label == "system"
    assert events[0].target_id == str(report.pk) and events[0].payload["series_outside95"] == 2


def test_evaluating_again_replaces_and_does_not_repeat_the_alert(seeded):
    from accounts.models import AuditEvent
    from forecasting.models import DriftReport, ModelEvaluation

    t = seeded["t"]
    _evaluate(t, seeded["upload"])
    _evaluate(t, seeded["upload"])
    with in_tenant(t):
        assert ModelEvaluation.objects.filter(run=seeded["run"]).count() == 1
        assert DriftReport.objects.count() == 1
        assert AuditEvent.objects.filter(action="drift.detected").count() == 1


def test_only_uploads_adding_weeks_queue_an_evaluation(db_access):
    from forecasting.models import Upload
    from forecasting.services.evaluation import evaluation_after_upload
    from jobs.models import Job

    t = provision("live-gate")
    with in_tenant(t):
        upload = Upload.objects.create(original_filename="a.csv", size=1, sha256="0" * 64, file_path="/x")
        assert evaluation_after_upload(upload=upload, previous_end=None) is None  # no sales at all
        from forecasting.models import SalesRecord

        SalesRecord.objects.create(store=1, dept=1, date=week(3), sales=1.0)
        assert evaluation_after_upload(upload=upload, previous_end=None) is None  # a first upload
        assert evaluation_after_upload(upload=upload, previous_end=week(3)) is None  # no week past the last
        job = evaluation_after_upload(upload=upload, previous_end=week(1))
        assert job.kind == Job.Kind.EVALUATE and job.params == {"upload": upload.pk, "after": week(1).isoformat(),
                                                                 "until": week(3).isoformat()}
        assert job.created_by_id is None and job.created_by_key_id is None  # the system's


def test_evaluations_api_answers_the_contract(seeded):
    t, version = seeded["t"], seeded["version"]
    _evaluate(t, seeded["upload"])
    client = api_client(t, user=add_member(t, "viewer"))
    body = client.get(f"/api/v1/models/{version.pk}/evaluations/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == {"run", "origin", "weeks", "rows", "wmae", "mae", "wape", "bias", "coverage80",
                        "coverage95", "seasonal_naive_wmae", "evaluated_at"}
    assert row["run"] == seeded["run"].pk and row["weeks"] == NEW_WEEKS
    assert row["wmae"] == pytest.approx(_expected()["wmae"], rel=1e-12)
    missing = client.get("/api/v1/models/99999/evaluations/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_monitoring_api(seeded):
    t, version = seeded["t"], seeded["version"]
    client = api_client(t, user=add_member(t, "analyst"))
    empty = client.get("/api/v1/monitoring/").json()
    assert empty["champion"]["number"] == 1 and empty["live_accuracy"]["run"] is None and empty["drift"] is None
    _evaluate(t, seeded["upload"])
    body = client.get("/api/v1/monitoring/").json()
    assert body["champion"] == {**body["champion"], "id": version.pk, "wmae": 3.0, "seasonal_naive_wmae": 9.0}
    live = body["live_accuracy"]
    assert live["wmae"] == pytest.approx(_expected()["wmae"]) and live["backtest_wmae"] == 3.0
    assert live["last_week"] == week(57).isoformat() and live["weeks"] == NEW_WEEKS
    assert body["drift"]["detected"] is True and body["drift"]["upload"] == seeded["upload"].pk
    assert body["next_scheduled_retrain"] is None
    assert body["events"][0]["action"] == "drift.detected"


def test_model_page_shows_live_accuracy_with_events(seeded):
    import json
    import re

    from tests.conftest import web_client

    t, version = seeded["t"], seeded["version"]
    client = web_client(t, user=add_member(t, "viewer"))
    before = client.get(f"/models/{version.pk}/").content.decode()
    assert "No realized weeks yet" in before and "live-accuracy-chart" not in before
    _evaluate(t, seeded["upload"])
    html = client.get(f"/models/{version.pk}/").content.decode()
    assert 'id="live-accuracy-chart"' in html and 'id="live-evaluations"' in html
    fig = json.loads(re.search(r'Plotly.newPlot\(\s*"live-accuracy-chart",\s*(\[.*?\]),\s*\{', html, re.S).group(1))
    live = next(tr for tr in fig if tr["name"].startswith("Live WMAE"))
    assert live["x"] == [week(57).isoformat()] and live["y"][0] == pytest.approx(_expected()["wmae"])
    for label in ("Backtest WMAE 3.0", '"text":"trained"', '"text":"drift"'):
        assert label in html.replace(": ", ":"), label


def test_upload_report_page_shows_its_drift_report(seeded):
    from tests.conftest import web_client

    t, upload = seeded["t"], seeded["upload"]
    client = web_client(t, user=add_member(t, "analyst"))
    assert 'id="drift-report"' not in client.get(f"/data/uploads/{upload.pk}/").content.decode()
    _evaluate(t, upload)
    html = client.get(f"/data/uploads/{upload.pk}/").content.decode()
    assert 'id="drift-report"' in html and "drift detected" in html
    assert "<strong>67%</strong> of 3 series" in html
    stores = html.split('id="drift-stores"')[1].split("</table>")[0]
    assert stores.index(">Store 1</td>") < stores.index(">Store 2</td>")  # store 1 moved furthest
    assert 'id="drift-depts"' in html


def test_no_drift_alert_below_the_threshold(seeded, settings):
    from accounts.models import AuditEvent
    from forecasting.models import DriftReport

    settings.DRIFT_OUTSIDE95_ALERT = 0.7  # 2 of 3 series outside: below
    result = _evaluate(seeded["t"], seeded["upload"])
    assert result["detected"] is False and result["share_outside95"] == pytest.approx(2 / 3)
    with in_tenant(seeded["t"]):
        report = DriftReport.objects.get()
        assert not report.detected and report.figures["threshold"] == 0.7
        assert not AuditEvent.objects.filter(action="drift.detected").exists()


def test_a_model_of_the_workspaces_events_weighs_its_own_holiday_weeks_live(seeded):
    """A model trained with the workspace's events (params ``holiday_periods``) scores live weeks by its
    holiday weeks, as its backtest did, not by the files' flags: week 56 is its holiday, 57 is not."""
    from django.db.models import F

    from forecasting.models import ForecastPoint, ModelEvaluation, ModelVersion

    t = seeded["t"]
    with in_tenant(t):
        ModelVersion.objects.filter(pk=seeded["version"].pk).update(
            params={"holidays": "events", "holiday_periods": [week(ORIGIN_WEEK + 1).isoformat()]})
        # week 56's forecasts 10 higher: the weeks' errors differ, so which one weighs 5 shows
        ForecastPoint.objects.filter(run=seeded["run"], date=week(ORIGIN_WEEK + 1)).update(forecast=F("forecast") + 10)
    _evaluate(t, seeded["upload"])
    rows = []
    for s, d in SERIES:
        for k in range(ORIGIN_WEEK + 1, ORIGIN_WEEK + 1 + NEW_WEEKS):
            y, f = sales_of(s, d, k), 100.0 * s + 10.0 * d + k % 52 + 2.0 + (10.0 if k == ORIGIN_WEEK + 1 else 0.0)
            rows.append((5.0 if k == ORIGIN_WEEK + 1 else 1.0, abs(y - f)))
    with in_tenant(t):
        ev = ModelEvaluation.objects.get(run=seeded["run"])
    assert ev.wmae == pytest.approx(sum(w * e for w, e in rows) / sum(w for w, _ in rows), rel=1e-12)
    by_flag = sum((5.0 if i % 2 else 1.0) * e for i, (_, e) in enumerate(rows)) / sum(
        5.0 if i % 2 else 1.0 for i in range(len(rows)))  # weighted by the files' flag (week 57) instead
    assert ev.wmae != pytest.approx(by_flag, rel=1e-6)
