from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from forecasting import services
from forecasting.api import serializers as s
from forecasting.selectors.catalog import export_keys, series_codes, workspace_words
from forecasting.selectors.dataset import dataset_summary, sales_query, upload_get, upload_list
from forecasting.selectors.forecast import (
    forecast_aggregate,
    forecast_assumptions,
    forecast_export_rows,
    forecast_run_list,
    forecast_series,
    latest_run,
    model_version_get,
    model_version_list,
)
from forecasting.selectors.groups import hierarchy_levels
from forecasting.selectors.jobs import job_get
from forecasting.services.forecasts import forecast_on_demand
from forecasting.services.promotion import version_activate
from forecasting.services.refresh import forecast_refresh_start
from forecasting.services.training import model_train_start
from jobs.serializers import JobBriefSerializer, JobSerializer
from saas.api.base import TenantAPIView, TenantViewSet
from saas.api.pagination import Pagination
from saas.api.renderers import CSVRenderer, file_renderers
from saas.csv_safe import csv_writer
from saas.errors import Forbidden, NotFound, ValidationFailed


class _Echo:
    def write(self, value):
        return value


def stream_csv(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv_writer(_Echo())  # formula-safe cells (OWASP CSV injection)

    def generate():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _mapping_json(text: str | None) -> dict | None:
    if text in (None, ""):
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(f"mapping: not JSON ({exc})", details={"mapping": ["Send a JSON object."]}) from None
    if not isinstance(value, dict):
        raise ValidationFailed("mapping: not a JSON object", details={"mapping": ["Send a JSON object."]})
    return value


class UploadViewSet(mixins.ListModelMixin, TenantViewSet):
    permissions_map = {"list": "data.view", "retrieve": "data.view", "create": "data.upload",
                       "mapping": "data.upload"}
    parser_classes = [MultiPartParser, FormParser]

    def safely_get_queryset(self):
        return upload_list(scope=self.scope)

    def get_serializer_class(self):
        return s.UploadListSerializer if self.action == "list" else s.UploadSerializer

    @extend_schema(request={"multipart/form-data": s.UploadCreateSerializer}, responses={202: s.UploadSerializer})
    def create(self, request):
        data = s.UploadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        f = data.validated_data["file"]
        upload = services.upload_create(actor=self.actor, file=f, filename=f.name,
                                        kind=data.validated_data.get("kind") or None,
                                        mapping=_mapping_json(data.validated_data.get("mapping")))
        body = {"id": upload.pk, "status": upload.status, "kind": upload.kind or None,
                "job": JobBriefSerializer(upload.job).data}
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=s.UploadSerializer)
    def retrieve(self, request, pk=None):
        upload = upload_get(scope=self.scope, upload_id=pk)
        if upload is None:
            raise NotFound("No such upload.")
        return Response(s.UploadSerializer(upload).data)

    @extend_schema(request=s.UploadMappingSerializer, responses={202: s.UploadSerializer})
    @action(detail=True, methods=["post"], url_path="mapping", parser_classes=[JSONParser])
    def mapping(self, request, pk=None):
        """Resume an upload waiting at ``needs_mapping`` with a mapping (saved as the workspace's layout for
        files with its header): 202 with the upload and its new job; 409 when it is not waiting."""
        upload = upload_get(scope=self.scope, upload_id=pk)
        if upload is None:
            raise NotFound("No such upload.")
        upload = services.upload_mapping_confirm(upload=upload, actor=self.actor, mapping=request.data)
        return Response(s.UploadSerializer(upload).data, status=status.HTTP_202_ACCEPTED)



class UploadErrorsCSVView(TenantAPIView):
    """The upload's error report as CSV (line, column, value, reason)."""

    permissions_map = {"GET": "data.view"}
    renderer_classes = file_renderers(CSVRenderer)

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, pk: int):
        upload = upload_get(scope=self.scope, upload_id=pk)
        if upload is None:
            raise NotFound("No such upload.")
        rows = ([e.get("line"), e.get("column"), e.get("value"), e.get("reason")] for e in upload.errors)
        return stream_csv(f"upload-{upload.pk}-errors.csv", ["line", "column", "value", "reason"], rows)


class JobView(TenantAPIView):
    permissions_map = {"GET": "data.view"}

    @extend_schema(responses=JobSerializer)
    def get(self, request, pk: int):
        job = job_get(scope=self.scope, job_id=pk)
        if job is None:
            raise NotFound("No such job.")
        return Response(JobSerializer(job).data)


class DatasetSummaryView(TenantAPIView):
    permissions_map = {"GET": "data.view"}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(dataset_summary(scope=self.scope))


