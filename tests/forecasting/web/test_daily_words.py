"""A daily workspace in the generated retailer's words (Store, Product, Units) says days, its products and
its unit on every page: no leftover "weeks", "Department" or "$" (tests/support/daily_seed.py)."""
from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from accounts.scope import StoreScope
from forecasting.models import OnHandStock
from forecasting.reports.delivery import weekly_report_message
from forecasting.reports.figures import weekly_report
from forecasting.reports.pdf import kpi_rows
from forecasting.selectors.catalog import catalog_list, workspace_words
from forecasting.selectors.groups import node_choices
from tests.conftest import in_tenant, provision, web_client
from tests.support import daily_seed


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("daily")
        daily_seed.seed(t)
        with in_tenant(t):
            owner = User.objects.get(email=t.owner_email)
    return t, owner


def _page(shop, url: str) -> str:
    t, owner = shop
    response = web_client(t, owner).get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_insights_anomalies_and_inventory_say_days(shop):
    html = _page(shop, "/insights/")
    assert "Past days whose units fell outside" in html and "Past weeks" not in html
    assert '<table class="table" id="anomaly-table"><thead><tr><th>Day</th>' in html
    assert "suggested orders, every day" in html and "every week" not in html


def test_store_page_names_its_products_and_own_covariates(shop):
    html = _page(shop, "/stores/1/")
    assert '<button class="link" type="button">Product</button>' in html
    assert 'type="button">Department</button>' not in html
    assert "No markdowns or covariates" not in html
    assert "<strong>price</strong>" in html and "<strong>promo</strong>" in html
    assert 'id="covariate-chart"' in html


def test_weekly_report_states_the_days_it_sums(shop):
    t, _ = shop
    with in_tenant(t):
        report = weekly_report(scope=StoreScope.all())
        rows = kpi_rows(report)
        html = weekly_report_message(report=report, tenant=t.tenant, recipients=["a@b.test"]).alternatives[0][0]
    assert "Next 28 days (forecast)" in [r[0] for r in rows]
    assert not any("13 weeks" in r[0] for r in rows)
    assert "next 28 days vs the same days last year" in html and "13 weeks" not in html


def test_product_heatmap_in_the_workspace_unit_and_periods(shop):
    html = _page(shop, "/departments/1/").replace(" ", "")
    assert '"text":"Dailyunitsbystore,last364days"' in html and "Weeklysalesbystore" not in html
    assert '"colorbar":{"title":{"text":"units"}' in html and '"colorbar":{"title":{"text":"$"}' not in html
    assert '"y":["StoreST-001"' in html


def test_dashboard_groups_stores_by_their_first_attribute_without_a_type(shop):
    html = _page(shop, "/")
    assert "No units by store type" not in html and "No sales by store type" not in html
    assert "Units by store format</h2>" in html  # the first attribute that groups them (no "type")
    assert "<td>Hyper</td><td>2</td>" in html and "<td>Super</td><td>2</td>" in html
    assert '"text":"Units year to date by store format"' in html.replace(": ", ":")


def test_numeric_attribute_values_sort_as_numbers(shop):
    t, owner = shop
    with in_tenant(t):
        sizes = next(c for c in node_choices(workspace_words()) if c["level"] == "location.size_m2")
        listed = catalog_list(scope=StoreScope.all(), side="location")["attributes"]["size_m2"]
    assert sizes["keys"] == ["200", "1000"]
    assert [str(v) for v in listed] == ["200", "1000"]
    html = _page(shop, "/insights/")
    assert html.index('<option value="200">') < html.index('<option value="1000">')



def test_last_year_figure_names_the_weekday_it_compares_with(shop):
    html = _page(shop, "/forecasts/?store=1&dept=1")
    assert '<th class="nowrap">Same weekday last year</th>' in html and "Same day last year" not in html
    first = html[html.index('<table class="table" id="forecast-points">'):]
    first = first[first.index("<tbody>"):]
    first = first[:first.index("</tr>")]
    assert "2025-12-25" in first and "(Thu 26 Dec 2024)" in first  # 364 days back: the same weekday
    assert f"{daily_seed.units(1, 1, date(2024, 12, 26)):,.0f} units" in first



def test_dashboard_forecast_cards_count_days(shop):
    html = _page(shop, "/")
    card = html[html.index('id="kpi-next-13"'):]
    card = card[:card.index('id="kpi-accuracy"')]
    assert "Forecast, next 28 days</div>" in card and "next 4 weeks" not in card
    assert "vs the same days last year" in card and "{{" not in html


def test_weekly_report_pdf_and_email_speak_units_and_the_retailers_codes(shop):
    t, _ = shop
    with in_tenant(t):
        report = weekly_report(scope=StoreScope.all())
        rows = kpi_rows(report)
        message = weekly_report_message(report=report, tenant=t.tenant, recipients=["a@b.test"])
    # year to date has no like-for-like base: last year's part begins before the history (1 Oct 2024)
    assert rows[1][0] == "Year to date" and rows[1][1:] == ("-", "-", "-"), rows[1]
    figures = [cell for i, r in enumerate(rows[:3]) if i != 1 for cell in r[1:3]]
    assert all(cell.endswith(" units") for cell in figures) and not any("$" in c for c in figures), figures
    movers = report["movers"]["stores"]["up"] + report["movers"]["stores"]["down"]
    assert movers and all(m["code"].startswith("ST-") for m in movers)
    assert report["by_store_type"] == []  # the stores have formats and regions, no type: no "Type ?" bar
    html = message.alternatives[0][0]
    assert f"Store {movers[0]['code']}: " in html and " units forecast" in html and "Department" not in html


def test_stock_on_hand_is_uploaded_by_the_retailers_codes(shop):
    t, owner = shop
    web = web_client(t, owner)
    page = web.post("/insights/on-hand/", {"file": SimpleUploadedFile(
        "stock.csv", b"Store,Dept,OnHand\nst-001,SKU-10001,40\nST-002,SKU-10002,12\n")}, follow=True).content.decode()
    with in_tenant(t):
        assert sorted(OnHandStock.objects.values_list("store", "dept", "on_hand")) == [(1, 1, 40.0), (2, 2, 12.0)]
    bad = web.post("/insights/on-hand/", {"file": SimpleUploadedFile(
        "stock.csv", b"Store,Dept,OnHand\nST-001,SKU-99,1\n")}, follow=True).content.decode()
    assert "row 2, Dept: no item has this code" in bad
    assert "Store and Dept are your store and product codes" in page


def test_a_forecast_link_may_name_the_series_by_its_codes(shop):
    html = _page(shop, "/forecasts/?store=ST-001&dept=SKU-10001")
    assert 'id="forecast-points"' in html and "ST-001" in html
    unknown = _page(shop, "/forecasts/?store=NOPE-1&dept=SKU-10001")
    assert "No sales for store" in unknown and 'id="forecast-points"' not in unknown


def test_overrides_offer_the_workspaces_own_levels_not_a_store_type_it_lacks(shop):
    html = _page(shop, "/forecasts/overrides/")
    assert 'value="store_type"' not in html and 'value="location.region"' in html and 'value="item.category"' in html
