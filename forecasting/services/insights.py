"""Volatility hotspots and anomalies of the Insights page over every store,
computed by the worker after each upload, training, refresh and evaluation
(forecasting/tasks.py) and stored (InsightSnapshot), so a page or API view
only reads them (forecasting/selectors_insights.py). The figures themselves are
pure pandas (forecasting/ml/insights.py)."""
from __future__ import annotations

import logging
import time

from django.db import transaction

from forecasting import selectors_insights
from forecasting.ml import insights as ml_insights
from forecasting.models import InsightSnapshot, Job

log = logging.getLogger(__name__)
MAX_ANOMALIES = 2000  # the largest ones; a page lists the first of them


def _rows(df, columns) -> list[dict]:
    out = df[columns].copy()
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = out[c].dt.date.map(lambda d: d.isoformat())
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in out.to_dict("records")]


def insights_compute() -> dict:
    """Both figures over every store, as JSON-ready dicts."""
    sales = selectors_insights.sales_frame()
    if sales.empty:
        return {"hotspots": {"results": []}, "anomalies": {"results": []}}
    past = selectors_insights.past_forecasts_frame()
    served = selectors_insights.served_forecast_frame()
    errors = ml_insights.forecast_errors(sales, past)
    hot = ml_insights.hotspots(sales, served, errors)
    anomalies = ml_insights.anomalies(sales, past).head(MAX_ANOMALIES)
    return {
        "hotspots": {"results": _rows(hot, ["rank", "store", "dept", "cv", "rel_width", "error", "score"])},
        "anomalies": {"results": _rows(anomalies, ["store", "dept", "date", "sales", "expected", "lo", "hi",
                                                   "deviation", "method", "score"]),
                      "band_weeks": int(len(past)), "truncated_at": MAX_ANOMALIES},
    }


def insights_snapshot_write() -> list[InsightSnapshot]:
    """Recompute and store both figures (the fingerprint is read first: a change meanwhile leaves them stale)."""
    fingerprint = selectors_insights.fingerprint()
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


def insights_after_job(*, job_id: int) -> None:
    """After a job of the worker: refresh the stored figures if it succeeded. A failure here never fails
    the job (the page says the figures are being computed until the next refresh)."""
    if not Job.objects.filter(pk=job_id, status=Job.Status.SUCCEEDED).exists():
        return
    try:
        insights_snapshot_write()
    except Exception:  # noqa: BLE001
        log.exception("insights snapshot after job %s failed", job_id)
