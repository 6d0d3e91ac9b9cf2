"""Issue 8 (live accuracy, acceptance 6 in part): after the weeks a model
forecast arrive, its Model page shows the live accuracy chart in a real
browser, against the backtest WMAE, with its events marked, also at 390 px."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import api_client, in_tenant, provision
from tests.forecasting.services.test_live_accuracy_worker import LATER_WEEKS
from tests.support.browser import login
from tests.support.data import upload, wait_evaluation, wait_job

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def evaluated(celery_worker_proc, django_db_blocker, tmp_path_factory):
    from forecasting.demo_data import generate
    from forecasting.models import ModelVersion

    folder = tmp_path_factory.mktemp("demo-live-page")
    files = generate(folder, seed=7, small=True)
    sales = pd.read_csv(files["sales"])
    cut = sorted(sales["Date"].unique())[-LATER_WEEKS - 1]
    sales[sales["Date"] <= cut].to_csv(folder / "old.csv", index=False)
    sales[sales["Date"] > cut].to_csv(folder / "new.csv", index=False)
    with django_db_blocker.unblock():
        t = provision("livepage")
        for kind in ("stores", "features"):
            assert upload(t, files[kind], files[kind].name)["status"] == "succeeded"
        assert upload(t, folder / "old.csv", "history.csv")["status"] == "succeeded"
        job = api_client(t, key=t.admin_key).post("/api/v1/models/train/", {"horizon": 8, "backtest_windows": 1},
                                                  format="json").json()["job"]
        assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
        later = upload(t, folder / "new.csv", "later.csv")
        assert wait_evaluation(t, later["id"])["status"] == "succeeded"
        with in_tenant(t):
            version = ModelVersion.objects.get()
    return t, version


def test_model_page_live_accuracy_chart(live_server_proc, page, evaluated):
    t, version = evaluated
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, f"/models/{version.pk}/"))
    page.wait_for_selector("#live-accuracy-chart.js-plotly-plot .main-svg")
    traces = page.evaluate("() => document.getElementById('live-accuracy-chart').data"
                           ".map(t => ({name: t.name, n: t.x.length}))")
    live = [tr for tr in traces if tr["name"].startswith("Live WMAE")]
    assert len(live) == 1 and live[0]["n"] == 1
    assert any(tr["name"] == "Seasonal naive, same rows" for tr in traces)
    notes = page.evaluate("() => document.getElementById('live-accuracy-chart').layout.annotations.map(a => a.text)")
    assert "trained" in notes and any(n.startswith("Backtest WMAE") for n in notes)
    assert page.locator("#live-evaluations tbody tr").count() == 1
    assert page.console_errors == [], page.console_errors
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    page.wait_for_selector("#live-accuracy-chart .main-svg")
    width = page.evaluate("() => document.getElementById('live-accuracy-chart').getBoundingClientRect().width")
    assert 0 < width <= 390
