"""Forecasts: storing a run (its points with each series' status, and the
coherent aggregates of the hierarchy), and forecasts computed on demand from
the active version's artifact."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
from django.db import connection

from accounts.scope import StoreScope
from billing.metering import usage_count
from billing.services import quota_check_value
from forecasting.ml.labels import describe_drivers
from forecasting.ml.periods import period_noun
from forecasting.ml.pipeline import Attributes, aggregate, load_artifact, predict_series
from forecasting.models import ForecastRun, ModelVersion
from forecasting.selectors.catalog import hierarchy_attributes
from forecasting.selectors.forecast import active_model, forecast_assumptions, latest_run
from forecasting.services.what_if import periodic_forecast
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.storage import tenant_file_problem


def _copy(table: str, cols: list[str], frame) -> None:
    buf = io.StringIO()
    frame[cols].to_csv(buf, index=False, header=False)
    buf.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv)", buf)


def forecast_status(forecast):
    """Each row's series status: the frame's own, or from its ``pooled`` flag (a frame from before statuses)."""
    if "status" in forecast.columns:
        return forecast["status"].astype(str)
    return forecast["pooled"].map({True: "pooled", False: "modelled"})


def forecast_points_write(*, run: ForecastRun, forecast) -> None:
    """COPY the forecast frame's rows, with each series' status, into the run
    (inside the caller's transaction). Inactive series have no rows."""
    out = forecast[["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled"]].copy()
    out["status"] = forecast_status(forecast).to_numpy()
    out = out[out["status"] != "inactive"]
    out.insert(0, "run_id", run.pk)
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out["pooled"] = out["pooled"].map({True: "t", False: "f"})
    _copy("forecasting_forecastpoint", list(out.columns), out)


def aggregate_frames(*, forecast, attributes: Attributes, quantiles: dict | None, holidays: set | None = None):
    """Every aggregate of the hierarchy (the total, each grouping attribute's
    values, each location and item) of a forecast frame, via the ML core's
    ``aggregate``: one DataFrame level, key, date, forecast, lo80, hi80, lo95, hi95. ``holidays``: the
    model's holiday periods (their bands are the holiday segment's)."""
    fc = forecast.assign(status=forecast_status(forecast).to_numpy())
    fc = fc[fc["status"] != "inactive"]
    parts = []
    # every live series is forecast for the same weeks, so each aggregate can be computed on its own rows
    for level in attributes.levels():
        keys = np.asarray(attributes.series_keys(level, fc))
        groups = {key: part for key, part in fc.groupby(keys, sort=False)}  # one pass, not a mask per key
        for key in sorted(groups, key=_natural):
            agg = aggregate(groups[key], attributes, level, None if level == "total" else key, quantiles, holidays)
            parts.append(agg.assign(level=level, key=key))
    cols = ["level", "key", "date", "forecast", "lo80", "hi80", "lo95", "hi95"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def _natural(key: str):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def forecast_aggregates_write(*, run: ForecastRun, forecast, quantiles: dict | None,
                              holidays: set | None = None) -> int:
    """Compute and store the run's aggregates (worker side, so a request only reads)."""
    out = aggregate_frames(forecast=forecast, attributes=hierarchy_attributes(), quantiles=quantiles,
                           holidays=holidays)
    out.insert(0, "run_id", run.pk)
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    _copy("forecasting_forecastaggregate", list(out.columns), out)
    return len(out)


def forecast_run_write(*, version: ModelVersion, origin, forecast, kind: str, job=None,
                       status_counts: dict | None = None, artifact_path: str = "", artifact_sha256: str = "",
                       seconds: float | None = None, holidays: set | None = None,
                       assumed: dict | None = None) -> ForecastRun:
    """A new run of ``version`` with its points and aggregates (inside the caller's transaction).
    ``holidays``: the model's holiday periods (``ForecastArtifact.holiday_periods``); ``assumed``: the known
    covariates whose values for some periods of the horizon were not uploaded (their last value held)."""
    pairs = forecast[["store", "dept"]].drop_duplicates()
    if status_counts is None:
        status_counts = {k: int(v) for k, v in forecast.assign(status=forecast_status(forecast).to_numpy())
                         .drop_duplicates(["store", "dept"])["status"].value_counts().items()}
    run = ForecastRun.objects.create(
        model_version=version, kind=kind, origin=origin, horizon=version.horizon, series=int(len(pairs)),
        pooled_series=int(forecast.loc[forecast["pooled"], ["store", "dept"]].drop_duplicates().shape[0]),
        status_counts=status_counts, artifact_path=artifact_path, artifact_sha256=artifact_sha256,
        seconds=seconds, job=job, assumed={k: int(v) for k, v in (assumed or {}).items()})
    forecast_points_write(run=run, forecast=forecast)
    forecast_aggregates_write(run=run, forecast=forecast,
                              quantiles=(version.params.get("hierarchy") or {}).get("quantiles"), holidays=holidays)
    return run


# ------------------------------------------------------------ on demand
_ARTIFACTS: dict[tuple[str, str], object] = {}


def artifact_for(version: ModelVersion, run: ForecastRun | None = None):
    """Loaded artifact, cached per process by (schema, sha256): the cache key
    carries the tenant, so one tenant can never be served another's model.
    A refresh run carries the model state moved to its origin: with ``run``,
    that state is used. LightGBM is imported only here, on first use (never
    by the web at start)."""

    if version.periodic:
        raise Conflict(f"Model v{version.number} plans by {period_noun(version.params.get('frequency', ''), False)}: "
                       "the drivers of a forecast and markdown returns are computed for weekly planning only. Its "
                       "stored and on-demand forecasts with their ranges, the exports, the simulator, overrides "
                       "and plans serve as usual",
                       code="weekly_planning_only", details={"model_version": version.number,
                                                             "frequency": version.params.get("frequency")})
    path, sha = version.artifact_path, version.artifact_sha256
    if run is not None and run.artifact_path:
        path, sha = run.artifact_path, run.artifact_sha256
    key = (connection.schema_name, sha)
    art = _ARTIFACTS.get(key)
    if art is None:
        if len(_ARTIFACTS) > 8:
            _ARTIFACTS.clear()
        unreadable = Conflict(f"The file of model v{version.number} is missing or damaged: roll back to an "
                              "earlier version or train again.", code="artifact_unreadable",
                              details={"model_version": version.number})
        if tenant_file_problem(path, sha) is not None:  # checked once per process and file, then cached
            raise unreadable
        try:
            art = load_artifact(path)
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError) as exc:
            raise unreadable from exc
        if hasattr(art, "warm"):
            art.warm()
        _ARTIFACTS[key] = art
    return art


def forecast_on_demand(*, scope: StoreScope, store: int, dept: int, horizon: int) -> dict:
    if not scope.allows(store):  # the same answer as a series the model does not know
        raise NotFound(f"No forecast for store {store}, department {dept}.", code="series_not_found",
                       details={"store": store, "dept": dept})
    version = active_model()
    if version is not None and version.periodic:  # a daily or monthly model: its own horizon, no drivers yet
        answer = periodic_forecast(version=version, store=int(store), dept=int(dept), horizon=horizon)
        assumed = forecast_assumptions(version=version, run=latest_run(version))
        return {**answer, "assumed": {a["name"]: a["periods"] for a in assumed}}
    if not 1 <= int(horizon) <= 52:
        raise ValidationFailed("horizon must be between 1 and 52 weeks.", details={"horizon": ["1..52"]})
    quota_check_value(limit="forecast_horizon", value=int(horizon))
    if version is None:
        raise NotFound("There is no active model yet: train one first.", code="no_active_model")

    run = latest_run(version)
    art = artifact_for(version, run)
    try:
        out = predict_series(art, int(store), int(dept), int(horizon))
    except KeyError:
        raise NotFound(f"Model v{version.number} has no history for store {store}, department {dept}.",
                       code="series_not_found", details={"store": store, "dept": dept})
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"store": store, "dept": dept, "horizon": horizon})
    usage_count(counts={"forecasts_served": 1})
    origin = out.get("origin") or (run.origin if run else version.data_end)
    week = out["points"][0]["date"] if out["points"] else None  # the drivers explain the first forecast week
    return {"model_version": version.number, "origin": str(origin)[:10] if origin else None,
            "horizon": int(horizon), "pooled": out.get("pooled", False),
            "status": out.get("status") or ("pooled" if out.get("pooled") else "modelled"), "points": out["points"],
            "drivers": describe_drivers(out.get("drivers", []), week),
            "assumed": {a["name"]: a["periods"] for a in forecast_assumptions(version=version, run=run)}}
