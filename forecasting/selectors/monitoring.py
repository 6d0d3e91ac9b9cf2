"""Read queries of live monitoring: the frames the ``evaluate`` job scores,
stored evaluations and drift reports, and the Monitoring summary."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from accounts.audit.registry import ACTIONS
from accounts.models import AuditEvent
from accounts.scope import StoreScope
from forecasting.models import DriftReport, ForecastRun, ModelEvaluation, ModelVersion, SalesRecord
from forecasting.selectors.retraining import policy_summary

# audit actions shown as lifecycle events on the Monitoring answer and the Model page
LIFECYCLE_ACTIONS = ("model.trained", "model.promoted", "model.rejected", "model.rolled_back", "model.shadow_started",
                     "model.retrain_triggered", "forecast.refreshed", "drift.detected")


# ------------------------------------------------------ worker-side frames
def _frame(sql: str, params: list, columns: list[str]):
    buf = io.StringIO()
    with connection.cursor() as cur:
        query = cur.mogrify(sql, params).decode()
        cur.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buf)
    buf.seek(0)
    frame = pd.read_csv(buf, names=columns, header=None, na_values=[""], keep_default_na=False)
    if "date" in frame:
        frame["date"] = pd.to_datetime(frame["date"])
    for col in ("is_holiday",):
        if col in frame:
            frame[col] = frame[col].map({"t": True, "f": False}).fillna(False).astype(bool)
    return frame


def sales_last_week() -> date | None:
    return SalesRecord.objects.order_by("-date").values_list("date", flat=True).first()


def sales_weeks_between(after: date, until: date) -> list[date]:
    """Week-ending dates with sales in (after, until]."""
    return list(SalesRecord.objects.filter(date__gt=after, date__lte=until).order_by("date")
                .values_list("date", flat=True).distinct())


def sales_frame(*, start: date, end: date):
    """Sales rows with start <= date <= end (store, dept, date, sales, is_holiday)."""
    return _frame("SELECT store, dept, date, sales, is_holiday FROM forecasting_salesrecord "
                  "WHERE date BETWEEN %s AND %s", [start, end], ["store", "dept", "date", "sales", "is_holiday"])


def series_last_seen(*, until: date):
    """Every series with a row up to ``until`` and the date of its last one (column ``date``)."""
    return _frame("SELECT store, dept, max(date) FROM forecasting_salesrecord WHERE date <= %s GROUP BY store, dept",
                  [until], ["store", "dept", "date"])


def covariates_frame(*, until: date):
    cols = ["store", "date", "temperature", "fuel_price", "markdown1", "markdown2", "markdown3", "markdown4",
            "markdown5", "cpi", "unemployment"]
    return _frame(f"SELECT {', '.join(cols)} FROM forecasting_storeweek WHERE date <= %s", [until], cols)


def run_points_frame(run: ForecastRun, *, start: date | None = None, end: date | None = None):
    cond, params = "run_id = %s", [run.pk]
    if start is not None:
        cond, params = cond + " AND date >= %s", params + [start]
    if end is not None:
        cond, params = cond + " AND date <= %s", params + [end]
    cols = ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95"]
    return _frame(f"SELECT {', '.join(cols)} FROM forecasting_forecastpoint WHERE {cond}", params, cols)


def runs_predicting(*, first: date, last: date) -> list[ForecastRun]:
    """Stored runs whose forecast weeks (origin, origin + horizon weeks] meet [first, last]."""
    runs = ForecastRun.objects.filter(origin__lt=last).select_related("model_version").order_by("origin", "id")
    return [r for r in runs if r.origin + timedelta(weeks=r.horizon) >= first]


def reference_run(runs: list[ForecastRun], *, first: date) -> ForecastRun | None:
    """The forecast that was served for the week ``first``: the newest run
    (by origin, then creation) made before it, of the active version if one
    of its runs qualifies."""
    before = [r for r in runs if r.origin < first]
    active = [r for r in before if r.model_version.status == ModelVersion.Status.ACTIVE]
    pool = active or before
    return max(pool, key=lambda r: (r.origin, r.created_at, r.pk)) if pool else None


# ------------------------------------------------------------ API / pages
def evaluation_list(*, version: ModelVersion) -> QuerySet[ModelEvaluation]:
    """Stored live evaluations of a version's runs, newest realized week first.
    Tenant-wide figures (like the version's backtest metrics): no store rows."""
    return ModelEvaluation.objects.filter(model_version=version).order_by("-last_week", "-run_id")


BAND_COUNTS = ("series", "rows", "series_outside95", "rows_outside95")


def band_within_scope(band: dict, *, scope: StoreScope) -> dict:
    """A drift band's counts and shares over the scope's stores, summed from its per-store counts
    (forecasting/ml/drift.py band_figures); a report stored without them gives None (never the
    workspace's)."""
    per = band.get("per_store")
    if per is None:
        return {**dict.fromkeys(BAND_COUNTS), "share_series_outside95": None, "share_rows_outside95": None}
    got = {c: sum(int(r[c]) for r in per if scope.allows(r["store"])) for c in BAND_COUNTS}
    return {**got, "share_series_outside95": got["series_outside95"] / got["series"] if got["series"] else None,
            "share_rows_outside95": got["rows_outside95"] / got["rows"] if got["rows"] else None}


def drift_report_for_scope(report: DriftReport, *, scope: StoreScope) -> dict:
    """A drift report as a principal may see it: a store-restricted one gets
    the per-store figures and series of its stores only, the band's counts and
    its share of series outside the 95% band over its stores only, and no
    figure summed over other stores (department level shifts, covariate means)."""
    figures = report.figures or {}
    band = dict(figures.get("band") or {})
    body = {"id": report.pk, "upload": report.upload_id, "run": report.run_id,
            "first_week": report.first_week, "last_week": report.last_week,
            "share_outside95": report.share_outside95, "detected": report.detected,
            "created_at": report.created_at, "new_weeks": figures.get("new_weeks", []),
            "train_end": figures.get("train_end"), "band": band, "new": figures.get("new"),
            "vanished": figures.get("vanished"), "covariates": figures.get("covariates", []), "restricted": False}
    if not scope.restricted:
        return body
    level = band.get("level_shift") or {}
    counts = band_within_scope(band, scope=scope)
    body["band"] = {**band, **counts, "per_store": None,
                    "level_shift": {"store": [r for r in level.get("store", []) if scope.allows(r["store"])],
                                    "dept": None}}
    body["share_outside95"] = counts["share_series_outside95"]
    for part in ("new", "vanished"):
        got = figures.get(part) or {}
        body[part] = {"stores": [s for s in got.get("stores", []) if scope.allows(s)], "depts": None,
                      "series": [p for p in got.get("series", []) if scope.allows(p[0])]}
    body["covariates"] = None
    body["restricted"] = True
    return body


def drift_report_latest() -> DriftReport | None:
    return DriftReport.objects.order_by("-created_at", "-id").first()


def live_accuracy_summary(version: ModelVersion | None) -> dict | None:
    """The version's latest live evaluation (newest realized week) beside its backtest figures."""
    if version is None:
        return None
    ev = evaluation_list(version=version).order_by("-last_week", "-evaluated_at", "-run_id").first()
    summary = {"model_version": version.number, "backtest_wmae": version.wmae,
               "backtest_seasonal_naive_wmae": version.baseline_wmae,
               "evaluations": ModelEvaluation.objects.filter(model_version=version).count()}
    if ev is None:
        return {**summary, "run": None}
    return {**summary, "run": ev.run_id, "origin": ev.origin, "first_week": ev.first_week,
            "last_week": ev.last_week, "weeks": ev.weeks, "rows": ev.rows, "wmae": ev.wmae, "mae": ev.mae,
            "wape": ev.wape, "bias": ev.bias, "coverage80": ev.coverage80, "coverage95": ev.coverage95,
            "seasonal_naive_wmae": ev.seasonal_naive_wmae, "evaluated_at": ev.evaluated_at}


def shadow_summary() -> dict | None:
    """The challenger in its shadow period (None: none): weeks realized of N
    and its live WMAE beside the champion's on the same rows, as the last
    evaluate job stored them (forecasting/services/shadow.py)."""
    shadow = ModelVersion.objects.filter(status=ModelVersion.Status.SHADOW).order_by("-number").first()
    if shadow is None:
        return None
    state = (shadow.decision or {}).get("shadow") or {}
    wmae, theirs = state.get("wmae"), state.get("champion_wmae")
    return {"id": shadow.pk, "number": shadow.number, "chosen": shadow.chosen, "data_end": shadow.data_end,
            "backtest_wmae": shadow.wmae, "champion": state.get("champion"),
            "weeks": state.get("weeks", 0), "weeks_needed": state.get("weeks_needed"),
            "rows": state.get("rows"), "first_week": state.get("first_week"), "last_week": state.get("last_week"),
            "wmae": wmae, "champion_wmae": theirs,
            "improvement": (theirs - wmae) / theirs if wmae is not None and theirs else None,
            "margin": state.get("margin", settings.FORECAST_PROMOTION_MARGIN),
            "started_at": state.get("started_at"), "checked_at": state.get("checked_at"), "note": state.get("note")}


def lifecycle_events(*, limit: int = 20) -> list[dict]:
    rows = (AuditEvent.objects.filter(action__in=LIFECYCLE_ACTIONS).order_by("-sequence")
            .values("action", "created_at", "target_type", "target_id", "payload")[:limit])
    return [{"action": r["action"], "label": ACTIONS[r["action"]], "at": r["created_at"],
             "target_type": r["target_type"], "target_id": r["target_id"], "payload": r["payload"]} for r in rows]


def monitoring_summary(*, scope: StoreScope) -> dict:
    champion = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    drift = drift_report_latest()
    policy = policy_summary()
    return {
        "champion": None if champion is None else {
            "id": champion.pk, "number": champion.number, "chosen": champion.chosen, "wmae": champion.wmae,
            "seasonal_naive_wmae": champion.baseline_wmae, "data_end": champion.data_end,
            "promoted_at": champion.promoted_at},
        "live_accuracy": live_accuracy_summary(champion),
        "shadow": shadow_summary(),
        "drift": None if drift is None else drift_report_for_scope(drift, scope=scope),
        "next_scheduled_retrain": policy["next_scheduled_retrain"],
        # the last automatic decision (triggered or skipped, and why); the policy itself: GET /retraining-policy/
        "retraining": {k: policy[k] for k in ("last_decision", "last_triggered_at")},
        "events": lifecycle_events(),
    }


# ------------------------------------------------------------- Model page
def live_accuracy_history(*, version: ModelVersion) -> dict:
    """What the Model page charts: the version's stored evaluations (oldest
    realized week first) and its lifecycle events placed on the same week
    axis: trained (its data end), refreshed (each refresh run's origin), drift
    (first new week of each report that detected it), and any other lifecycle
    event audited (promoted, rolled back, retrain triggered, ...) at the last
    realized week scored before it happened."""

    evaluations = list(ModelEvaluation.objects.filter(model_version=version).order_by("last_week", "run_id"))
    events = []
    if version.data_end:
        events.append({"week": version.data_end, "label": "trained"})
    events += [{"week": origin, "label": "refreshed"} for origin in
               ForecastRun.objects.filter(model_version=version, kind=ForecastRun.Kind.REFRESH)
               .values_list("origin", flat=True)]
    scored = sorted(ModelEvaluation.objects.values_list("evaluated_at", "last_week"))
    for action, at in (AuditEvent.objects.filter(action__in=LIFECYCLE_ACTIONS)
                       .exclude(action__in=("model.trained", "forecast.refreshed", "drift.detected"))
                       .filter(created_at__gte=version.created_at).values_list("action", "created_at")):
        before = [week for when, week in scored if when <= at]
        events.append({"week": before[-1] if before else version.data_end,
                       "label": ACTIONS[action].lower().removeprefix("model ")})
    if evaluations:
        first = min(e.first_week for e in evaluations)
        events += [{"week": w, "label": "drift"} for w in DriftReport.objects.filter(
            detected=True, first_week__gte=first).values_list("first_week", flat=True)]
    return {"evaluations": evaluations, "events": [e for e in events if e["week"] is not None]}


def drift_report_of_upload(*, upload) -> DriftReport | None:
    return DriftReport.objects.filter(upload=upload).first()


def largest_level_shifts(body: dict, *, limit: int = 10) -> dict:
    """The stores and departments of a drift report whose actuals moved
    furthest from their forecast (|ratio - 1|), for the upload report page."""
    level = (body.get("band") or {}).get("level_shift") or {}

    def top(rows):
        rows = [r for r in rows or [] if r.get("ratio") is not None]
        return sorted(rows, key=lambda r: -abs(r["ratio"] - 1.0))[:limit]

    return {"store": top(level.get("store")), "dept": top(level.get("dept")) if level.get("dept") is not None else None}
