"""A monthly workspace's comparisons with last year are month for month: the same months a year earlier
(1 Jan 2025 against 1 Jan 2024), never 364 days back, which would miss a month and count another.
One store and one product, 2024 at 100 a month and 2025 at 120, a served forecast of 130 a month."""
from __future__ import annotations

from datetime import date

import pytest

from accounts.scope import StoreScope
from forecasting.models import DataSettings, ForecastPoint, ForecastRun, Item, Location, ModelVersion, SalesRecord
from forecasting.selectors.dashboard import forecast_card
from forecasting.selectors.stores import store_table_compute
from tests.conftest import in_tenant, provision

MONTHS_2024 = [date(2024, m, 1) for m in range(1, 13)]
MONTHS_2025 = [date(2025, m, 1) for m in range(1, 11)]  # to October
AHEAD = [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]


@pytest.fixture(scope="module")
def monthly(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("monthly-lfl")
        with in_tenant(t):
            DataSettings.objects.update_or_create(pk=1, defaults={"frequency": "MS", "legacy_keys": False,
                                                                  "period_label": "start"})
            Location.objects.create(id=1, code="S-1", attrs={})
            Item.objects.create(id=1, code="P-1", attrs={})
            SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=1, date=d, sales=100.0) for d in MONTHS_2024]
                                            + [SalesRecord(store=1, dept=1, date=d, sales=120.0) for d in MONTHS_2025])
            version = ModelVersion.objects.create(
                number=1, status="active", chosen="ets", horizon=3, backtest_windows=1, metrics={},
                params={"engine": "periodic", "frequency": "MS"}, dataset_version=0, artifact_path="/nonexistent",
                artifact_sha256="0" * 64, training_seconds=1.0, data_end=MONTHS_2025[-1])
            run = ForecastRun.objects.create(model_version=version, origin=MONTHS_2025[-1], horizon=3, series=1)
            ForecastPoint.objects.bulk_create([ForecastPoint(run=run, store=1, dept=1, date=d, forecast=130.0,
                                                             lo80=120.0, hi80=140.0, lo95=110.0, hi95=150.0)
                                               for d in AHEAD])
    return t


def test_year_to_date_is_compared_with_the_same_months_last_year(monthly):
    with in_tenant(monthly):
        table = store_table_compute(scope=StoreScope.all())
    row = table["results"][0]
    assert table["periods"]["last_year_start"] == "2024-01-01" and table["periods"]["last_year_end"] == "2024-10-01"
    assert row["sales_ytd"] == pytest.approx(1200.0) and row["sales_last_year_like_for_like"] == pytest.approx(1000.0)
    assert row["growth"] == pytest.approx(0.2)
    # the next 13 weeks hold November and December: against November and December 2024
    assert row["forecast_13w"] == pytest.approx(260.0) and row["forecast_last_year"] == pytest.approx(200.0)


def test_the_dashboards_forecast_card_compares_the_same_months(monthly):
    with in_tenant(monthly):
        run = ForecastRun.objects.get()
        card = forecast_card(scope=StoreScope.all(), run=run, weeks=26)  # November to January
    assert card["value"] == pytest.approx(390.0) and card["last_year"] == pytest.approx(320.0)
    assert (card["last_year_start"], card["last_year_end"]) == ("2024-11-01", "2025-01-01")
    assert card["change"] == pytest.approx(390.0 / 320.0 - 1)
