"""Acceptance (engine 6): the Forecast page for a store and department shows a
Plotly chart with the forecast and its 80/95% bands, and no console errors.
Also the Data page's upload with the htmx progress bar, and the model pages."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, api_client, provision
from tests.data.helpers import upload, wait_job

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def trained(celery_worker_proc, django_db_blocker, tmp_path_factory):
    from forecasting.demo_data import generate

    with django_db_blocker.unblock():
        t = provision("fcpage")
        files = generate(tmp_path_factory.mktemp("demo"), seed=5, small=True)
        for kind in ("stores", "features", "sales"):
            assert upload(t, files[kind], files[kind].name)["status"] == "succeeded"
        job = api_client(t, key=t.admin_key).post("/api/v1/models/train/", {}, format="json").json()["job"]
        assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
    return t, files


def login(page, server, t):
    page.goto(server.url(t, "/accounts/login/"))
    page.fill("input[name=username]", t.owner_email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def test_forecast_page_renders_chart_with_bands(live_server_proc, page, trained):
    t, _ = trained
    login(page, live_server_proc, t)
    from tests.conftest import in_tenant
    from forecasting.models import ForecastPoint

    with in_tenant(t):
        store, dept = ForecastPoint.objects.values_list("store", "dept").first()
    page.goto(live_server_proc.url(t, f"/forecasts/?store={store}&dept={dept}"))
    page.wait_for_selector("#forecast-chart.js-plotly-plot .main-svg")
    names = page.evaluate("() => document.getElementById('forecast-chart').data.map(t => t.name)")
    assert {"History", "Forecast", "80% interval", "95% interval"} <= set(names)
    n_points = page.evaluate(
        "() => document.getElementById('forecast-chart').data.find(t => t.name === 'Forecast').x.length")
    assert n_points == 13
    assert page.locator("#drivers tbody tr").count() > 0
    # navigating with the form
    page.select_option("select[name=dept]", str(dept))
    page.click("#series-form button[type=submit]")
    page.wait_for_selector("#forecast-chart .main-svg")
    assert page.console_errors == [], page.console_errors
    assert [r for r in page.bad_responses] == []


def test_model_pages_and_dashboard_render(live_server_proc, page, trained):
    t, _ = trained
    login(page, live_server_proc, t)
    page.wait_for_selector("#total-chart .main-svg")
    page.goto(live_server_proc.url(t, "/models/"))
    page.click("#versions a >> nth=0")
    page.wait_for_selector("#backtest-chart .main-svg")
    page.wait_for_selector("#importance-chart .main-svg")
    assert "coverage" in page.inner_text(".card")
    page.goto(live_server_proc.url(t, "/insights/"))
    assert page.locator("#rises tbody tr").count() > 0
    assert page.console_errors == [], page.console_errors


def test_data_page_upload_with_progress(live_server_proc, page, trained, tmp_path):
    t, files = trained
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/data/"))
    assert page.inner_text("#dataset-summary").count("Stores") == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2012-02-30,5,FALSE\n")
    page.set_input_files("#upload-form input[name=file]", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status [data-status=failed]", timeout=60000)
    assert "2012-02-30" in page.inner_text("#upload-status") or "date" in page.inner_text("#upload-status").lower()
    page.set_input_files("#upload-form input[name=file]", str(files["sales"]))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status [data-status=succeeded]", timeout=60000)
    assert "unchanged" in page.inner_text("#upload-status .upload-result")
    page.click("#upload-status a >> text=See the report") if page.locator("#upload-status a >> text=See the report").count() else None
    assert page.console_errors == [], page.console_errors
