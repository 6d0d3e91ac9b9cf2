"""Acceptance (engine 6, issue 9 page 4): the Forecast page for a store and department shows a
Plotly chart with the forecast and its 80/95% bands, last year overlaid and an earlier forecast against
what happened, drivers in plain words, thousands separators, no console errors, and at 390 px no toolbar.
"Find a series" suggests from the server as one types (issue 20 item 3). Also the Data page's upload with the
htmx progress bar, and the model pages."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from forecasting.models import Location
from tests.conftest import api_client, in_tenant, provision
from tests.support.browser import login
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


LATER_WEEKS = 6


@pytest.fixture(scope="module")
def trained(celery_worker_proc, django_db_blocker, tmp_path_factory):
    """Demo data trained without its last 6 weeks, then the full sales loaded and the forecast refreshed: the
    refresh run is served, and the training's run is an earlier forecast whose first 6 weeks have actuals."""
    import pandas as pd

    from forecasting.demo_data import generate

    with django_db_blocker.unblock():
        t = provision("fcpage")
        folder = tmp_path_factory.mktemp("demo")
        files = generate(folder, seed=5, small=True)
        sales = pd.read_csv(files["sales"])
        cut = sorted(sales["Date"].unique())[-LATER_WEEKS - 1]
        sales[sales["Date"] <= cut].to_csv(folder / "older.csv", index=False)
        for kind in ("stores", "features"):
            assert upload(t, files[kind], files[kind].name)["status"] == "succeeded"
        assert upload(t, folder / "older.csv", "sales-older.csv")["status"] == "succeeded"
        client = api_client(t, key=t.admin_key)
        job = client.post("/api/v1/models/train/", {}, format="json").json()["job"]
        assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
        assert upload(t, files["sales"], files["sales"].name)["status"] == "succeeded"
        job = client.post("/api/v1/forecasts/refresh/", {}, format="json").json()["job"]
        assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
    return t, files


def _series(t):
    """A modelled series of the served run with sales over 1,000 a week (thousands separators show)."""
    from django.db.models import Avg

    from forecasting.models import ForecastPoint
    from forecasting.selectors.forecast import latest_run
    from tests.conftest import in_tenant

    with in_tenant(t):
        return tuple(ForecastPoint.objects.filter(run=latest_run(), status="modelled").values("store", "dept")
                     .annotate(m=Avg("forecast")).filter(m__gt=2000).order_by("store", "dept")
                     .values_list("store", "dept")[0])


def test_forecast_page_renders_chart_with_bands(live_server_proc, page, trained):
    t, _ = trained
    login(page, live_server_proc, t)
    store, dept = _series(t)
    page.goto(live_server_proc.url(t, f"/forecasts/?store={store}&dept={dept}"))
    page.wait_for_selector("#forecast-chart.js-plotly-plot .main-svg")
    names = page.evaluate("() => document.getElementById('forecast-chart').data.map(t => t.name)")
    assert {"History", "Forecast", "80% interval", "95% interval", "Last year"} <= set(names)
    n_points = page.evaluate(
        "() => document.getElementById('forecast-chart').data.find(t => t.name === 'Forecast').x.length")
    assert n_points == 13
    # the training's forecast against what happened since: a dashed trace over the 6 weeks with actuals
    earlier = page.evaluate("""() => document.getElementById('forecast-chart').data
        .filter(t => t.name.startsWith('Forecast from')).map(t => [t.name, t.x.length, t.line.dash])""")
    assert len(earlier) == 1 and earlier[0][1] == LATER_WEEKS and earlier[0][2] == "dash", earlier
    assert page.locator("#earlier-forecasts tbody tr").count() == 1
    assert re.search(r"\$\d{1,3}(,\d{3})+", page.inner_text("#earlier-forecasts"))
    # last year: drawn on this year's dates, over the history shown and the forecast weeks
    ly_last = page.evaluate("() => document.getElementById('forecast-chart').data.find(t => t.name === 'Last year').x.at(-1)")
    fc_dates = page.evaluate("() => document.getElementById('forecast-chart').data.find(t => t.name === 'Forecast').x")
    assert str(ly_last)[:10] in [str(d)[:10] for d in fc_dates]
    # drivers in plain words, effects in signed dollars, a sentence each; no raw feature names anywhere
    assert page.locator("#drivers tbody tr").count() > 0
    assert page.locator("#driver-sentences li").count() == page.locator("#drivers tbody tr").count()
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", " ".join(page.locator("#driver-sentences li").all_inner_texts()))
    assert page.locator("#driver-sentences .nowrap").count() == len(dates)  # a date in a sentence never wraps
    text = page.inner_text("main")
    assert not re.search(r"\b[a-z0-9]+_n\b|\bmarkdown\d\b|\bfuel_price\b|\bweeks_to_", text), text
    for effect in page.locator("#drivers tbody tr td:nth-child(3)").all_inner_texts():
        assert re.fullmatch(r"[+−]?\$[\d,]+", effect.strip()), effect
    assert re.search(r"\$\d{1,3}(,\d{3})+", page.inner_text("#forecast-points"))
    # navigating with the form
    page.select_option("select[name=dept]", str(dept))
    page.click("#series-form button[type=submit]")
    page.wait_for_selector("#forecast-chart .main-svg")
    # issue 19 item 7: an unknown series typed in "Find a series" says so, and the page keeps its series
    url = page.url
    page.fill("#series-search", "9999-1")
    page.dispatch_event("#series-search", "change")
    error = page.locator("#series-search-error")
    assert error.is_visible() and "No series store 9999, department 1" in error.inner_text()
    assert f"still showing store {store}, department {dept}" in error.inner_text()
    assert page.url == url and page.input_value("select[name=store]") == str(store)
    page.fill("#series-search", "nonsense")
    page.dispatch_event("#series-search", "change")
    expect(error).to_contain_text("Type a store and a department")  # once the server found nothing
    assert page.console_errors == [], page.console_errors
    assert [r for r in page.bad_responses] == []


