"""Pages of a daily or monthly workspace speak in its periods (issues 17/19): the materiality floor, set per
week, says what it is for one day or month; the retraining settings, in weeks, say what a week is there;
Insights names the periods and what a weekly-only section needs; a store's growth card states the periods
it compares and shows no percentage when last year's part begins before the history."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.audit import Actor
from accounts.scope import StoreScope
from forecasting.models import (
    DataSettings,
    DriftReport,
    ForecastPoint,
    ForecastRun,
    ModelVersion,
    RetrainingPolicy,
    Upload,
)
from forecasting.services.overrides import override_create
from forecasting.services.plans import plan_approve, plan_submit
from jobs.models import Job
from tests.conftest import in_tenant, provision
from tests.support import daily_seed
from tests.support.pages import owner_page


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("daily")
        daily_seed.seed(t)
        with in_tenant(t):  # a backtest over every store, shown on the Dashboard until live days arrive
            ModelVersion.objects.update(backtest_by={"store": {str(n): {"error": 10.0, "actual": 100.0, "wape": 0.1}
                                                               for n in daily_seed.STORES}})
    return t


@pytest.fixture(scope="module")
def monthly(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("monthly")
        with in_tenant(t):
            DataSettings.objects.update_or_create(pk=1, defaults={**daily_seed.WORDS, "frequency": "MS"})
    return t


def _between(html: str, start: str, end: str) -> str:
    part = html[html.index(start):]
    return part[:part.index(end)]


def test_the_floor_says_what_it_is_for_a_day(shop):
    html = owner_page(shop, "/data/settings/")
    assert "20 units a week, applied to each day as 2.86 units (1 week = 7 days)" in html
    field = _between(html, 'id="floor-field"', "<input")
    assert "Floor, per week (units), applied to each day in proportion (1 week = 7 days: now 2.86 units a day)" in field


def test_the_floor_says_what_it_is_for_a_month(monthly):
    html = owner_page(monthly, "/data/settings/")
    assert "20 units a week, applied to each month as 86.67 units (1 month = 52 ÷ 12 ≈ 4.33 weeks)" in html
    assert "now 86.67 units a month" in _between(html, 'id="floor-field"', "<input")


def test_a_growth_card_shows_no_percentage_when_last_years_part_precedes_the_history(shop):
    html = owner_page(shop, "/stores/1/")
    card = _between(html, '<div class="value" id="growth">', "</div></div>")
    assert "%" not in card.split("</div>")[0]
    assert "no comparison, the history starts <span class=\"nowrap\">2024-10-01</span>" in card
    assert "after the first day of the same days a year earlier (<span class=\"nowrap\">2024-01-03</span>)" in card
    assert "Units year to date <span class=\"nowrap\">(2025-01-01 to 2025-12-24)</span>, every series" in html


def _policy(t, **fields) -> None:
    with in_tenant(t):
        RetrainingPolicy.objects.update_or_create(pk=1, defaults={"on_new_data": True, "on_degradation": True,
                                                                   **fields})


def test_retraining_in_weeks_says_what_a_week_is_in_days(shop):
    _policy(shop, min_new_weeks=2, degradation_weeks=4, shadow_weeks=2)
    html = owner_page(shop, "/models/retraining/")
    gloss = _between(html, 'id="week-gloss"', "</p>")
    assert "this workspace plans by day (1 week = 7 days)" in gloss and "13 new days are 1 week" in gloss
    assert "after an upload adding at least 2 weeks (14 days of new data)" in html
    assert "over the last 4 realized weeks (28 days) above" in html
    assert "for 2 realized weeks (14 days, at most the challenger's horizon)" in html
    assert "Retrain after an upload that adds new days</label>" in html
    assert "At least this many new weeks (1 week = 7 days)" in html


def test_retraining_in_weeks_says_how_a_month_counts(monthly):
    _policy(monthly, min_new_weeks=5, degradation_weeks=4, shadow_weeks=13)
    html = owner_page(monthly, "/models/retraining/")
    gloss = _between(html, 'id="week-gloss"', "</p>")
    assert "months × 52 ÷ 12 weeks, rounded down (1 month is 4 weeks" in gloss
    assert "nearest whole number of months, at least one" in gloss
    assert "at least 5 weeks (2 months of new data)" in html
    assert "over the last 4 realized weeks (1 month) above" in html
    assert "for 13 realized weeks (3 months," in html


def test_a_weekly_workspace_keeps_its_weeks_plain(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("weekly")
    _policy(t, min_new_weeks=2)
    html = owner_page(t, "/models/retraining/")
    assert 'id="week-gloss"' not in html and "Retrain after an upload that adds new weeks</label>" in html
    assert "after an upload adding at least 2 weeks" in html and "of new data" not in html


def test_insights_outlook_and_markdown_roi_speak_the_workspaces_periods(shop):
    html = owner_page(shop, "/insights/")
    outlook = _between(html, "<h2>Outlook by product</h2>", '<h2 id="markdown-roi">')
    assert re.search(r"products that sold under [\d,.]+ units in those days a year earlier are not listed "
                     r"\(the materiality floor, a <a href=\"/data/settings/\">data setting</a>, over those days\)",
                     outlook), outlook[:600]
    assert "weeks" not in outlook and "department" not in outlook.lower()
    assert "No product is expected to decline." in outlook
    roi = _between(html, '<h2 id="markdown-roi">', '<h2 id="hotspots">')
    assert 'id="roi-weekly-only"' in roi and "this workspace plans by day" in roi
    assert "markdown amounts by store and week (the MarkDown1–5 columns of a features file" in roi
    assert "Computed after the next upload" not in roi and "backtest weeks" not in roi
    anomalies = _between(html, '<table class="table" id="anomaly-table">', "</thead>")
    assert "<th>Units</th>" in anomalies and "<th>Sales</th>" not in anomalies
    assert "Stock on hand in units (CSV:" in html and "in dollars" not in html


def test_the_tables_note_names_the_series_and_why_there_is_no_growth(shop):
    for url in ("/stores/", "/departments/"):
        html = owner_page(shop, url)
        assert "both sides sum the same series (the same store and product), over the same days a year earlier" in html
        assert "store-departments" not in html
        assert 'No growth: the history starts <span class="nowrap">2024-10-01</span>' in html


def test_billing_says_what_a_week_of_horizon_is(shop):
    html = owner_page(shop, "/billing/")
    assert "Weeks of forecast horizon (1 week = 7 days)</th>" in html


def test_the_simulator_of_a_daily_workspace_speaks_of_levers_not_markdown_weeks(shop):
    html = owner_page(shop, "/simulator/")
    intro = _between(html, 'id="sim-intro"', "</p>")
    assert "Pick stores, products and days of the forecast" in intro
    page = _between(html, "<h1>", "<script")
    assert "markdown" not in page.lower() and "weeks" not in page


def test_the_dashboards_backtest_error_counts_held_out_days(shop):
    card = _between(owner_page(shop, "/"), 'id="kpi-accuracy"', "Champion:")
    assert "as a share of units, lower is better) on held-out days before training" in card
    assert "weeks" not in card and "sales" not in card


def test_an_empty_items_page_names_the_workspaces_items(monthly):
    html = owner_page(monthly, "/departments/")
    empty = _between(html, 'id="empty-state"', "</p>")
    assert "No products yet." in empty and "every product appears here, summed over all stores" in empty
    assert "department" not in empty


def test_an_uploads_drift_report_counts_its_new_days_in_its_words(shop):
    with in_tenant(shop):
        upload = Upload.objects.create(kind="sales", original_filename="days.csv", size=1, sha256="0" * 64,
                                       file_path="", status="succeeded")
        band = {"series": 8, "share_rows_outside95": 0.4,
                "level_shift": {"store": [{"store": 2, "actual": 90.0, "forecast": 60.0, "ratio": 1.5}],
                                "dept": [{"dept": 1, "actual": 80.0, "forecast": 100.0, "ratio": 0.8}]}}
        DriftReport.objects.create(upload=upload, first_week=date(2025, 12, 25), last_week=date(2025, 12, 31),
                                   share_outside95=0.5, detected=True, figures={
                                       "band": band, "new": {"stores": [], "depts": [], "series": []},
                                       "vanished": {"stores": [], "depts": [], "series": []}})
    report = _between(owner_page(shop, f"/data/uploads/{upload.pk}/"), 'id="drift-report"', " series · Vanished")
    assert "Drift of the new days" in report and "Days 2025-12-25 to 2025-12-31" in report
    assert "outside the 95% band in most of the new days (40% of series-days" in report
    assert "Level shift by store" in report and '<td class="nowrap">Store ST-002</td>' in report
    assert "Level shift by product" in report and '<td class="nowrap">Product SKU-10001</td>' in report
    assert "0 product(s)" in report and "week" not in report.lower() and "department" not in report.lower()


def test_the_plan_page_counts_the_days_the_forecast_shares_with_the_plan(shop):
    with in_tenant(shop):
        plan_approve(actor=Actor.system(), scope=StoreScope.all(),
                     plan=plan_submit(actor=Actor.system(), scope=StoreScope.all()))
    versus = _between(owner_page(shop, "/forecasts/plan/"), 'id="plan-versus"', "</p>")
    assert f"The current forecast over the {daily_seed.HORIZON} days it shares with the plan" in versus


def test_earlier_forecasts_count_their_days_with_actuals(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("daily-earlier")
        daily_seed.seed(t)
        with in_tenant(t):
            run = ForecastRun.objects.get()
            earlier = ForecastRun.objects.create(model_version=run.model_version, origin=date(2025, 12, 10), horizon=7,
                                                 series=1, created_at=run.created_at - timedelta(days=14))
            ForecastPoint.objects.bulk_create([
                ForecastPoint(run=earlier, store=1, dept=1, date=date(2025, 12, 10) + timedelta(days=n), forecast=70.0,
                              lo80=60.0, hi80=80.0, lo95=50.0, hi95=90.0) for n in range(1, 8)])
    html = owner_page(t, "/forecasts/?store=1&dept=1")
    table = _between(html, 'id="earlier-forecasts"', "</thead>")
    assert "<th>Days with actuals</th>" in table and "Weeks" not in table
    assert "Type a store and a product or part of a code or name." in html and "e.g. 1-18" not in html


def test_an_override_over_many_days_and_the_stores_watch_speak_the_workspaces_words(
        django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("daily-watch")
        daily_seed.seed(t)
        with in_tenant(t):
            days = [(daily_seed.LAST + timedelta(days=n)).isoformat() for n in range(1, 8)]
            override_create(actor=Actor.system(), scope=StoreScope.all(), level="series",
                            key={"store": 1, "dept": 1}, periods=days, percent=10, reason="promotion")
            Job.objects.create(kind=Job.Kind.TRAIN, status=Job.Status.SUCCEEDED, finished_at=timezone.now())
    overrides = owner_page(t, "/forecasts/overrides/")
    assert f"{days[0]} – {days[-1]} (7 days)" in overrides and "7 weeks" not in overrides
    stores = owner_page(t, "/stores/")
    assert "The store and product figures are being recomputed" in stores and "department figures" not in stores


def test_the_dashboards_year_to_date_shows_no_percentage_over_a_partial_base(shop):
    card = _between(owner_page(shop, "/"), 'id="kpi-ytd"', 'id="vs-last-year"')
    assert 'No comparison: the history starts <span class="nowrap">2024-10-01</span>' in card
    assert "%" not in card
