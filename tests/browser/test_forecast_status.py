"""Acceptance (issue 7, 5): a seasonal series with no sale in the latest week
keeps its forecast and shows its status on the Forecast page; the pickers list
every series that has data, and the series search opens one."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import api_client, provision
from tests.support.browser import login
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def silent_series(celery_worker_proc, django_db_blocker, tmp_path_factory):
    from forecasting.demo_data import generate

    folder = tmp_path_factory.mktemp("demo")
    files = generate(folder, seed=5, small=True)
    sales = pd.read_csv(files["sales"])
    last = sales["Date"].max()
    store, dept = (int(v) for v in sales[sales["Date"] == last][["Store", "Dept"]].iloc[-1])
    # the series sells all year but has no sale in the latest week (no row, like Walmart's seasonal departments)
    sales = sales[~((sales["Store"] == store) & (sales["Dept"] == dept) & (sales["Date"] == last))]
    sales.to_csv(folder / "train.csv", index=False)
    with django_db_blocker.unblock():
        t = provision("fcstatus")
        for kind in ("stores", "features", "sales"):
            assert upload(t, files[kind], files[kind].name)["status"] == "succeeded"
        job = api_client(t, key=t.admin_key).post("/api/v1/models/train/", {"backtest_windows": 2},
                                                  format="json").json()["job"]
        assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
    return t, store, dept, last, sales


def test_series_silent_in_latest_week_shows_forecast_and_status(live_server_proc, page, silent_series):
    t, store, dept, last, sales = silent_series
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/forecasts/"))
    stores = page.eval_on_selector_all("#store-picker option", "os => os.map(o => Number(o.value))")
    depts = page.eval_on_selector_all("#dept-picker option", "os => os.map(o => Number(o.value))")
    assert set(stores) == set(sales["Store"]) and set(depts) == set(sales["Dept"])
    # the page lists no series: the search asks the server, which suggests the silent series for its department
    page.fill("#series-search", str(dept))
    page.wait_for_selector(f"#series-results [role=option][data-store='{store}'][data-dept='{dept}']")
    # open the silent series through the search box
    page.fill("#series-search", f"{store}-{dept}")
    page.dispatch_event("#series-search", "change")
    page.wait_for_url(re.compile(rf".*store={store}&dept={dept}.*"))
    page.wait_for_selector("#forecast-chart.js-plotly-plot .main-svg")
    assert "modelled" in page.inner_text("#series-status")
    assert last in page.inner_text("#series-status")  # forecast from the latest week, though it had no sale then
    rows = page.locator("#forecast-points tbody tr")
    assert rows.count() == 13
    n_points = page.evaluate(
        "() => document.getElementById('forecast-chart').data.find(t => t.name === 'Forecast').x.length")
    assert n_points == 13
    assert page.console_errors == [], page.console_errors
    assert [r for r in page.bad_responses] == []
