"""Acceptance 3 of issue 8, with a real Celery worker: train on a tenant's
history minus its last weeks, upload those weeks; the ``evaluate`` job the
upload queued stores the run's live accuracy, and the figures computed here
by hand (plain pandas, from the stored ForecastPoint rows and the uploaded
actuals) are equal to the stored ModelEvaluation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import add_member, api_client, in_tenant, provision
from tests.support.data import upload, wait_evaluation, wait_job

pytestmark = [pytest.mark.worker, pytest.mark.slow]
LATER_WEEKS = 4


@pytest.fixture(scope="module")
def split_demo(tmp_path_factory):
    from forecasting.demo_data import generate

    folder = tmp_path_factory.mktemp("demo-live")
    files = generate(folder, seed=5, small=True)
    sales = pd.read_csv(files["sales"])
    dates = sorted(sales["Date"].unique())
    cut = dates[-LATER_WEEKS - 1]
    sales[sales["Date"] <= cut].to_csv(folder / "old.csv", index=False)
    sales[sales["Date"] > cut].to_csv(folder / "new.csv", index=False)
    return {"files": files, "old": folder / "old.csv", "new": folder / "new.csv", "cut": cut, "sales": sales}


def test_stored_live_accuracy_equals_a_hand_computation(celery_worker_proc, split_demo):
    from forecasting.models import DriftReport, ForecastPoint, ForecastRun, ModelEvaluation

    d = split_demo
    t = provision("live-acc")
    for kind in ("stores", "features"):
        assert upload(t, d["files"][kind], d["files"][kind].name)["status"] == "succeeded"
    first = upload(t, d["old"], "history.csv")
    assert first["status"] == "succeeded"
    client = api_client(t, user=add_member(t, "analyst"))
    job = client.post("/api/v1/models/train/", {"horizon": 8, "backtest_windows": 1}, format="json").json()["job"]
    assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
    with in_tenant(t):
        run = ForecastRun.objects.get()
        assert run.origin.isoformat() == d["cut"]

    later = upload(t, d["new"], "later.csv")
    assert later["status"] == "succeeded"
    done = wait_evaluation(t, later["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["runs"] == [run.pk] and len(done["result"]["weeks"]) == LATER_WEEKS

    # --- by hand: the run's stored points joined with the uploaded actuals
    with in_tenant(t):
        ev = ModelEvaluation.objects.get(run=run)
        points = pd.DataFrame(list(ForecastPoint.objects.filter(run=run).values(
            "store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95")))
        report = DriftReport.objects.get(upload_id=later["id"])
    points["date"] = pd.to_datetime(points["date"])
    actual = pd.read_csv(d["new"]).rename(columns={"Store": "store", "Dept": "dept", "Date": "date",
                                                    "Weekly_Sales": "y", "IsHoliday": "hol"})
    actual["date"] = pd.to_datetime(actual["date"])
    rows = points.merge(actual, on=["store", "dept", "date"])
    assert len(rows) > 0 and ev.rows == len(rows) and ev.weeks == rows["date"].nunique() == LATER_WEEKS
    hol = rows["hol"].astype(str).str.upper().eq("TRUE").to_numpy()
    y, f = rows["y"].to_numpy(float), rows["forecast"].to_numpy(float)
    w = np.where(hol, 5.0, 1.0)
    assert ev.wmae == pytest.approx((w * np.abs(y - f)).sum() / w.sum(), rel=1e-9)
    assert ev.mae == pytest.approx(np.abs(y - f).mean(), rel=1e-9)
    assert ev.bias == pytest.approx((f - y).mean(), rel=1e-9, abs=1e-9)
    assert ev.coverage80 == pytest.approx(((y >= rows["lo80"]) & (y <= rows["hi80"])).mean(), abs=1e-12)
    assert ev.coverage95 == pytest.approx(((y >= rows["lo95"]) & (y <= rows["hi95"])).mean(), abs=1e-12)
    # seasonal naive on the same rows: the actual 52 weeks earlier (0 when the series had none)
    hist = d["sales"].rename(columns={"Store": "store", "Dept": "dept", "Date": "date", "Weekly_Sales": "naive"})
    hist["date"] = pd.to_datetime(hist["date"]) + pd.Timedelta(weeks=52)
    naive = rows.merge(hist[["store", "dept", "date", "naive"]], on=["store", "dept", "date"], how="left")
    naive_err = np.abs(y - naive["naive"].fillna(0.0).to_numpy(float))
    assert ev.seasonal_naive_wmae == pytest.approx((w * naive_err).sum() / w.sum(), rel=1e-9)

    # the drift report of the same weeks, against the same run
    assert report.run_id == run.pk and report.figures["band"]["rows"] == len(rows)
    evals = client.get(f"/api/v1/models/{run.model_version_id}/evaluations/").json()
    assert evals["count"] == 1 and evals["results"][0]["wmae"] == ev.wmae
