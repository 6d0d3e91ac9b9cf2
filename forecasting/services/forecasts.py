"""Forecasts: storing a run's points, and forecasts computed on demand from
the active version's artifact."""
from __future__ import annotations

import io

from django.db import connection

from accounts.scope import StoreScope
from billing.services import quota_check_value
from forecasting import selectors
from forecasting.models import ForecastRun, ModelVersion
from saas.errors import NotFound, ValidationFailed


def forecast_points_write(*, run: ForecastRun, forecast) -> None:
    """COPY the forecast frame's rows into the run (inside the caller's transaction)."""
    cols = ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled"]
    out = forecast[cols].copy()
    out.insert(0, "run_id", run.pk)
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out["pooled"] = out["pooled"].map({True: "t", False: "f"})
    buf = io.StringIO()
    out.to_csv(buf, index=False, header=False)
    buf.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(
            "COPY forecasting_forecastpoint (run_id, store, dept, date, forecast, lo80, hi80, lo95, hi95, pooled) "
            "FROM STDIN WITH (FORMAT csv)", buf)


# ------------------------------------------------------------ on demand
_ARTIFACTS: dict[tuple[str, str], object] = {}


def artifact_for(version: ModelVersion):
    """Loaded artifact, cached per process by (schema, sha256): the cache key
    carries the tenant, so one tenant can never be served another's model.
    LightGBM is imported only here, on first use (never by the web at start)."""
    from forecasting.ml.pipeline import load_artifact

    key = (connection.schema_name, version.artifact_sha256)
    art = _ARTIFACTS.get(key)
    if art is None:
        if len(_ARTIFACTS) > 8:
            _ARTIFACTS.clear()
        art = load_artifact(version.artifact_path)
        if hasattr(art, "warm"):
            art.warm()
        _ARTIFACTS[key] = art
    return art


def forecast_on_demand(*, scope: StoreScope, store: int, dept: int, horizon: int) -> dict:
    if not scope.allows(store):  # the same answer as a series the model does not know
        raise NotFound(f"No forecast for store {store}, department {dept}.", code="series_not_found",
                       details={"store": store, "dept": dept})
    if not 1 <= int(horizon) <= 52:
        raise ValidationFailed("horizon must be between 1 and 52 weeks.", details={"horizon": ["1..52"]})
    quota_check_value(limit="forecast_horizon", value=int(horizon))
    version = selectors.active_model()
    if version is None:
        raise NotFound("There is no active model yet: train one first.", code="no_active_model")
    from forecasting.ml.pipeline import predict_series

    art = artifact_for(version)
    try:
        out = predict_series(art, int(store), int(dept), int(horizon))
    except KeyError:
        raise NotFound(f"Model v{version.number} has no history for store {store}, department {dept}.",
                       code="series_not_found", details={"store": store, "dept": dept})
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"store": store, "dept": dept, "horizon": horizon})
    return {"model_version": version.number, "origin": version.data_end.isoformat() if version.data_end else None,
            "horizon": int(horizon), "pooled": out.get("pooled", False), "points": out["points"],
            "drivers": out.get("drivers", [])}
