"""Reads of the Forecast page beyond the served forecast: the series' sales
a year earlier, and how its earlier stored forecasts compare with what
happened. Store-keyed rows are read through ``scope`` (accounts/scope.py): a
store outside it answers as a series without data."""
from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import Max, QuerySet

from accounts.scope import StoreScope
from forecasting.ml.hierarchy import canonical
from forecasting.ml.labels import feature_label
from forecasting.ml.periods import period_noun, year_before
from forecasting.models import ForecastPoint, ForecastRun, ModelVersion, SalesRecord
from forecasting.selectors.catalog import data_settings
from forecasting.selectors.overrides import node_deltas, override_deltas, series_deltas, with_overrides

CANDIDATE_RUNS = 20  # newest earlier runs looked at for weeks with actuals


def last_year_overlay(*, scope: StoreScope, store: int, dept: int, dates: list[date]) -> list[dict]:
    """The series' actual sales a year before each of ``dates`` (``year_before``), drawn on the date it
    corresponds to this year: [{date, sales, last_year_date}] in date order; periods without a sale a year
    earlier are left out."""
    if not dates or not scope.allows(store):
        return []
    freq = data_settings().frequency
    before = {year_before(d, freq): d for d in dates}
    rows = (SalesRecord.objects.filter(store=store, dept=dept, date__gte=min(before), date__lte=max(before))
            .order_by("date").values_list("date", "sales"))
    return [{"date": before[d], "sales": float(s), "last_year_date": d} for d, s in rows if d in before]


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
    runs = ForecastRun.objects.select_related("model_version").filter(origin__lt=last_actual,
                                                                      summarised_at__isnull=True)  # rows kept
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


def model_version_list():
    return ModelVersion.objects.select_related("job", "challenged").order_by("-number")


def model_version_get(*, version_id):
    try:
        return model_version_list().get(pk=int(version_id))
    except (ModelVersion.DoesNotExist, ValueError, TypeError):
        return None


def active_model():
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def latest_run(version=None):
    version = version or active_model()
    if version is None:
        return None
    return ForecastRun.objects.filter(model_version=version).order_by("-created_at", "-id").first()


def forecast_assumptions(*, version: ModelVersion | None, run: ForecastRun | None) -> list[dict]:
    """The known covariates (a planned price, a promotion plan) with no uploaded value for some periods of the
    served run's horizon, whose last value the forecast assumed: the run's own count, else its version's (a
    run stored before the count, or a daily or monthly refresh). Each with a sentence in the workspace's
    periods."""
    if version is None:
        return []
    assumed = (run.assumed if run is not None else None) or (version.params or {}).get("assumed") or {}
    horizon = run.horizon if run is not None else version.horizon
    noun = period_noun(version.frequency, plural=horizon != 1)
    return [{"name": name, "label": feature_label(name), "periods": int(n),
             "sentence": f"{feature_label(name)}: no planned value for {int(n)} of the {horizon} {noun} ahead; "
                         "its last uploaded value is assumed to hold"}
            for name, n in assumed.items() if int(n) > 0]


def forecast_series(*, scope: StoreScope, store: int, dept: int) -> dict | None:
    """The active model's latest stored forecast of one series with the
    planners' overrides (``forecast`` final, ``statistical`` the model's; no
    points when the store is outside the scope: the same answer as an unknown series)."""
    run = latest_run()
    if run is None:
        return None
    if not scope.allows(store):
        return {"run": run, "points": [], "pooled": False, "status": None}  # as if it had no data
    points = list(run.points.filter(store=store, dept=dept).order_by("date")
                  .values("date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled", "status"))
    if not points:
        has_data = SalesRecord.objects.filter(store=store, dept=dept).exists()
        return {"run": run, "points": [], "pooled": False, "status": "inactive" if has_data else None}
    points = with_overrides(points, series_deltas(run, store=store, dept=dept), store, dept)
    return {"run": run, "points": points, "pooled": bool(points[0]["pooled"]), "status": points[0]["status"]}


