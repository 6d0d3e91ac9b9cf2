"""Reads of the Forecast page beyond the served forecast: the series' sales
a year earlier, and how its earlier stored forecasts compare with what
happened. Store-keyed rows are read through ``scope`` (accounts/scope.py): a
store outside it answers as a series without data."""
from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Max

from accounts.scope import StoreScope
from forecasting.models import ForecastPoint, ForecastRun, SalesRecord

YEAR = timedelta(days=364)  # 52 weeks: the same weekday, the like-for-like week
CANDIDATE_RUNS = 20  # newest earlier runs looked at for weeks with actuals


def last_year_overlay(*, scope: StoreScope, store: int, dept: int, dates: list[date]) -> list[dict]:
    """The series' actual sales 52 weeks before each of ``dates``, drawn on the date it corresponds to
    this year: [{date, sales, last_year_date}] in date order; weeks without a sale a year earlier are left out."""
    if not dates or not scope.allows(store):
        return []
    wanted = set(dates)
    rows = (SalesRecord.objects.filter(store=store, dept=dept, date__gte=min(dates) - YEAR,
                                       date__lte=max(dates) - YEAR)
            .order_by("date").values_list("date", "sales"))
    return [{"date": d + YEAR, "sales": float(s), "last_year_date": d} for d, s in rows if d + YEAR in wanted]


def earlier_forecasts(*, scope: StoreScope, store: int, dept: int, served: ForecastRun | None,
                      limit: int = 3) -> list[dict]:
    """The newest ``limit`` stored runs other than ``served`` that forecast weeks of this series which have
    actual sales now, newest origin first. Each: {run, origin, model_version, kind, points: [{date, forecast,
    actual}] (the weeks with actuals), weeks, first, last, forecast_total, actual_total, error} where ``error``
    = forecast_total / actual_total - 1 (positive: the forecast was too high; None when nothing sold)."""
    if not scope.allows(store):
        return []
    last_actual = SalesRecord.objects.filter(store=store, dept=dept).aggregate(d=Max("date"))["d"]
    if last_actual is None:
        return []
    runs = ForecastRun.objects.select_related("model_version").filter(origin__lt=last_actual)
    if served is not None:
        runs = runs.exclude(pk=served.pk)
    runs = list(runs.order_by("-origin", "-created_at", "-id")[:CANDIDATE_RUNS])
    if not runs:
        return []
    points = list(ForecastPoint.objects.filter(run_id__in=[r.pk for r in runs], store=store, dept=dept)
                  .order_by("date").values_list("run_id", "date", "forecast"))
    if not points:
        return []
    dates = {d for _, d, _ in points}
    actual = dict(SalesRecord.objects.filter(store=store, dept=dept, date__gte=min(dates), date__lte=max(dates))
                  .values_list("date", "sales"))
    by_run: dict[int, list[dict]] = {}
    for run_id, d, f in points:
        if d in actual:
            by_run.setdefault(run_id, []).append({"date": d, "forecast": float(f), "actual": float(actual[d])})
    out = []
    for run in runs:
        pts = by_run.get(run.pk)
        if not pts:
            continue
        fc, act = sum(p["forecast"] for p in pts), sum(p["actual"] for p in pts)
        out.append({"run": run, "origin": run.origin, "model_version": run.model_version.number, "kind": run.kind,
                    "points": pts, "weeks": len(pts), "first": pts[0]["date"], "last": pts[-1]["date"],
                    "forecast_total": fc, "actual_total": act, "error": (fc / act - 1.0) if act > 0 else None})
        if len(out) == limit:
            break
    return out