def test_forecast_page_at_390px(live_server_proc, page, trained):
    """On a phone: no Plotly toolbar over the chart title, and the page does not scroll sideways."""
    t, _ = trained
    login(page, live_server_proc, t)
    store, dept = _series(t)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server_proc.url(t, f"/forecasts/?store={store}&dept={dept}"))
    page.wait_for_selector("#forecast-chart .main-svg")
    assert page.locator("#forecast-chart .modebar").count() == 0
    title = page.locator("#forecast-chart .gtitle").bounding_box()
    assert title is not None and title["x"] + title["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # the search's suggestions fit the phone's width too
    page.fill("#series-search", str(dept))
    page.wait_for_selector("#series-results [role=option]")
    box = page.locator("#series-results").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.console_errors == [], page.console_errors


def _suggestions(page, typed: str, *, keys: bool = False) -> list[dict]:
    """Type ``typed`` into "Find a series" (key by key, or filled at once): what the server answered, once listed."""
    with page.expect_response(lambda r: "/api/v1/series/?" in r.url and r.request.method == "GET") as answer:
        if keys:
            page.locator("#series-search").press_sequentially(typed, delay=60)
        else:
            page.fill("#series-search", typed)
    served = answer.value.json()["results"]
    assert served, typed
    page.wait_for_selector(f"#series-option-{len(served) - 1}")
    return served


def test_series_search_suggests_from_the_server_and_opens_the_choice(live_server_proc, page, trained):
    """The page lists no series: typing part of a code asks GET /api/v1/series/ (this session's cookie, the page's
    attribute filter) and lists its answer; a click, or the arrows and Enter, opens the series chosen with the filter
    kept."""
    t, _ = trained
    login(page, live_server_proc, t)
    store, dept = _series(t)
    with in_tenant(t):
        kind = Location.objects.get(id=store).attrs["type"]
        same_kind = {i for i, a in Location.objects.values_list("id", "attrs") if a.get("type") == kind}
    page.goto(live_server_proc.url(t, f"/forecasts/?location.type={kind}&store={store}&dept={dept}"))
    page.wait_for_selector("#forecast-chart .main-svg")
    assert page.locator("#series-results [role=option]").count() == 0 and page.locator("datalist").count() == 0
    typed = str(dept)[:1]  # part of the department's code
    served = _suggestions(page, typed, keys=True)
    labels = [text.split("\n")[0] for text in page.locator("#series-results [role=option]").all_inner_texts()]
    assert labels == [r["label"] for r in served]
    assert all(typed in r["location"] + r["item"] for r in served) and {r["store"] for r in served} <= same_kind
    choice = served[-1]
    page.click(f"#series-option-{len(served) - 1}")
    page.wait_for_url(re.compile(rf".*store={choice['store']}&dept={choice['dept']}$"))
    assert parse_qs(urlsplit(page.url).query)["location.type"] == [kind]  # the filter kept
    page.wait_for_selector("#forecast-chart .main-svg")
    assert page.input_value("select[name=store]") == str(choice["store"])
    assert page.input_value("select[name=dept]") == str(choice["dept"])
    assert page.text_content("#forecast-chart .gtitle") == choice["label"]
    # the keyboard: the second suggestion, highlighted with the arrows, opens with Enter
    served = _suggestions(page, str(store))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    picked = served[1] if len(served) > 1 else served[0]
    assert page.get_attribute("#series-search", "aria-activedescendant") == f"series-option-{served.index(picked)}"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*store={picked['store']}&dept={picked['dept']}$"))
    page.wait_for_selector("#forecast-chart .main-svg")
    assert page.text_content("#forecast-chart .gtitle") == picked["label"]
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []


def test_forecast_page_updates_when_its_refresh_ends(live_server_proc, page, trained):
    """The refresh started from the page ends: the page shows the new run's forecast without a reload."""
    t, _ = trained
    login(page, live_server_proc, t)
    store, dept = _series(t)
    page.goto(live_server_proc.url(t, f"/forecasts/?store={store}&dept={dept}"))
    page.wait_for_selector("#forecast-chart .main-svg")
    before = page.get_attribute("#forecast-body", "data-run")
    page.evaluate("() => { window.notReloaded = true; }")
    page.click("#refresh-form button[type=submit]")
    page.wait_for_selector("#refresh-status [data-status=succeeded]", timeout=600_000)
    page.wait_for_function(f"() => document.getElementById('forecast-body').dataset.run !== '{before}'",
                           timeout=60_000)
    page.wait_for_selector("#forecast-chart .main-svg")
    assert page.evaluate("() => window.notReloaded") is True  # the same document: updated in place
    assert page.locator("#forecast-body").count() == 1 and page.locator("#forecast-points tbody tr").count() == 13
    assert page.console_errors == [], page.console_errors


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
