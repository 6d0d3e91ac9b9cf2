"""A small daily workspace in the generated retailer's words (demo/bootstrap.py: Store, Product, Units),
its rows created directly (no upload, no training): four stores with a region, a format and a numeric
size (no ``type``), two products, a year and a bit of daily sales, a served 28-day forecast, the
retailer's own covariates (price, promo) and one stored anomaly. For the pages' wording tests."""
from __future__ import annotations

from datetime import date, timedelta

from forecasting.models import (
    Covariate,
    CovariateSpec,
    DataSettings,
    ForecastPoint,
    ForecastRun,
    InsightSnapshot,
    Item,
    Location,
    ModelVersion,
    SalesRecord,
)
from forecasting.selectors.workspace import dataset_version
from tests.conftest import in_tenant

WORDS = {"frequency": "D", "location_word": "Store", "location_word_plural": "Stores", "item_word": "Product",
         "item_word_plural": "Products", "measure_word": "Units", "measure_unit": "units", "materiality_floor": 20,
         "legacy_keys": False, "period_label": "start"}
FIRST, LAST = date(2024, 10, 1), date(2025, 12, 24)  # the origin: a Wednesday; its first forecast day 25 Dec
HORIZON = 28
STORES = {1: {"region": "North", "format": "Hyper", "size_m2": 1000},
          2: {"region": "South", "format": "Super", "size_m2": 200},
          3: {"region": "North", "format": "Super", "size_m2": 200},
          4: {"region": "South", "format": "Hyper", "size_m2": 1000}}
ITEMS = {1: {"category": "Dairy"}, 2: {"category": "Bakery"}}
ANOMALY_DAY = date(2025, 12, 20)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def units(store: int, item: int, day: date) -> float:
    return float(40 + 10 * store + 5 * item + day.weekday() * 3 + (day.toordinal() % 7))


def seed(t) -> None:
    with in_tenant(t):
        DataSettings.objects.update_or_create(pk=1, defaults=WORDS)
        Location.objects.bulk_create([Location(id=n, code=f"ST-{n:03d}", name=f"Store {n}", attrs=a)
                                      for n, a in STORES.items()])
        Item.objects.bulk_create([Item(id=n, code=f"SKU-{10000 + n}", name=f"Item {n}", attrs=a)
                                  for n, a in ITEMS.items()])
        SalesRecord.objects.bulk_create([SalesRecord(store=s, dept=i, date=d, sales=units(s, i, d))
                                         for s in STORES for i in ITEMS for d in days(FIRST, LAST)])
        version = ModelVersion.objects.create(
            number=1, status="active", chosen="ets", horizon=HORIZON, backtest_windows=1, metrics={},
            dataset_version=0, artifact_path="/nonexistent", artifact_sha256="0" * 64, training_seconds=1.0,
            data_end=LAST)
        run = ForecastRun.objects.create(model_version=version, origin=LAST, horizon=HORIZON,
                                         series=len(STORES) * len(ITEMS))
        ForecastPoint.objects.bulk_create([
            ForecastPoint(run=run, store=s, dept=i, date=d, forecast=units(s, i, d) * 1.05, lo80=1.0, hi80=200.0,
                          lo95=0.5, hi95=300.0)
            for s in STORES for i in ITEMS for d in days(LAST + timedelta(days=1), LAST + timedelta(days=HORIZON))])
        CovariateSpec.objects.create(name="price", kind="known", level="series")
        CovariateSpec.objects.create(name="promo", kind="known", level="series")
        Covariate.objects.bulk_create([
            Covariate(name=name, store=s, dept=i, date=d, value=value)
            for s in STORES for i in ITEMS for d in days(LAST - timedelta(days=60), LAST)
            for name, value in (("price", 2.5 + i), ("promo", float(d.day % 5 == 0)))])
        InsightSnapshot.objects.create(kind="anomalies", dataset_version=dataset_version(), source_run=run.pk,
                                       seconds=0.1, data={"results": [{
                                           "store": 1, "dept": 1, "date": ANOMALY_DAY.isoformat(), "sales": 400.0,
                                           "expected": 70.0, "lo": 50.0, "hi": 90.0, "deviation": 330.0,
                                           "method": "band"}]})
