"""Issue 9 acceptance 1 for pages 2-3: the Stores and Departments pages in a
real browser — tables sort and filter, the store page's history/forecast and
covariate charts and the department page's chart and store x week heatmap
render, no console errors, and at 390 px no chart toolbar and no overflow."""
from __future__ import annotations

import pytest

from tests.conftest import provision
from tests.support import stores_seed as seed
from tests.support.browser import login
from tests.support.job_watch import page_waits_for_its_figures

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("storepages")
        seed.seed(t)
    return t


def _column(page, table: str, attr: str) -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr:not([hidden])", f"rs => rs.map(r => r.dataset.{attr})")


def test_stores_table_sorts_filters_and_opens_a_store(live_server_proc, page, shop):
    t = shop
    login(page, live_server_proc, t)
    page.click("nav a:has-text('Stores')")
    page.wait_for_selector("#stores-table")
    assert _column(page, "stores-table", "store") == ["1", "2", "3", "4"]
    page.click("#stores-table th:nth-child(4) button")  # sales YTD, ascending
    ytd = {s: seed.ytd_by_hand(stores={s}) for s in (1, 2, 3, 4)}  # store 4: no sales, 0
    assert _column(page, "stores-table", "store") == [str(s) for s in sorted(ytd, key=ytd.get)]
    page.click("#stores-table th:nth-child(4) button")  # descending
    assert _column(page, "stores-table", "store") == [str(s) for s in sorted(ytd, key=ytd.get, reverse=True)]
    page.click("#stores-table th:nth-child(5) button")  # growth: store 4 has none, it sorts last
    assert _column(page, "stores-table", "store")[-1] == "4"
    page.fill("#store-search", "B")
    assert _column(page, "stores-table", "store") == ["2"]
    page.fill("#store-search", "")
    growth = page.inner_text("#stores-table tr[data-store='3'] td.growth")
    assert growth == f"{'+' if seed.growth_by_hand(stores={3}) > 0 else '−'}{abs(seed.growth_by_hand(stores={3})) * 100:.1f}%"

    page.click("#stores-table a[href='/stores/1/']")
    page.wait_for_selector("#store-chart.js-plotly-plot .main-svg")
    names = page.evaluate("() => document.getElementById('store-chart').data.map(t => t.name)")
    assert {"Sales", "Same week last year", "Forecast", "80% interval", "95% interval"} <= set(names)
    page.wait_for_selector("#covariate-chart.js-plotly-plot .main-svg")
    cov = page.evaluate("() => document.getElementById('covariate-chart').data.map(t => t.name)")
    assert "Markdown 1 ($)" in cov and "Temperature (°F)" in cov
    assert page.locator("#store-depts tbody tr").count() == 2
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []


def test_departments_table_and_heatmap(live_server_proc, page, shop):
    t = shop
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/departments/"))
    assert _column(page, "departments-table", "dept") == ["1", "2", "3"]
    page.fill("#dept-search", "3")
    assert _column(page, "departments-table", "dept") == ["3"]
    page.goto(live_server_proc.url(t, "/departments/2/"))
    page.wait_for_selector("#dept-chart.js-plotly-plot .main-svg")
    page.wait_for_selector("#heatmap-chart.js-plotly-plot .main-svg")
    heat = page.evaluate("() => { const d = document.getElementById('heatmap-chart').data[0];"
                         " return {type: d.type, rows: d.y.length, cols: d.x.length}; }")
    assert heat == {"type": "heatmap", "rows": 3, "cols": 52}
    assert page.locator("#dept-stores tbody tr").count() == 3
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []


@pytest.mark.parametrize("path,chart", [("/stores/1/", "store-chart"), ("/departments/2/", "heatmap-chart")])
def test_phone_width_has_no_chart_toolbar(live_server_proc, page, shop, path, chart):
    t = shop
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, path))
    page.wait_for_selector(f"#{chart}.js-plotly-plot .main-svg")
    assert page.locator(".modebar").count() == 0  # nothing drawn over the titles
    width = page.evaluate(f"() => document.getElementById('{chart}').getBoundingClientRect().width")
    assert 0 < width <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.console_errors == [], page.console_errors


def test_department_page_updates_itself_when_its_job_ends_and_the_figures_are_stored(live_server_proc, page, shop):
    """A job that changes the data is under way; it ends (the page keeps waiting without a reload: the worker
    has not stored the new tables and anomalies yet); they are stored: the page reloads itself."""
    from forecasting.services.figures import figures_snapshot_write
    from forecasting.services.insights import insights_snapshot_write

    def store_figures():
        figures_snapshot_write()
        insights_snapshot_write()

    login(page, live_server_proc, shop)
    page_waits_for_its_figures(page, live_server_proc, shop, "/departments/2/", store_figures=store_figures)
    page.wait_for_selector("#heatmap-chart.js-plotly-plot .main-svg")
    assert page.locator("#job-watch .job").count() == 0
    assert page.console_errors == [], page.console_errors
