"""Issue 17, acceptance 4 (its first step) in a real browser with the real worker: a retailer's file the
product cannot read with certainty (semicolons, decimal commas, German headers, codes S-001) stops at
"needs its column mapping"; the Data page shows the proposal in a table with one role per column and the
first values; the planner corrects one role and reads the file; the history shows it loaded and the
locations carry the retailer's codes. At 390 px the mapping table fits the screen."""
from __future__ import annotations

import csv

import pytest

from demo import retailer
from tests.conftest import in_tenant, provision
from tests.forecasting.catalog.test_mapped_uploads import rewrite_sales
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture(scope="module")
def prepared(celery_worker_proc, django_db_blocker, tmp_path_factory):
    from forecasting.demo_data import generate

    folder = tmp_path_factory.mktemp("mapping-page")
    files = generate(folder, seed=5, small=True)
    with open(files["sales"], newline="") as fh:
        rows = list(csv.DictReader(fh))[:400]
    path = folder / "umsatz.csv"
    # a column the proposal cannot know: the planner says what it is
    path.write_bytes(rewrite_sales(rows).replace(b"Feiertag", b"Kennz"))
    with django_db_blocker.unblock():
        t = provision("mappingpage")
    return t, path, rows


def test_a_planner_confirms_the_mapping_on_the_data_page(live_server_proc, page, prepared):
    from forecasting.models import Location, SalesRecord

    t, path, rows = prepared
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/data/"))
    page.set_input_files("#upload-form input[name=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status [data-status=needs_mapping]", timeout=120000)
    page.click("#needs-mapping a")
    page.wait_for_selector("#mapping-table")
    headers = page.locator("#mapping-table tbody tr td:first-child").all_inner_texts()
    assert headers == ["Filiale", "Warengruppe", "Wochenbeginn", "Umsatz", "Kennz"]
    assert page.input_value("input[name=role-0]") == "location"
    assert page.input_value("input[name=role-2]") == "date"
    assert "S-001" in page.inner_text("#mapping-table tbody tr >> nth=0")
    assert page.input_value("select[name=decimal]") == "," and page.input_value("select[name=delimiter]") == ";"
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1440, "height": 900})
    page.fill("input[name=role-1]", "item")
    page.fill("input[name=role-4]", "event")  # the holiday flag
    page.click("#mapping button[type=submit]")
    page.wait_for_url("**/data/")
    page.wait_for_function("() => document.querySelector('#upload-history tbody tr') && "
                           "document.querySelector('#upload-history tbody tr').innerText.includes('succeeded')",
                           timeout=120000)
    with in_tenant(t):
        assert SalesRecord.objects.count() == len(rows)
        assert SalesRecord.objects.filter(is_holiday=True).count() == sum(r["IsHoliday"] == "TRUE" for r in rows)
        assert Location.objects.order_by("id").first().code == "S-001"
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []


def test_the_generated_retailers_till_export_is_mapped_on_the_data_page(live_server_proc, page, prepared,
                                                                        django_db_blocker, tmp_path):
    """Issue 17 acceptance 4, its upload: the generated retailer's daily till export (semicolons, decimal
    commas, a price and a promotion column) is mapped on the Data page, its price and promotion flag
    confirmed as known covariates; the workspace becomes daily and stores both."""
    from forecasting.models import Covariate, CovariateSpec, DataSettings, SalesRecord

    files = retailer.generate(tmp_path, **retailer.SMALL)
    with django_db_blocker.unblock():
        t = provision("tillpage")
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/data/"))
    page.set_input_files("#upload-form input[name=file]", str(files["sales"]))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-status [data-status=needs_mapping]", timeout=120000)
    page.click("#needs-mapping a")
    page.wait_for_selector("#mapping-table")
    headers = page.locator("#mapping-table tbody tr td:first-child").all_inner_texts()
    assert headers == ["store", "sku", "date", "units", "price", "promo"]
    assert [page.input_value(f"input[name=role-{i}]") for i in range(4)] == ["location", "item", "date", "measure"]
    page.fill("input[name=role-4]", "covariate:price:known")
    page.fill("input[name=role-5]", "covariate:promo:known")
    page.click("#mapping button[type=submit]")
    page.wait_for_url("**/data/")
    page.wait_for_function("() => document.querySelector('#upload-history tbody tr') && "
                           "document.querySelector('#upload-history tbody tr').innerText.includes('succeeded')",
                           timeout=180000)
    rows = sum(1 for _ in open(files["sales"])) - 1
    with in_tenant(t):
        assert SalesRecord.objects.count() == rows and DataSettings.objects.get().frequency == "D"
        assert dict(CovariateSpec.objects.values_list("name", "kind")) == {"price": "known", "promo": "known"}
        assert Covariate.objects.filter(name="price").count() == rows
    assert page.console_errors == [], page.console_errors
    assert page.bad_responses == []