class SalesView(TenantAPIView):
    """Weekly sales, filtered; paginated JSON or, with ``?format=csv``, the whole selection as CSV."""

    permissions_map = {"GET": "data.view"}
    renderer_classes = file_renderers(CSVRenderer)

    @extend_schema(parameters=[
        OpenApiParameter("store", int), OpenApiParameter("dept", int),
        OpenApiParameter("location", str, description="a location's code"),
        OpenApiParameter("item", str, description="an item's code"),
        OpenApiParameter("start", str, description="YYYY-MM-DD"), OpenApiParameter("end", str, description="YYYY-MM-DD"),
        OpenApiParameter("format", str, enum=["json", "csv"]),
    ], responses={(200, "application/json"): s.PaginatedSalesSerializer, (200, "text/csv"): str})
    def get(self, request):
        filters = s.SalesFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = sales_query(scope=self.scope, **filters.validated_data)
        if request.accepted_renderer.format == "csv":  # ?format=csv or Accept: text/csv
            keys = export_keys()  # Walmart's layout: Store, Dept and their numbers, as before
            rows = ([*keys.row(r[0], r[1], r[2]), r[3], "TRUE" if r[4] else "FALSE"]
                    for r in qs.values_list("store", "dept", "date", "sales", "is_holiday").iterator(chunk_size=5000))
            return stream_csv("sales.csv", [keys.location_header, keys.item_header, "Date", "Weekly_Sales",
                                            "IsHoliday"], rows)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            s.SalesRecordSerializer(page, many=True, context={"codes": series_codes()}).data)


