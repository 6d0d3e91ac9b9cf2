"""A small tenant for the Stores and Departments pages, built so that a
like-for-like figure differs from a naive one: a new series (no sales last
year), a closed series (no sales this year), a week missing from one series.
``SALES`` holds every seeded row so tests compute the figures by hand."""
from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import in_tenant

FIRST, LAST = date(2011, 1, 7), date(2012, 3, 2)  # Fridays; 2012 year to date: 2012-01-06 .. 2012-03-02
ORIGIN = LAST
EARLIER_ORIGIN = date(2012, 1, 27)  # an earlier run, evaluated on 2012-02-03 .. 2012-03-02
STORES = {1: ("A", 150000), 2: ("B", 90000), 3: ("A", 120000), 4: ("C", 50000)}  # store 4: no sales at all
SERIES = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)]
NEW_SERIES = (3, 2)     # first sale in 2012
CLOSED_SERIES = (2, 1)  # last sale in 2011
GAP = ((1, 2), date(2012, 2, 3))


def weeks(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        out.append(d)
        d += timedelta(weeks=1)
    return out


def sales_value(s: int, d: int, day: date) -> float:
    """Grows by store and department, with a year-on-year change that differs per series."""
    i = (day - FIRST).days // 7
    return round(1000.0 * s + 100.0 * d + 7.0 * i + (35.0 * s * d if day.year == 2012 else 0.0) + (i % 5) * 13.0, 2)


def _series_weeks(s: int, d: int) -> list[date]:
    ws = weeks(FIRST, LAST)
    if (s, d) == NEW_SERIES:
        ws = [w for w in ws if w.year == 2012]
    if (s, d) == CLOSED_SERIES:
        ws = [w for w in ws if w.year == 2011]
    if (s, d) == GAP[0]:
        ws = [w for w in ws if w != GAP[1]]
    return ws


SALES = {(s, d, w): sales_value(s, d, w) for s, d in SERIES for w in _series_weeks(s, d)}
FORECAST_WEEKS = weeks(ORIGIN + timedelta(weeks=1), ORIGIN + timedelta(weeks=13))
LIVE = [(s, d) for s, d in SERIES if (s, d) != CLOSED_SERIES]


def forecast_value(s: int, d: int, day: date) -> float:
    return 900.0 * s + 120.0 * d + ((day - ORIGIN).days // 7) * 3.0


def earlier_forecast_value(s: int, d: int, day: date) -> float:
    return SALES.get((s, d, day), 0.0) * (1.1 if s == 1 else 0.95)


def seed(t) -> None:
    from forecasting.models import (
        ForecastAggregate,
        ForecastPoint,
        ForecastRun,
        ModelEvaluation,
        ModelVersion,
        SalesRecord,
        Store,
        StoreWeek,
    )

    with in_tenant(t):
        for n, (kind, size) in STORES.items():
            Store.objects.create(number=n, type=kind, size=size)
        SalesRecord.objects.bulk_create([SalesRecord(store=s, dept=d, date=w, sales=v, is_holiday=False)
                                         for (s, d, w), v in SALES.items()])
        StoreWeek.objects.bulk_create([
            StoreWeek(store=s, date=w, temperature=40.0 + (w.month * 3), fuel_price=3.1,
                      markdown1=(2500.0 if w.month in (1, 2) and w.year == 2012 else None), markdown3=None)
            for s in (1, 2, 3) for w in weeks(FIRST, LAST)])
        version = ModelVersion.objects.create(
            number=1, status="active", chosen="ensemble", horizon=13, backtest_windows=1,
            metrics={"ensemble": {"wmae": 1.0}}, dataset_version=0, artifact_path="/nonexistent",
            artifact_sha256="0" * 64, training_seconds=1.0, data_end=ORIGIN)
        earlier = ForecastRun.objects.create(model_version=version, origin=EARLIER_ORIGIN, horizon=13,
                                             series=len(LIVE))
        ForecastPoint.objects.bulk_create([
            ForecastPoint(run=earlier, store=s, dept=d, date=w, forecast=earlier_forecast_value(s, d, w),
                          lo80=0, hi80=1, lo95=0, hi95=1)
            for s, d in LIVE for w in weeks(EARLIER_ORIGIN + timedelta(weeks=1), EARLIER_ORIGIN + timedelta(weeks=13))])
        ModelEvaluation.objects.create(
            run=earlier, model_version=version, origin=EARLIER_ORIGIN, first_week=date(2012, 2, 3), last_week=LAST,
            weeks=5, rows=30, wmae=1.0, mae=1.0, wape=0.05, bias=0.0, coverage80=0.8, coverage95=0.95,
            seasonal_naive_wmae=2.0)
        run = ForecastRun.objects.create(model_version=version, origin=ORIGIN, horizon=13, series=len(LIVE))
        ForecastPoint.objects.bulk_create([
            ForecastPoint(run=run, store=s, dept=d, date=w, forecast=forecast_value(s, d, w), lo80=0, hi80=1, lo95=0,
                          hi95=1)
            for s, d in LIVE for w in FORECAST_WEEKS])
        for level, key, members in (("location", "1", [(1, 1), (1, 2)]), ("item", "1", [(1, 1), (3, 1)])):
            ForecastAggregate.objects.bulk_create([
                ForecastAggregate(run=run, level=level, key=key, date=w,
                                  forecast=sum(forecast_value(s, d, w) for s, d in members),
                                  lo80=1.0, hi80=2.0, lo95=0.5, hi95=3.0)
                for w in FORECAST_WEEKS])


# --------------------------------------------------------------- by hand
YTD = (date(2012, 1, 1), LAST)
LAST_YEAR = (YTD[0] - timedelta(days=364), LAST - timedelta(days=364))


def _in(day: date, span) -> bool:
    return span[0] <= day <= span[1]


def growth_by_hand(*, stores=None, depts=None) -> float | None:
    """Sales YTD / the same weeks last year - 1, over the series that sold in both periods."""
    keep = [(s, d) for s, d in SERIES if (stores is None or s in stores) and (depts is None or d in depts)]
    cur = {k: sum(v for (s, d, w), v in SALES.items() if (s, d) == k and _in(w, YTD)) for k in keep}
    prev = {k: sum(v for (s, d, w), v in SALES.items() if (s, d) == k and _in(w, LAST_YEAR)) for k in keep}
    both = [k for k in keep if cur[k] and prev[k]]  # sold in both periods (every seeded sale is positive)
    a, b = sum(cur[k] for k in both), sum(prev[k] for k in both)
    return a / b - 1 if b else None


def ytd_by_hand(*, stores=None, depts=None) -> float:
    return sum(v for (s, d, w), v in SALES.items()
               if _in(w, YTD) and (stores is None or s in stores) and (depts is None or d in depts))


def forecast_change_by_hand(*, stores=None, depts=None) -> float | None:
    """The next 13 weeks' forecast / the same weeks last year - 1, over the series forecast that sold then."""
    keep = [(s, d) for s, d in LIVE if (stores is None or s in stores) and (depts is None or d in depts)]
    ly_weeks = [w - timedelta(days=364) for w in FORECAST_WEEKS]
    both = [k for k in keep if any((k[0], k[1], w) in SALES for w in ly_weeks)]
    fc = sum(forecast_value(s, d, w) for s, d in both for w in FORECAST_WEEKS)
    ly = sum(SALES.get((s, d, w), 0.0) for s, d in both for w in ly_weeks)
    return fc / ly - 1 if ly else None


def wape_by_hand(*, stores=None, depts=None) -> float | None:
    rows = [(earlier_forecast_value(s, d, w), v) for (s, d, w), v in SALES.items()
            if date(2012, 1, 27) < w <= LAST and (s, d) in LIVE
            and (stores is None or s in stores) and (depts is None or d in depts)]
    act = sum(abs(a) for _, a in rows)
    return sum(abs(f - a) for f, a in rows) / act if act else None