def forecast_export_rows(run, *, scope: StoreScope):
    """(store, dept, date, forecast, lo80, hi80, lo95, hi95, status, statistical) of every series of the run in
    the scope: ``forecast`` and the bands with the planners' overrides, ``statistical`` the model's own."""
    deltas = override_deltas(run)
    rows = scope.filter(run.points.all()).order_by("store", "dept", "date").values_list(
        "store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "status").iterator(chunk_size=5000)
    for store, dept, day, forecast, *bands, status in rows:
        delta = deltas.get((store, dept, day), 0.0)
        yield (store, dept, day, forecast + delta, *(b + delta for b in bands), status, forecast)


def total_forecast(run, *, scope: StoreScope) -> list[dict]:
    """The scope's total forecast by date, with the planners' overrides."""
    cond, params = scope.sql("store")
    with connection.cursor() as cur:
        cur.execute(f"""SELECT date, sum(forecast) FROM forecasting_forecastpoint WHERE run_id = %s AND {cond}
                        GROUP BY date ORDER BY date""", [run.pk, *params])
        rows = cur.fetchall()
    moved = scope_deltas(run, scope=scope)
    return [{"date": d, "forecast": float(f) + moved.get(d, 0.0)} for d, f in rows]


def scope_deltas(run, *, scope: StoreScope) -> dict[date, float]:
    """The planners' overrides of the scope's series in ``run``, summed by date."""
    out: dict[date, float] = {}
    for (store, _, day), delta in override_deltas(run).items():
        if scope.allows(store):
            out[day] = out.get(day, 0.0) + delta
    return out


# ------------------------------------------------ runs, aggregates, like for like
def forecast_run_list() -> QuerySet:
    """Every stored forecast run, newest first (train and refresh runs of every version)."""

    return ForecastRun.objects.select_related("model_version").order_by("-created_at", "-id")


def forecast_aggregate(run, *, level: str, key: str) -> list[dict]:
    """The stored coherent forecast of one aggregate of ``run`` (computed by the worker; ``level`` a name of
    ``forecasting.ml.hierarchy`` or its legacy alias), with the planners' overrides of its series added (``statistical``: the stored figure; the bands move with the forecast)."""
    level = canonical(level)
    points = list(run.aggregates.filter(level=level, key=key).order_by("date")
                  .values("date", "forecast", "lo80", "hi80", "lo95", "hi95"))
    if not points:
        return []
    moved = node_deltas(run, level=level, key=key)
    return [{**p, **{b: (p[b] + moved.get(p["date"], 0.0) if p[b] is not None else None)
                     for b in ("lo80", "hi80", "lo95", "hi95")},
             "forecast": p["forecast"] + moved.get(p["date"], 0.0), "statistical": p["forecast"]} for p in points]


def forecast_vs_last_year(run, *, scope: StoreScope) -> dict:
    """The run's total forecast over its horizon (of the scope's stores)
    against the same weeks a year earlier (364 days before), both over the same
    series: those forecast by the run."""
    cond, params = scope.sql("store")
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH series AS (SELECT DISTINCT store, dept FROM forecasting_forecastpoint
                            WHERE run_id = %s AND {cond}),
                 span AS (SELECT min(date) AS d0, max(date) AS d1, sum(forecast) AS fc
                          FROM forecasting_forecastpoint WHERE run_id = %s AND {cond})
            SELECT span.fc, (SELECT sum(s.sales) FROM forecasting_salesrecord s JOIN series USING (store, dept)
                             WHERE s.date BETWEEN span.d0 - 364 AND span.d1 - 364),
                   (SELECT count(*) FROM series)
            FROM span
        """, [run.pk, *params, run.pk, *params])
        fc, ly, n = cur.fetchone()
    fc, ly = float(fc or 0.0) + sum(scope_deltas(run, scope=scope).values()), (float(ly) if ly is not None else None)
    return {"forecast": fc, "last_year": ly, "series": int(n or 0),
            "change": (fc / ly - 1.0) if ly else None}
