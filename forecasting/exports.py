"""forecasting's files in a workspace export (saas/exports.py; listed in
``ForecastingConfig.export_parts``): stores, sales, covariates (store weeks),
uploads, every forecast run with its points, the planners' overrides with their lines, and the models'
metadata."""
from __future__ import annotations

import json
import zipfile

from forecasting.models import (
    ForecastPoint,
    ForecastRun,
    ModelVersion,
    Override,
    OverrideLine,
    SalesRecord,
    Store,
    StoreWeek,
    Upload,
)
from saas.exports import ExportPart, export_csv, export_values

STORE_FIELDS = ["number", "type", "size", "name", "latitude", "longitude"]
SALES_FIELDS = ["store", "dept", "date", "sales", "is_holiday"]
COVARIATES = ["store", "date", "temperature", "fuel_price", "markdown1", "markdown2", "markdown3", "markdown4",
              "markdown5", "cpi", "unemployment", "is_holiday"]
POINT_FIELDS = ["store", "dept", "date", "forecast", "lo80", "hi80", "lo95", "hi95", "pooled"]


def _stores(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "stores.csv", ["store", *STORE_FIELDS[1:]],
                      export_values(Store.objects.order_by("number"), STORE_FIELDS))


def _sales(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "sales.csv", SALES_FIELDS,
                      export_values(SalesRecord.objects.order_by("store", "dept", "date"), SALES_FIELDS))


def _covariates(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "covariates.csv", COVARIATES,
                      export_values(StoreWeek.objects.order_by("store", "date"), COVARIATES))


def _uploads(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "uploads.csv", ["id", "kind", "filename", "size", "sha256", "status", "rows", "inserted",
                                          "updated", "unchanged", "error_count", "created_at"],
                      ([u.pk, u.kind, u.original_filename, u.size, u.sha256, u.status, u.rows_total, u.inserted,
                        u.updated, u.unchanged, u.error_count, u.created_at.isoformat()]
                       for u in Upload.objects.order_by("pk")))


def _forecast_runs(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "forecast_runs.csv", ["run", "model_version", "origin", "horizon", "series", "created_at"],
                      ([r.pk, r.model_version.number, r.origin, r.horizon, r.series, r.created_at.isoformat()]
                       for r in ForecastRun.objects.select_related("model_version").order_by("pk")))


def _forecast_points(zf: zipfile.ZipFile) -> int:
    return export_csv(zf, "forecast_points.csv", ["run", *POINT_FIELDS],
                      export_values(ForecastPoint.objects.order_by("run_id", "store", "dept", "date"),
                                    ["run_id", *POINT_FIELDS]))


def _overrides(zf: zipfile.ZipFile) -> int:
    n = export_csv(zf, "overrides.csv", ["id", "level", "key", "periods", "value", "percent", "reason", "note",
                                         "created_by", "created_at", "withdrawn_at"],
                   ([o.pk, o.level, json.dumps(o.key), " ".join(o.periods), o.value, o.percent, o.reason, o.note,
                     o.created_by_label, o.created_at.isoformat(), o.withdrawn_at.isoformat() if o.withdrawn_at else ""]
                    for o in Override.objects.select_related("created_by", "created_by_key").order_by("pk")))
    export_csv(zf, "override_lines.csv", ["override", "store", "dept", "date", "statistical", "final"],
               export_values(OverrideLine.objects.order_by("override_id", "store", "dept", "date"),
                             ["override_id", "store", "dept", "date", "statistical", "final"]))
    return n


def _models(zf: zipfile.ZipFile) -> int:
    models = [{"number": v.number, "status": v.status, "chosen": v.chosen, "reason": v.reason,
               "horizon": v.horizon, "backtest_windows": v.backtest_windows, "metrics": v.metrics,
               "backtest": v.backtest, "importance": v.importance, "params": v.params,
               "dataset_version": v.dataset_version, "data_end": v.data_end.isoformat() if v.data_end else None,
               "artifact_sha256": v.artifact_sha256, "created_at": v.created_at.isoformat()}
              for v in ModelVersion.objects.order_by("number")]
    zf.writestr("models.json", json.dumps(models, indent=1, default=str))
    return len(models)


EXPORT_PARTS = [
    ExportPart("stores.csv", 10, _stores),
    ExportPart("sales.csv", 20, _sales),
    ExportPart("covariates.csv", 30, _covariates),
    ExportPart("uploads.csv", 40, _uploads),
    ExportPart("forecast_runs.csv", 50, _forecast_runs),
    ExportPart("forecast_points.csv", 60, _forecast_points),
    ExportPart("overrides.csv", 65, _overrides),  # and override_lines.csv
    ExportPart("models.json", 100, _models),  # after the members, API keys and audit log (tenants/export.py)
]
