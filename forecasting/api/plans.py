"""The approved plan (issue 19's contract): POST /api/v1/plans/ (analyst+:
submits the served forecast with its overrides), POST /api/v1/plans/{id}/approve/
(admin+), GET /api/v1/plans/current/ (the approved plan with its points, of
your stores), GET /api/v1/plans/current/export.csv, GET /api/v1/plans/."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.api.serializers import SeriesKeysSerializer
from forecasting.api.views import stream_csv
from forecasting.selectors.catalog import export_keys
from forecasting.selectors.forecast import latest_run
from forecasting.selectors.plans import plan_current, plan_get, plan_list, plan_points, plan_vs_forecast
from forecasting.services.plans import plan_approve, plan_submit
from saas.api.base import TenantAPIView
from saas.api.pagination import Pagination
from saas.api.renderers import CSVRenderer, file_renderers
from saas.errors import NotFound


class ForecastPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    model_version = serializers.IntegerField(source="model_number")
    origin = serializers.DateField()
    first_period = serializers.DateField()
    last_period = serializers.DateField()
    series = serializers.IntegerField()
    total = serializers.FloatField(allow_null=True, help_text="the sum of its final figures over every store "
                                                              "(null for a store-restricted caller)")
    statistical_total = serializers.FloatField(allow_null=True)
    overrides = serializers.IntegerField(help_text="active overrides it included")
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    submitted_by = serializers.CharField(source="created_by_label")
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.CharField(source="approved_by_label", allow_blank=True)


class ForecastPlanPointSerializer(serializers.Serializer):
    store = serializers.IntegerField()
    dept = serializers.IntegerField()
    date = serializers.DateField()
    forecast = serializers.FloatField(help_text="the planned figure (statistical + overrides)")
    statistical = serializers.FloatField()


class CurrentForecastPlanSerializer(ForecastPlanSerializer):
    points = ForecastPlanPointSerializer(many=True)
    versus_forecast = serializers.JSONField(allow_null=True, help_text="the served forecast against the plan over "
                                                                       "the series x weeks both have")


class ForecastPlanRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class PaginatedForecastPlanSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ForecastPlanSerializer(many=True)


def _data(plan, scope) -> dict:
    """A plan as answered: totals over every store are not a store-restricted caller's to see."""
    data = ForecastPlanSerializer(plan).data
    if scope.restricted:
        data.update(total=None, statistical_total=None)
    return data


def _current():
    plan = plan_current()
    if plan is None:
        raise NotFound("No plan has been approved yet: submit the forecast, then an admin approves it.",
                       code="no_approved_plan")
    return plan


class PlanListView(TenantAPIView):
    """GET: every plan, newest first. POST: submit the served forecast with its overrides for approval."""

    permissions_map = {"GET": "forecasts.view", "POST": "plans.submit"}

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=PaginatedForecastPlanSerializer, operation_id="plans_list")
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(plan_list(), request, view=self)
        return paginator.get_paginated_response([_data(p, self.scope) for p in page])

    @extend_schema(request=ForecastPlanRequestSerializer, responses={201: ForecastPlanSerializer})
    def post(self, request):
        note = request.data.get("note", "") if hasattr(request.data, "get") else ""
        plan = plan_submit(actor=self.actor, scope=self.scope, note=note)
        return Response(_data(plan, self.scope), status=201)


class PlanApproveView(TenantAPIView):
    permissions_map = {"POST": "plans.approve"}

    @extend_schema(request=None, responses=ForecastPlanSerializer)
    def post(self, request, pk: int):
        plan = plan_get(plan_id=pk)
        if plan is None:
            raise NotFound("No such plan.", code="plan_not_found")
        return Response(_data(plan_approve(actor=self.actor, scope=self.scope, plan=plan), self.scope))


class CurrentPlanView(TenantAPIView):
    """The approved plan with its points of your stores (``location``/``item`` or ``store``/``dept``: one series'
    or one side's points)."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(parameters=[OpenApiParameter("store", int), OpenApiParameter("dept", int),
                               OpenApiParameter("location", str), OpenApiParameter("item", str)],
                   responses=CurrentForecastPlanSerializer)
    def get(self, request):
        q = SeriesKeysSerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        plan = _current()
        rows = plan_points(plan, scope=self.scope, store=q.validated_data.get("store"),
                           dept=q.validated_data.get("dept"))
        points = [{"store": s, "dept": d, "date": dt, "forecast": f, "statistical": st} for s, d, dt, f, st in rows]
        return Response({**_data(plan, self.scope), "points": ForecastPlanPointSerializer(points, many=True).data,
                         "versus_forecast": plan_vs_forecast(plan, latest_run(), scope=self.scope)})


class CurrentPlanExportView(TenantAPIView):
    """The approved plan as CSV, in the workspace's headers and codes (of your stores)."""

    permissions_map = {"GET": "forecasts.view"}
    renderer_classes = file_renderers(CSVRenderer)

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request):
        plan = _current()
        keys = export_keys()
        rows = ([*keys.row(s, d, dt), f"{f:.2f}", f"{st:.2f}"]
                for s, d, dt, f, st in plan_points(plan, scope=self.scope).iterator(chunk_size=5000))
        return stream_csv(f"plan-{plan.number}-{plan.first_period.isoformat()}.csv",
                          [keys.location_header, keys.item_header, "Date", "Forecast", "Statistical"], rows)
