"""Issue 17 acceptance 3 in a real browser with the real worker: Favorita's files go through the Data page
one after the other and are recognised (nobody maps a column); the workspace becomes daily and Ecuadorian
(its holidays file names the country), the owner trains from the Models page for 42 days, and the pages show
the stores by city, state, type and cluster and the forecast of a store by day, at 1440 and 390 px.
The API path and the figures are checked in tests/forecasting/catalog/test_favorita.py."""
from __future__ import annotations

import pytest

from forecasting.models import ForecastPoint, Location, ModelVersion
from tests.conftest import FAVORITA_DIR, in_tenant, provision
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow, pytest.mark.favorita]


def _no_sideways_scroll(page, url: str) -> None:
    """The page opened on a phone (390 px wide) fits the screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, url
    page.set_viewport_size({"width": 1440, "height": 900})


def test_favorita_is_recognised_on_the_data_page_and_trained_by_day(live_server_proc, page, celery_worker_proc,
                                                                    django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("favoritapage", plan="enterprise")
    login(page, live_server_proc, t)
    for name in ("stores.csv", "transactions.csv", "holidays_events.csv"):
        page.goto(live_server_proc.url(t, "/data/"))
        page.set_input_files("#upload-form input[name=file]", str(FAVORITA_DIR / name))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#upload-status [data-status=succeeded], #upload-status [data-status=failed], "
                               "#upload-status [data-status=needs_mapping]", timeout=600000)
        status = page.get_attribute("#upload-status [data-status]", "data-status")
        assert status == "succeeded", (name, page.inner_text("#upload-status"))
    page.goto(live_server_proc.url(t, "/data/settings/"))
    assert page.inner_text("#frequency").startswith("Daily (D)")
    assert page.inner_text("#holidays").startswith("EC")

    page.goto(live_server_proc.url(t, "/models/"))
    assert page.get_attribute("#train-form input[name=horizon]", "max") == "182"
    page.fill("#train-form input[name=horizon]", "42")
    page.fill("#train-form input[name=backtest_windows]", "1")
    page.click("#train-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#versions tbody tr a') !== null", timeout=900000)
    row = page.inner_text("#versions tbody tr >> nth=0")
    assert "v1" in row and "42 days" in row, row
    with in_tenant(t):
        version = ModelVersion.objects.get(number=1)
        stores = ForecastPoint.objects.filter(run__model_version=version).values("store").distinct().count()
        quito = Location.objects.filter(attrs__city="Quito").order_by("code").first()
    assert version.params["frequency"] == "D" and stores == 54

    page.goto(live_server_proc.url(t, "/stores/"))
    text = page.inner_text("main")
    assert all(f"Stores by {a}" in text for a in ("city", "state", "type", "cluster")), text[:500]
    assert "Quito" in text and "Pichincha" in text
    _no_sideways_scroll(page, live_server_proc.url(t, "/stores/"))
    page.goto(live_server_proc.url(t, f"/stores/{quito.pk}/"))
    detail = page.inner_text("main")
    assert quito.code in detail and "Quito" in detail
    _no_sideways_scroll(page, live_server_proc.url(t, f"/stores/{quito.pk}/"))
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []
