"""GET|POST /api/v1/overrides/, DELETE /api/v1/overrides/{id}/ and
GET /api/v1/overrides/value-added/: a planner's overrides of the served
forecast and the value they added (issue 19's contract)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.ml.overrides import LEVELS
from forecasting.models import Override
from forecasting.selectors.catalog import member_id
from forecasting.selectors.overrides import override_get, override_list, value_added
from forecasting.services.overrides import override_create, override_withdraw
from saas.api.base import TenantAPIView
from saas.api.pagination import Pagination
from saas.api.writes import json_body
from saas.errors import NotFound


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.CharField(help_text=f"{', '.join(LEVELS)} or an attribute level (location.<attr>, "
                                            "item.<attr>)")
    key = serializers.JSONField(help_text="{store, dept} | {store} | {dept} | {type} | {} (total) | {value} (an "
                                          "attribute level); location and item codes are accepted in a POST")
    periods = serializers.ListField(child=serializers.DateField())
    value = serializers.FloatField(allow_null=True, help_text="the node's total in each period")
    percent = serializers.FloatField(allow_null=True, help_text="every series of the node moved by this %")
    reason = serializers.ChoiceField(choices=Override.Reason.choices)
    note = serializers.CharField(allow_blank=True)
    stores = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    run = serializers.IntegerField(source="run_id", allow_null=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(source="created_by_label", read_only=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True, read_only=True)


class OverrideRequestSerializer(serializers.Serializer):
    """Documents the body; the service validates it and names the field of any error."""
    level = serializers.CharField(help_text=f"{', '.join(LEVELS)} or an attribute level of the workspace "
                                            "(location.city, item.category...)")
    key = serializers.JSONField()
    periods = serializers.ListField(child=serializers.DateField())
    value = serializers.FloatField(required=False, min_value=0)
    percent = serializers.FloatField(required=False, min_value=-100)
    reason = serializers.ChoiceField(choices=Override.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class PaginatedOverrideSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OverrideSerializer(many=True)


class ValueAddedSerializer(serializers.Serializer):
    planner = serializers.CharField()
    reason = serializers.CharField()
    reason_label = serializers.CharField()
    overrides = serializers.IntegerField()
    periods_with_actuals = serializers.IntegerField(help_text="overridden series x periods whose actual arrived")
    statistical_error = serializers.FloatField(help_text="sum of |forecast it replaced - actual|")
    final_error = serializers.FloatField(help_text="sum of |forecast it set - actual|")
    value_added = serializers.FloatField(help_text="statistical_error - final_error (> 0: the override helped)")
    statistical_wape = serializers.FloatField(allow_null=True)
    final_wape = serializers.FloatField(allow_null=True)


class ValueAddedListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ValueAddedSerializer(many=True)


def _key_with_ids(key):
    """A POSTed key with the retailer's codes (location, item) turned into ids."""
    if not isinstance(key, dict):
        return key
    out = dict(key)
    for side, name in (("location", "store"), ("item", "dept")):
        if side in out:
            out[name] = member_id(side, str(out.pop(side)))
    return out


class OverrideListView(TenantAPIView):
    """GET: the active overrides (``?withdrawn=1``: every one) of your stores. POST: set one (analyst+, audited)."""

    permissions_map = {"GET": "forecasts.view", "POST": "forecasts.override"}

    @extend_schema(parameters=[OpenApiParameter("withdrawn", bool), OpenApiParameter("page", int),
                               OpenApiParameter("page_size", int)],
                   responses=PaginatedOverrideSerializer, operation_id="overrides_list")
    def get(self, request):
        withdrawn = request.query_params.get("withdrawn", "").lower() in ("1", "true", "yes")
        paginator = Pagination()
        page = paginator.paginate_queryset(override_list(scope=self.scope, withdrawn=withdrawn), request, view=self)
        return paginator.get_paginated_response(OverrideSerializer(page, many=True).data)

    @extend_schema(request=OverrideRequestSerializer, responses={201: OverrideSerializer})
    def post(self, request):
        body = json_body(request.data, required=("level", "periods", "reason"))
        override = override_create(actor=self.actor, scope=self.scope, level=body.get("level"),
                                   key=_key_with_ids(body.get("key", {})), periods=body.get("periods"),
                                   value=body.get("value"), percent=body.get("percent"), reason=body.get("reason"),
                                   note=body.get("note", ""))
        return Response(OverrideSerializer(override).data, status=201)


class OverrideDetailView(TenantAPIView):
    """GET: one override. DELETE: withdraw it (analyst+, audited; kept for its value added)."""

    permissions_map = {"GET": "forecasts.view", "DELETE": "forecasts.override"}

    def _get(self, pk):
        found = override_get(scope=self.scope, override_id=pk)
        if found is None:
            raise NotFound("No such override.", code="override_not_found")
        return found

    @extend_schema(responses=OverrideSerializer)
    def get(self, request, pk: int):
        return Response(OverrideSerializer(self._get(pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        override_withdraw(actor=self.actor, override=self._get(pk))
        return Response(status=204)


class ValueAddedView(TenantAPIView):
    """Forecast value added of the overrides whose actuals arrived, by planner and reason code."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(responses=ValueAddedListSerializer)
    def get(self, request):
        rows = value_added(scope=self.scope)
        return Response({"count": len(rows), "results": ValueAddedSerializer(rows, many=True).data})
