"""Issue 9 acceptance 1 over every workspace page at once, for a workspace
with data and a model trained by the real worker (``trained_workspace``):
every Plotly chart on the page is drawn (an svg inside each plot), no console
error, no page error, no failed request, no Django debug text; at 390 px the
document does not scroll sideways (tables scroll inside their .table-wrap)
and no chart toolbar is visible. (The Forecast page has its own tests.)"""
from __future__ import annotations

import pytest

from tests.conftest import in_tenant
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

# page -> (path, the charts it draws at least)
PAGES = {
    "dashboard": ("/", 2),                      # total history with forecast, sales by store type
    "stores": ("/stores/", 0),
    "store": ("/stores/{store}/", 2),           # history with forecast, markdowns and covariates
    "departments": ("/departments/", 0),
    "department": ("/departments/{dept}/", 2),  # history with forecast, store x week heatmap
    "overrides": ("/forecasts/overrides/", 0),
    "plan": ("/forecasts/plan/", 0),
    "exceptions": ("/forecasts/exceptions/", 0),
    "simulator": ("/simulator/", 0),            # its chart comes with an answer (test_simulator_page.py)
    "insights": ("/insights/", 2),              # volatility heatmap, markdown ROI scatter
    "models": ("/models/", 0),
    "model": ("/models/{version}/", 2),         # backtest, feature importance
    "retraining": ("/models/retraining/", 0),
    "data": ("/data/", 0),
}
DEBUG_TEXT = ("You're seeing this error because you have", "Traceback (most recent call last)",
              "Request Method:", "Using the URLconf", "TemplateSyntaxError", "Exception Value")
DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')].every(
    d => d.classList.contains('js-plotly-plot') && d.querySelector('svg.main-svg'))"""


@pytest.fixture(scope="module")
def places(trained_workspace, django_db_blocker):
    from forecasting.models import ModelVersion, SalesRecord

    with django_db_blocker.unblock(), in_tenant(trained_workspace):
        store, dept = SalesRecord.objects.order_by("store", "dept").values_list("store", "dept").first()
        version = ModelVersion.objects.get(status="active").pk
    return {"store": store, "dept": dept, "version": version}


def _open(page, url: str, least: int) -> None:
    resp = page.goto(url)
    assert resp.status == 200, (url, resp.status)
    page.wait_for_function(DRAWN, timeout=30000)
    charts = page.eval_on_selector_all(".js-plotly-plot", "ds => ds.map(d => !!d.querySelector('svg'))")
    assert len(charts) >= least and all(charts), (url, charts)
    assert page.locator(".plotly-graph-div").count() == len(charts)
    html = page.content()
    assert [t for t in DEBUG_TEXT if t in html] == [], url


@pytest.mark.parametrize("name", list(PAGES))
def test_page(live_server_proc, page, trained_workspace, places, name):
    path, least = PAGES[name]
    url = live_server_proc.url(trained_workspace, path.format(**places))
    login(page, live_server_proc, trained_workspace)
    _open(page, url, least)
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, url, least)
    overflow = page.evaluate("""() => ({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,
        wide: [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap'))
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent !== null)
              .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)})""")
    assert overflow["doc"] <= 390 and overflow["body"] <= 390, overflow
    assert page.locator(".modebar:visible").count() == 0
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == [], page.bad_responses
