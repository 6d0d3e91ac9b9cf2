"""``GET /api/v1/dashboard/`` (issue 9): the executive Dashboard's KPI cards as
JSON, over the principal's stores only (accounts/scope.py). Every growth card
is like for like: ``change`` = ``like_for_like`` / ``last_year`` - 1, both
summed over the same ``series`` (store-departments)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.selectors.dashboard import dashboard
from saas.api.base import TenantAPIView


class DashboardCardSerializer(serializers.Serializer):
    """A growth card (documentation only)."""

    value = serializers.FloatField(allow_null=True, help_text="sales or forecast ($) over every series of the period")
    like_for_like = serializers.FloatField(allow_null=True, help_text="the same over the series that sold last year")
    last_year = serializers.FloatField(allow_null=True, help_text="sales ($) of those series, same weeks last year")
    change = serializers.FloatField(allow_null=True, help_text="0.05 = +5% vs last year, like for like")
    series = serializers.IntegerField(help_text="store-departments compared")
    start = serializers.DateField()
    end = serializers.DateField()
    last_year_start = serializers.DateField()
    last_year_end = serializers.DateField()
    weeks = serializers.IntegerField(required=False, help_text="forecast cards: weeks ahead")
    weeks_covered = serializers.IntegerField(required=False, help_text="forecast cards: the weeks summed (fewer "
                                             "than weeks when the served model's horizon is shorter)")
    title = serializers.CharField(required=False, help_text="the card's label, naming the periods summed "
                                  "(\"Forecast, next 28 days\")")
    ly_words = serializers.CharField(required=False, help_text="what the card compares with, in the workspace's "
                                     "periods (\"the same days last year\")")
    base_incomplete = serializers.BooleanField(required=False, help_text="forecast cards: true when the history "
                                               "starts after last_year_start; change is then null")
    history_start = serializers.DateField(required=False, allow_null=True, help_text="with base_incomplete: the "
                                          "first day of the history")


class DashboardSerializer(serializers.Serializer):
    periods = serializers.DictField(allow_null=True)
    run = serializers.DictField(allow_null=True)
    restricted = serializers.BooleanField(help_text="figures of the principal's stores only")
    last_week = DashboardCardSerializer(allow_null=True)
    year_to_date = DashboardCardSerializer(allow_null=True)
    next_4_weeks = DashboardCardSerializer(allow_null=True)
    next_13_weeks = DashboardCardSerializer(allow_null=True)
    accuracy = serializers.DictField(allow_null=True, help_text="champion model, the WAPE of its latest live "
                                                                "evaluation and its backtest WAPE over your stores")
    freshness = serializers.DictField(help_text="newest week of sales and the last upload")
    by_store_type = serializers.ListField(child=serializers.DictField(), help_text="sales by the value of "
                                          "by_store_attribute (the field named type)")
    by_store_attribute = serializers.CharField(allow_null=True, help_text="what by_store_type groups the stores "
                                               "by: their type, else their first grouping attribute")
    location_attributes = serializers.ListField(child=serializers.CharField(), help_text="the stores' attributes")
    top_movers = serializers.DictField(help_text="stores and departments with the largest forecast change")
    attention = serializers.DictField(help_text="drift detected and jobs failed in the last 7 days")


class DashboardView(TenantAPIView):
    """The Dashboard's KPI cards: last week, year to date, next 4 and 13 weeks vs last year (like for like),
    live accuracy and champion, data freshness, sales by store type, top movers, what needs attention."""

    permissions_map = {"GET": "workspace.view"}

    @extend_schema(responses=DashboardSerializer)
    def get(self, request):
        return Response(dashboard(scope=self.scope))
