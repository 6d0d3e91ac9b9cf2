"""Forecast runs kept within the workspace's retention (issue 20 item 3): a run older than
``DataSettings.forecast_retention_days`` is summarised, never deleted silently. Its points (one row per
series and period: the bulk of a workspace's forecast tables) are deleted; the run, its aggregates at every
hierarchy level (the totals its pages and reports read), its evaluations and the plans and overrides that
name it stay, with ``summarised_at`` and how many points went. A refresh run's model file goes too (only
the newest run of a version is ever served from its file).

Never summarised: the newest run of each version (what a version serves, and what a rollback serves again),
a run of a version in its shadow period, and a run whose horizon has not passed the newest sales (its
periods can still be scored live). Audited once per pass (``forecast.runs_summarised``, with the runs and
points); the files are deleted after the commit. Run daily for every workspace by beat (saas/fanout.py)."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import Actor, audit_record
from forecasting.ml.periods import periods_after
from forecasting.models import ForecastRun, ModelVersion
from forecasting.selectors.catalog import data_settings
from forecasting.selectors.monitoring import sales_last_week

logger = logging.getLogger(__name__)


def _due(now) -> list[ForecastRun]:
    """The runs to summarise at ``now``."""
    settings = data_settings()
    cutoff = now - timedelta(days=int(settings.forecast_retention_days))
    last_sales = sales_last_week()
    if last_sales is None:
        return []
    newest = {v: at for v, at in ForecastRun.objects.values("model_version").annotate(at=Max("created_at"))
              .values_list("model_version", "at")}
    runs = (ForecastRun.objects.select_related("model_version")
            .filter(created_at__lt=cutoff, summarised_at__isnull=True)
            .exclude(model_version__status=ModelVersion.Status.SHADOW))
    due = []
    for run in runs:
        if run.created_at >= newest[run.model_version_id]:
            continue
        if periods_after(run.origin, run.horizon, run.model_version.frequency).date() <= last_sales:
            due.append(run)
    return due


def forecast_runs_summarise(*, actor: Actor | None = None, now=None) -> dict:
    """Summarise the runs past the retention: ``{"runs": [ids], "points": n}`` (nothing: empty)."""
    actor = actor or Actor.system()
    now = now or timezone.now()
    with transaction.atomic():
        due = _due(now)
        if not due:
            return {"runs": [], "points": 0}
        ids = [r.pk for r in due]
        list(ForecastRun.objects.select_for_update(no_key=True).filter(pk__in=ids).values_list("pk", flat=True))
        with connection.cursor() as cur:
            cur.execute("WITH gone AS (DELETE FROM forecasting_forecastpoint WHERE run_id = ANY(%s) RETURNING run_id) "
                        "SELECT run_id, count(*) FROM gone GROUP BY run_id", [ids])
            per_run = {i: 0 for i in ids} | dict(cur.fetchall())
        files = [r.artifact_path for r in due if r.artifact_path and not _still_used(r.artifact_path, ids)]
        for run in due:
            run.summarised_at, run.summarised_points, run.artifact_path = now, per_run[run.pk], ""
            run.save(update_fields=["summarised_at", "summarised_points", "artifact_path"])
        audit_record(action="forecast.runs_summarised", actor=actor, target_type="forecast_run", target_id=ids[0],
                     payload={"runs": ids, "points": sum(per_run.values()), "files": len(files),
                              "retention_days": int(data_settings().forecast_retention_days)})
        transaction.on_commit(lambda: _unlink(files))
    return {"runs": ids, "points": sum(per_run.values())}


def _still_used(path: str, summarised: list[int]) -> bool:
    """Whether another run or a version names the same (content-addressed) model file."""
    return (ForecastRun.objects.filter(artifact_path=path).exclude(pk__in=summarised).exists()
            or ModelVersion.objects.filter(artifact_path=path).exists())


def _unlink(files: list[str]) -> None:
    for path in files:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            logger.exception("could not delete the summarised run's model file %s", path)