# ------------------------------------------------------------------ models
class ModelViewSet(mixins.ListModelMixin, TenantViewSet):
    permissions_map = {"list": "models.view", "retrieve": "models.view", "train": "models.train",
                       "promote": "models.manage", "rollback": "models.manage"}

    def safely_get_queryset(self):
        return model_version_list()

    def get_serializer_class(self):
        return s.ModelVersionListSerializer

    @extend_schema(responses=s.ModelVersionDetailSerializer)
    def retrieve(self, request, pk=None):
        version = model_version_get(version_id=pk)
        if version is None:
            raise NotFound("No such model version.")
        return Response(s.ModelVersionDetailSerializer(version).data)

    @extend_schema(request=s.TrainRequestSerializer, responses={202: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def train(self, request):
        data = s.TrainRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = model_train_start(actor=self.actor, **data.validated_data)
        return Response({"job": JobSerializer(job).data}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.ActivateRequestSerializer, responses={200: s.ModelVersionDetailSerializer})
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        """Make this version the champion (409 when its model file is missing or altered)."""
        return self._activate(request, pk, kind="promote")

    @extend_schema(request=s.ActivateRequestSerializer, responses={200: s.ModelVersionDetailSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        """Roll back to this earlier version (409 when its model file is missing or altered)."""
        return self._activate(request, pk, kind="rollback")

    def _activate(self, request, pk, *, kind: str):
        version = model_version_get(version_id=pk)
        if version is None:
            raise NotFound("No such model version.")
        data = s.ActivateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = version_activate(version=version, actor=self.actor, reason=data.validated_data["reason"], kind=kind)
        return Response(s.ModelVersionDetailSerializer(model_version_get(version_id=version.pk)).data)


# --------------------------------------------------------------- forecasts
class ForecastView(TenantAPIView):
    """GET: the active model's latest forecast of one series. POST: computed on demand, with drivers."""

    permissions_map = {"GET": "forecasts.view", "POST": "forecasts.view"}

    @extend_schema(parameters=[OpenApiParameter("store", int, description="Walmart-layout workspaces"),
                               OpenApiParameter("dept", int, description="Walmart-layout workspaces"),
                               OpenApiParameter("location", str, description="the location's code"),
                               OpenApiParameter("item", str, description="the item's code (none: the "
                                                                         "implicit one)")],
                   responses=s.ForecastSerializer)
    def get(self, request):
        q = s.ForecastQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        store, dept = q.validated_data["store"], q.validated_data["dept"]
        found = forecast_series(scope=self.scope, store=store, dept=dept)
        if found is None:
            raise NotFound("There is no active model yet: train one first.", code="no_active_model")
        if not found["points"] and found["status"] is None:
            named = (f"location {request.query_params['location']}" if "location" in request.query_params
                     else f"store {store}")
            item = f"item {request.query_params['item']}" if "item" in request.query_params else f"department {dept}"
            raise NotFound(f"No sales for {named}, {item}.", code="series_not_found")
        run = found["run"]  # an inactive series (no sale in the last year) answers with its status, no points
        return Response({
            "model_version": run.model_version.number, "origin": run.origin, "horizon": run.horizon,
            "store": store, "dept": dept, **series_codes().of(store, dept), "pooled": found["pooled"],
            "status": found["status"],
            "points": s.ForecastPointSerializer(found["points"], many=True).data,
            "assumed": {a["name"]: a["periods"] for a in forecast_assumptions(version=run.model_version, run=run)},
        })

    @extend_schema(request=s.ForecastRequestSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = s.ForecastRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        out = forecast_on_demand(scope=self.scope, **data.validated_data)
        out.update(store=data.validated_data["store"], dept=data.validated_data["dept"],
                   **series_codes().of(data.validated_data["store"], data.validated_data["dept"]))
        out["points"] = [{**p, "status": out["status"]} for p in out["points"]]
        return Response(out)


class ForecastExportView(TenantAPIView):
    permissions_map = {"GET": "forecasts.view"}
    renderer_classes = file_renderers(CSVRenderer)

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request):
        run = latest_run()
        if run is None:
            raise NotFound("There is no active model yet: train one first.", code="no_active_model")
        keys = export_keys()  # the workspace's headers and codes (Walmart's layout: Store, Dept, its numbers)
        rows = ([*keys.row(st, d, dt), *(f"{v:.2f}" for v in nums), status, f"{statistical:.2f}"]
                for st, d, dt, *nums, status, statistical in forecast_export_rows(run, scope=self.scope))
        return stream_csv(f"forecast-v{run.model_version.number}-{run.origin.isoformat()}.csv",
                          [keys.location_header, keys.item_header, "Date", "Forecast", "Lo80", "Hi80", "Lo95",
                           "Hi95", "Status", "Statistical"], rows)


class ForecastAggregateView(TenantAPIView):
    """Coherent forecast of one aggregate of the served run (stored by the worker when the run was written)."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(parameters=[
        OpenApiParameter("level", str, required=True, description="total, location, item, location.<attribute> or "
                         "item.<attribute> (a grouping attribute of the workspace's locations or items: "
                         "GET /api/v1/forecasts/levels/); store_type, store and dept are aliases"),
        OpenApiParameter("key", str, description="the node: the attribute's value, the location's or item's code"),
        OpenApiParameter("store", int, description="for level store"), OpenApiParameter("dept", int,
                                                                                       description="for level dept"),
        OpenApiParameter("type", str, description="store type, for level store_type")],
        responses=s.AggregateSerializer)
    def get(self, request):
        q = s.AggregateQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        asked, level, key, shown = (q.validated_data[k] for k in ("level", "canonical", "key", "shown_key"))
        if self.scope.restricted:  # totals over other stores are not a store-restricted principal's to see
            if level != "location":
                raise Forbidden("Your access is limited to some stores: only store-level aggregates are available.",
                                code="scope_restricted")
            if not key.isdigit() or not self.scope.allows(int(key)):  # as a store without a forecast
                raise NotFound(f"No forecast for {asked} {shown}.", code="aggregate_not_found",
                               details={"level": asked, "key": shown})
        run = latest_run()
        if run is None:
            raise NotFound("There is no active model yet: train one first.", code="no_active_model")
        points = forecast_aggregate(run, level=level, key=key)
        if not points:
            raise NotFound(f"No forecast for {asked} {shown}.", code="aggregate_not_found",
                           details={"level": asked, "key": shown})
        return Response({"model_version": run.model_version.number, "origin": run.origin, "level": asked,
                         "key": shown, "points": s.AggregatePointSerializer(points, many=True).data})


class ForecastLevelsView(TenantAPIView):
    """The levels of the workspace's hierarchy (from its locations' and items' attributes), as
    GET /api/v1/forecasts/aggregate/ and POST /api/v1/overrides/ take them."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(responses=s.LevelListSerializer)
    def get(self, request):
        return Response({"levels": hierarchy_levels(workspace_words(), restricted=self.scope.restricted)})


class ForecastRefreshView(TenantAPIView):
    """Refresh the served forecast from the newest data with the active model (no retraining)."""

    permissions_map = {"POST": "models.train"}

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        job = forecast_refresh_start(actor=self.actor)
        return Response({"job": JobSerializer(job).data}, status=status.HTTP_202_ACCEPTED)


class ForecastRunListView(TenantAPIView):
    """Stored forecast runs, newest first (paginated)."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=s.PaginatedForecastRunSerializer)
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(forecast_run_list(), request, view=self)
        return paginator.get_paginated_response(s.ForecastRunSerializer(page, many=True).data)
