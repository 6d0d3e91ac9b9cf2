"""Stores and departments API (issue 9): the figures of the Stores and
Departments pages, of the principal's stores only (accounts/scope.py)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.selectors.groups import grouped_table
from forecasting.selectors.stores import department_detail, department_table, store_detail, store_table
from saas.api.base import TenantAPIView
from saas.errors import NotFound


class FiguresSerializer(serializers.Serializer):
    """Figures of one store or department (documentation only). Growth and forecast change are like for like:
    both sides summed over the same store-departments."""

    sales_ytd = serializers.FloatField(help_text="sales ($) from 1 January to the latest week")
    sales_ytd_like_for_like = serializers.FloatField(allow_null=True)
    sales_last_year_like_for_like = serializers.FloatField(allow_null=True, help_text="the same weeks a year earlier")
    growth = serializers.FloatField(allow_null=True, help_text="0.05 = +5% vs last year, like for like")
    series = serializers.IntegerField(help_text="store-departments with sales this year")
    forecast_13w = serializers.FloatField(allow_null=True, help_text="served forecast of the next 13 weeks ($)")
    forecast_like_for_like = serializers.FloatField(allow_null=True)
    forecast_last_year = serializers.FloatField(allow_null=True)
    forecast_change = serializers.FloatField(allow_null=True, help_text="vs the same weeks last year, like for like")
    accuracy_wape = serializers.FloatField(allow_null=True, help_text="live WAPE of the newest evaluated forecast")
    backtest_wape = serializers.FloatField(allow_null=True, help_text="the served model's backtest WAPE (held-out "
                                           "windows before training); by department: unrestricted readers only")
    volatility = serializers.FloatField(allow_null=True, help_text="coefficient of variation of weekly sales, 52 weeks")


class StoreRowSerializer(FiguresSerializer):
    store = serializers.IntegerField()
    type = serializers.CharField(allow_null=True)
    size = serializers.IntegerField(allow_null=True)
    attributes = serializers.DictField(help_text="the location's attributes ({name: text or number})")


class DepartmentRowSerializer(FiguresSerializer):
    dept = serializers.IntegerField()
    stores = serializers.IntegerField(help_text="stores (of yours) with sales in the department")
    attributes = serializers.DictField(help_text="the item's attributes ({name: text or number})")


class GroupRowSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="the attribute's value ('?': members without one)")
    members = serializers.IntegerField()
    sales_ytd = serializers.FloatField(allow_null=True)
    growth = serializers.FloatField(allow_null=True, help_text="like for like: the members' series sold in both years")
    forecast_13w = serializers.FloatField(allow_null=True)
    forecast_change = serializers.FloatField(allow_null=True)


class GroupSerializer(serializers.Serializer):
    attribute = serializers.CharField()
    level = serializers.CharField(help_text="the hierarchy level (GET /api/v1/forecasts/aggregate/?level=)")
    rows = GroupRowSerializer(many=True, help_text="ranked by sales year to date")


class _ListSerializer(serializers.Serializer):
    periods = serializers.DictField(allow_null=True)
    run = serializers.DictField(allow_null=True)
    count = serializers.IntegerField(help_text="rows in results (after the attribute filters)")
    attribute_names = serializers.ListField(child=serializers.CharField(), help_text="the attributes the rows carry")
    groups = GroupSerializer(many=True, help_text="every row (unfiltered) summed by each grouping attribute")


FILTERS = "Filter by attributes: location.<attribute>=<value> (stores), item.<attribute>=<value> (departments)."


def _grouped(table: dict, params, side: str) -> dict:
    out = grouped_table(table, params, side=side)
    out.pop("filters")
    return out


class StoreListSerializer(_ListSerializer):
    results = StoreRowSerializer(many=True)


class DepartmentListSerializer(_ListSerializer):
    results = DepartmentRowSerializer(many=True)


class StoreListView(TenantAPIView):
    """Every store you can see, with type, size, sales year to date, growth, forecast, accuracy, volatility."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(operation_id="stores_list", responses=StoreListSerializer, description=FILTERS)
    def get(self, request):
        return Response(_grouped(store_table(scope=self.scope), request.query_params, "location"))


class StoreDetailView(TenantAPIView):
    """One store: figures, weekly history with last year, the forecast with bands, departments ranked, covariates."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, n: int):
        found = store_detail(scope=self.scope, store=n)
        if found is None:  # outside the scope: the same answer as an unknown store
            raise NotFound(f"No store {n}.", code="store_not_found", details={"store": n})
        return Response(found)


class DepartmentListView(TenantAPIView):
    """Every department with sales in your stores, its figures summed over your stores only."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(operation_id="departments_list", responses=DepartmentListSerializer, description=FILTERS)
    def get(self, request):
        return Response(_grouped(department_table(scope=self.scope), request.query_params, "item"))


class DepartmentDetailView(TenantAPIView):
    """One department across your stores: figures, history with last year, forecast, stores ranked, heatmap."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, n: int):
        found = department_detail(scope=self.scope, dept=n)
        if found is None:
            raise NotFound(f"No sales for department {n} in your stores.", code="department_not_found",
                           details={"dept": n})
        return Response(found)
