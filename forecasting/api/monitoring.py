"""Live monitoring API: stored live evaluations of a model version, and the
Monitoring summary (champion, live accuracy, latest drift report, lifecycle
events). Both only read what the worker's ``evaluate`` job stored."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.models import ModelEvaluation
from forecasting.selectors.forecast import model_version_get
from forecasting.selectors.monitoring import evaluation_list, monitoring_summary
from saas.api.base import TenantAPIView
from saas.api.pagination import Pagination
from saas.errors import NotFound


class ModelEvaluationSerializer(serializers.ModelSerializer):
    """The contract of ``GET /api/v1/models/{id}/evaluations/`` (issue 8)."""

    class Meta:
        model = ModelEvaluation
        fields = ["run", "origin", "weeks", "rows", "wmae", "mae", "wape", "bias", "coverage80", "coverage95",
                  "seasonal_naive_wmae", "evaluated_at"]
        read_only_fields = fields


class PaginatedModelEvaluationSerializer(serializers.Serializer):
    """The page ``GET /api/v1/models/{id}/evaluations/`` answers (documentation only)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ModelEvaluationSerializer(many=True)


class MonitoringSerializer(serializers.Serializer):
    """The answer of ``GET /api/v1/monitoring/`` (documentation only)."""

    champion = serializers.DictField(allow_null=True)
    live_accuracy = serializers.DictField(allow_null=True)
    shadow = serializers.DictField(allow_null=True, help_text="the challenger in its shadow period (null: none): "
                                   "number, weeks realized of weeks_needed, its live wmae and the champion's "
                                   "champion_wmae on the same rows")
    drift = serializers.DictField(allow_null=True)
    next_scheduled_retrain = serializers.DateTimeField(allow_null=True)
    retraining = serializers.DictField(help_text="last_decision (triggered or skipped, and why), last_triggered_at")
    events = serializers.ListField(child=serializers.DictField())


class ModelEvaluationListView(TenantAPIView):
    """Live accuracy of the version's stored forecast runs on realized weeks,
    newest realized week first (paginated). Tenant-wide figures, like the
    version's backtest metrics."""

    permissions_map = {"GET": "models.view"}

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=PaginatedModelEvaluationSerializer)
    def get(self, request, pk: int):
        version = model_version_get(version_id=pk)
        if version is None:
            raise NotFound("No such model version.")
        paginator = Pagination()
        page = paginator.paginate_queryset(evaluation_list(version=version), request, view=self)
        return paginator.get_paginated_response(ModelEvaluationSerializer(page, many=True).data)


class MonitoringView(TenantAPIView):
    """Champion, its live accuracy beside its backtest, the latest drift
    report (a store-restricted principal: its stores' figures only), the next
    scheduled retrain (null: the schedule is off), the last automatic
    retraining decision and recent lifecycle events."""

    permissions_map = {"GET": "models.view"}

    @extend_schema(responses=MonitoringSerializer)
    def get(self, request):
        return Response(monitoring_summary(scope=self.scope))
