"""Volatility hotspots and anomalies of the Insights page over every store,
computed by the worker after each upload, training, refresh and evaluation
(forecasting/tasks.py) and stored (InsightSnapshot), so a page or API view
only reads them (forecasting/selectors/insights.py). The figures themselves are
pure pandas (forecasting/ml/insights.py)."""
from __future__ import annotations

import logging
import math
import time

from django.db import transaction

from forecasting.ml import insights as ml_insights
from forecasting.ml.markdown_roi import by_department, markdown_effects
from forecasting.models import InsightSnapshot
from forecasting.selectors import insights as insights_selectors
from forecasting.selectors.exceptions import stored_rows
from forecasting.selectors.forecast import active_model, latest_run
from forecasting.selectors.insights import past_forecasts_frame, sales_frame, served_forecast_frame
from forecasting.services.forecasts import artifact_for
from saas.errors import Conflict

log = logging.getLogger(__name__)
MAX_ANOMALIES = 2000  # the largest ones; a page lists the first of them


def _rows(df, columns) -> list[dict]:
    out = df[columns].copy()
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = out[c].dt.date.map(lambda d: d.isoformat())
    # JSON has no NaN or infinity (PostgreSQL's jsonb refuses them): a figure that cannot be measured is null
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
            for r in out.to_dict("records")]


def markdown_effects_compute() -> dict:
    """The active model's markdown effects per series over its backtest weeks (forecasting/ml/markdown_roi.py);
    summed per department and priced with the gross margin on read."""
    version = active_model()
    if version is None:
        return {"results": [], "model_version": None}
    run = latest_run(version)
    try:
        art = artifact_for(version, run)
    except Conflict as exc:  # the model file is missing or damaged, or a daily or monthly model's: the other figures count
        log.warning("markdown ROI: artifact of model v%s not usable: %s", version.number, exc.code)
        weekly_only = exc.code == "weekly_planning_only"
        reason = "markdown returns are measured for weekly planning only" if weekly_only else \
            "the model file could not be read"
        return {"results": [], "model_version": version.number, "unavailable": reason, "weekly_only": weekly_only}
    eff = markdown_effects(art)
    every_store = by_department(eff, margin=0.0)  # sums over every store: read as they are by unrestricted members
    return {"results": _rows(eff, ["store", "dept", "markdown", "incremental_sales", "cost"]),
            "departments": _rows(every_store, ["dept", "markdown", "incremental_sales", "cost", "stores"]),
            "model_version": version.number, "backtest_origins": art.meta.get("params", {}).get("backtest_origins", [])}


def insights_compute() -> dict:
    """Every figure over every store, as JSON-ready dicts."""
    sales = sales_frame()
    if sales.empty:
        return {"hotspots": {"results": []}, "anomalies": {"results": []}, "markdown_roi": {"results": []},
                "exceptions": {"results": []}}
    past = past_forecasts_frame()
    served = served_forecast_frame()
    errors = ml_insights.forecast_errors(sales, past)
    hot = ml_insights.hotspots(sales, served, errors)
    anomalies = ml_insights.anomalies(sales, past)
    anomalies = anomalies.reindex(anomalies["deviation"].abs().sort_values(ascending=False).index).head(MAX_ANOMALIES)
    anomaly_rows = _rows(anomalies, ["store", "dept", "date", "sales", "expected", "lo", "hi", "deviation", "method",
                                     "score"])
    return {
        "hotspots": {"results": _rows(hot, ["rank", "store", "dept", "cv", "rel_width", "error", "score",
                                            "mean_sales", "std_sales"])},
        "anomalies": {"results": anomaly_rows, "band_weeks": int(len(past)), "truncated_at": MAX_ANOMALIES},
        "markdown_roi": markdown_effects_compute(),
        # the worklist's kinds that read every series (forecasting/selectors/exceptions.py)
        "exceptions": {"results": stored_rows(anomalies=anomaly_rows, newest=sales["date"].max().date())},
    }


def insights_snapshot_write() -> list[InsightSnapshot]:
    """Recompute and store both figures (the fingerprint is read first: a change meanwhile leaves them stale)."""
    fingerprint = insights_selectors.fingerprint()
    started = time.perf_counter()
    data = insights_compute()
    seconds = round(time.perf_counter() - started, 3)
    out = []
    with transaction.atomic():
        for kind in InsightSnapshot.Kind.values:
            snap, _ = InsightSnapshot.objects.update_or_create(kind=kind, defaults={
                "data": data[kind], "seconds": seconds, **fingerprint})
            out.append(snap)
    return out
