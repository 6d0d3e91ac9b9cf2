"""GET /api/v1/exceptions/ (the worklist of your stores, by money at stake, paginated)
and POST /api/v1/exceptions/answers/ (accept or dismiss a row, analyst+)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.models import ExceptionDismissal
from forecasting.selectors.exceptions import KIND_CHOICES, exception_list
from forecasting.services.exceptions import exception_answer
from saas.api.base import TenantAPIView
from saas.api.pagination import Pagination
from saas.api.writes import json_body


class ExceptionRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    kind_label = serializers.CharField()
    store = serializers.IntegerField()
    dept = serializers.IntegerField()
    location = serializers.CharField()
    item = serializers.CharField()
    money_at_stake = serializers.FloatField(help_text="in the workspace's measure: what is at stake if nobody acts")
    basis = serializers.CharField(help_text="what its figures come from; give it back to answer the row")
    figures = serializers.JSONField(help_text="the figures that raised it (by kind)")
    link = serializers.CharField(help_text="the series' page, where to act (override)")


class ExceptionListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    floor = serializers.FloatField(help_text="the materiality floor: smaller rows are not listed")
    stale = serializers.BooleanField(help_text="live errors and anomalies are being recomputed for newer data")
    results = ExceptionRowSerializer(many=True)


class ExceptionAnswerSerializer(serializers.Serializer):
    """Documents the body; the service validates it and names the field of any error."""
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    store = serializers.IntegerField()
    dept = serializers.IntegerField()
    basis = serializers.CharField()
    reason = serializers.ChoiceField(choices=ExceptionDismissal.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class ExceptionAnswerResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    store = serializers.IntegerField()
    dept = serializers.IntegerField()
    basis = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by_label")


def with_links(rows: list[dict]) -> list[dict]:
    return [{**r, "link": f"/forecasts/?store={r['store']}&dept={r['dept']}"} for r in rows]


class ExceptionListView(TenantAPIView):
    """The exceptions worklist of your stores: rows above the materiality floor, by money at stake."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=ExceptionListSerializer)
    def get(self, request):
        found = exception_list(scope=self.scope)  # plain JSON-ready rows (the serializers document them)
        paginator = Pagination()
        page = paginator.paginate_queryset(found["results"], request, view=self)
        answer = paginator.get_paginated_response(with_links(page))
        answer.data.update(floor=found["floor"], stale=found["stale"])
        return answer


class ExceptionAnswerView(TenantAPIView):
    """Accept a row as it is, or dismiss it with a reason (audited); it stays hidden while its basis holds."""

    permissions_map = {"POST": "exceptions.answer"}

    @extend_schema(request=ExceptionAnswerSerializer, responses={201: ExceptionAnswerResultSerializer})
    def post(self, request):
        body = json_body(request.data, required=("kind", "store", "dept", "basis", "reason"))
        answer = exception_answer(actor=self.actor, scope=self.scope, kind=body.get("kind"), store=body.get("store"),
                                  dept=body.get("dept"), basis=body.get("basis"), reason=body.get("reason"),
                                  note=body.get("note", ""))
        return Response(ExceptionAnswerResultSerializer(answer).data, status=201)
