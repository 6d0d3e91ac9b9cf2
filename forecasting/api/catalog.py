"""Locations, items and data settings API (issue 17).

``GET /api/v1/locations/`` and ``/items/`` (paginated; ``q`` searches code and
name; ``location.<attr>=`` / ``item.<attr>=`` filter by attribute) and
``/locations/<code>/``, ``/items/<code>/``: the workspace's catalogue in its own
codes, within the principal's stores. ``GET /api/v1/series/?q=``: the series
(location and item) whose codes or names contain ``q``, for a search-as-you-type
picker (issue 20 item 3). ``GET|PUT /api/v1/workspace/layouts/``: the saved column
mappings. ``GET|PATCH /api/v1/workspace/data-settings/``:
the planning frequency (inferred, read-only), country and subdivision for public
holidays, and the words pages use; admins change them (audited)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.selectors.catalog import (
    attribute_filters,
    catalog_get,
    catalog_list,
    data_settings_answer,
    layout_list,
)
from forecasting.selectors.dataset import SEARCH_LIMIT, SEARCH_MAX, series_search
from forecasting.selectors.groups import attribute_members
from forecasting.services.catalog import data_settings_update, layouts_update
from saas.api.base import TenantAPIView
from saas.api.pagination import Pagination
from saas.api.writes import WriteSerializer, drop_read_only
from saas.errors import NotFound, ValidationFailed


class CatalogMemberSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="the retailer's code")
    name = serializers.CharField(allow_null=True)
    attributes = serializers.DictField(help_text="{name: text or number}")
    series = serializers.IntegerField(help_text="locations: items sold there; items: locations selling it "
                                                "(within your stores)")
    first_period = serializers.DateField(allow_null=True)
    last_period = serializers.DateField(allow_null=True)
    store = serializers.IntegerField(required=False, help_text="Walmart-layout workspaces: the store number")
    dept = serializers.IntegerField(required=False, help_text="Walmart-layout workspaces: the department number")


class MemberPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = CatalogMemberSerializer(many=True)
    attributes = serializers.DictField(help_text="{attribute: [values]} to filter by")


_LIST_PARAMS = [OpenApiParameter("q", str, description="part of a code or name (case-insensitive)"),
                OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


class _CatalogList(TenantAPIView):
    permissions_map = {"GET": "forecasts.view"}
    side = ""

    def get(self, request):
        found = catalog_list(scope=self.scope, side=self.side, q=request.query_params.get("q", "").strip(),
                             attrs=attribute_filters(request.query_params, self.side))
        pager = Pagination()
        page = pager.paginate_queryset(found["results"], request, view=self)
        answer = pager.get_paginated_response(page).data
        answer["attributes"] = found["attributes"]
        return Response(answer)


class _CatalogDetail(TenantAPIView):
    permissions_map = {"GET": "forecasts.view"}
    side = ""

    def get(self, request, code: str):
        found = catalog_get(scope=self.scope, side=self.side, code=code)
        if found is None:  # outside the scope: the same answer as an unknown code
            raise NotFound(f"No {self.side} {code!r}.", code=f"{self.side}_not_found", details={self.side: code})
        return Response(found)


class LocationListView(_CatalogList):
    """Every location you can see, with its attributes and sales coverage."""

    side = "location"

    @extend_schema(operation_id="locations_list", responses=MemberPageSerializer,
                   parameters=[*_LIST_PARAMS, OpenApiParameter("location.<attr>", str, description="e.g. "
                                                                "location.type=A")])
    def get(self, request):
        return super().get(request)


class ItemListView(_CatalogList):
    """Every item sold in your locations, with its attributes and coverage."""

    side = "item"

    @extend_schema(operation_id="items_list", responses=MemberPageSerializer,
                   parameters=[*_LIST_PARAMS, OpenApiParameter("item.<attr>", str, description="e.g. "
                                                                "item.category=Dairy")])
    def get(self, request):
        return super().get(request)


class LocationDetailView(_CatalogDetail):
    side = "location"

    @extend_schema(operation_id="locations_retrieve", responses=CatalogMemberSerializer)
    def get(self, request, code: str):
        return super().get(request, code)


class ItemDetailView(_CatalogDetail):
    side = "item"

    @extend_schema(operation_id="items_retrieve", responses=CatalogMemberSerializer)
    def get(self, request, code: str):
        return super().get(request, code)


class SeriesSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text="part of a location's or item's code or name "
                                                       "(case-insensitive; at least 1 character)",
                              error_messages={"required": "Send part of a code or name to search for.",
                                              "blank": "Send at least 1 character (spaces do not count)."})
    limit = serializers.IntegerField(min_value=1, max_value=SEARCH_MAX, default=SEARCH_LIMIT)


class SeriesMatchSerializer(serializers.Serializer):
    store = serializers.IntegerField(help_text="the location's id: the Forecast page's ?store=")
    dept = serializers.IntegerField(help_text="the item's id: the Forecast page's ?dept=")
    location = serializers.CharField(help_text="the location's code")
    item = serializers.CharField(help_text="the item's code")
    location_name = serializers.CharField(allow_null=True)
    item_name = serializers.CharField(allow_null=True)
    label = serializers.CharField(help_text="in the workspace's words, e.g. 'Store 1 · Department 18'")


class SeriesSearchSerializer(serializers.Serializer):
    results = SeriesMatchSerializer(many=True, help_text="an exact code first, then codes starting with q, "
                                                         "then the rest; each by location, then item")


class SeriesSearchView(TenantAPIView):
    """The series with sales in your stores whose location or item code or name contains ``q``: a
    search-as-you-type picker's suggestions (at most ``limit``)."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(operation_id="series_search", responses=SeriesSearchSerializer, parameters=[
        SeriesSearchQuerySerializer,
        OpenApiParameter("location.<attr>", str, description="only the locations with that attribute, e.g. "
                                                             "location.type=A"),
        OpenApiParameter("item.<attr>", str, description="only the items with that attribute")])
    def get(self, request):
        query = SeriesSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data["q"]  # surrounding spaces trimmed; blank or missing: 400
        within, _ = attribute_members(request.query_params)
        return Response({"results": series_search(scope=self.scope, q=q, limit=query.validated_data["limit"],
                                                  within=within)})


class WordsSerializer(serializers.Serializer):
    location = serializers.CharField()
    locations = serializers.CharField()
    item = serializers.CharField()
    items = serializers.CharField()
    measure = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField(help_text="the planning frequency's period: day, week or month")
    periods = serializers.CharField()
    period_date = serializers.CharField(help_text="the heading of a column of periods (Week ending, Day, Month)")
    periods_date = serializers.CharField(help_text="the legend of a choice of periods (Weeks ending, Days, Months)")
    horizon_max = serializers.IntegerField(help_text="the longest training horizon, in periods")
    horizon_default = serializers.IntegerField()


class DataSettingsSerializer(serializers.Serializer):
    frequency = serializers.CharField(allow_null=True, help_text="D, W-<DAY> or MS: inferred from the first "
                                                                 "sales upload (null before it) unless set before")
    period_label = serializers.CharField(help_text="start | end: how the retailer's dates label a period")
    country = serializers.CharField(help_text="ISO 3166 code for public holidays; empty: none")
    subdivision = serializers.CharField(help_text="a state or province code of the country; empty: national")
    holiday_weight = serializers.FloatField(help_text="weight of a holiday period in the error measure (1..100; "
                                            "trainings from the next one on)")
    location_word = serializers.CharField()
    location_word_plural = serializers.CharField()
    item_word = serializers.CharField()
    item_word_plural = serializers.CharField()
    measure_word = serializers.CharField()
    measure_unit = serializers.CharField()
    materiality_floor = serializers.FloatField(help_text="per week, in the measure's unit: below it a figure shows "
                                               "no ratio and is not ranked (hotspots, anomalies, markdown ROI)")
    forecast_retention_days = serializers.IntegerField(help_text=(
        "a forecast run older than this whose horizon has passed is summarised: its series' rows deleted, its "
        "totals by hierarchy level kept (the newest run of each version never)"))
    legacy_keys = serializers.BooleanField(help_text="codes are Walmart's numbers: integer store/dept fields work")
    words = WordsSerializer()
    covariates = serializers.ListField(child=serializers.DictField(), help_text=(
        "the retailer's own covariates: name, kind (known | past), level (series, location, item, calendar) "
        "and lever (offered by the simulator)"))
    levers = serializers.ListField(child=serializers.CharField(), help_text="the covariates offered as levers")
    updated_at = serializers.DateTimeField(allow_null=True)


class DataSettingsUpdateSerializer(WriteSerializer):
    """The fields a PATCH may send (read-only ones that GET answered are ignored)."""

    answer = DataSettingsSerializer
    frequency = serializers.CharField(required=False, help_text="D, W-MON .. W-SUN or MS, before the first sales "
                                                                "upload")
    levers = serializers.ListField(child=serializers.CharField(), required=False,
                                   help_text="the covariates known ahead the simulator offers (every other is not)")
    country = serializers.CharField(required=False, allow_blank=True)
    subdivision = serializers.CharField(required=False, allow_blank=True)
    location_word = serializers.CharField(required=False)
    location_word_plural = serializers.CharField(required=False)
    item_word = serializers.CharField(required=False)
    item_word_plural = serializers.CharField(required=False)
    measure_word = serializers.CharField(required=False)
    measure_unit = serializers.CharField(required=False)
    holiday_weight = serializers.FloatField(required=False, help_text="1..100: the next training's error measure")
    materiality_floor = serializers.FloatField(required=False, min_value=0)
    forecast_retention_days = serializers.IntegerField(required=False, help_text="28..3650 days")


class DataSettingsView(TenantAPIView):
    permissions_map = {"GET": "forecasts.view", "PATCH": "data.configure"}

    @extend_schema(operation_id="data_settings_retrieve", responses=DataSettingsSerializer)
    def get(self, request):
        return Response(data_settings_answer())

    @extend_schema(operation_id="data_settings_update", request=DataSettingsUpdateSerializer,
                   responses=DataSettingsSerializer)
    def patch(self, request):
        data = request.data.dict() if hasattr(request.data, "dict") else request.data
        if not isinstance(data, dict):
            raise ValidationFailed("Send a JSON object of the settings' fields.", details={"body": ["not an object"]})
        data = drop_read_only(data, writable=set(DataSettingsUpdateSerializer().fields),
                              answer=DataSettingsSerializer)
        return Response(data_settings_answer(data_settings_update(actor=self.actor, changes=data)))


class LayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    header = serializers.ListField(child=serializers.CharField(), help_text="the header as the file wrote it")
    mapping = serializers.DictField(help_text="the mapping's JSON form (the upload's mapping field)")
    kind = serializers.CharField(allow_null=True, help_text="sales, locations, items, location_covariates...")
    uses = serializers.IntegerField(help_text="files read with it without asking")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class LayoutUpdateSerializer(WriteSerializer):
    """One saved layout changed (by ``id``): its name or mapping; ``delete: true`` forgets it."""

    answer = LayoutSerializer
    id = serializers.IntegerField()
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    mapping = serializers.DictField(required=False)
    delete = serializers.BooleanField(required=False, default=False)


class LayoutsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = LayoutSerializer(many=True)


class LayoutsUpdateSerializer(WriteSerializer):
    answer = LayoutsSerializer
    results = LayoutUpdateSerializer(many=True)


class LayoutListView(TenantAPIView):
    """The workspace's saved column mappings: a file whose header matches one is read without asking.
    ``PUT`` takes back what ``GET`` answered with layouts changed (a name, a mapping) or marked
    ``delete``; layouts it does not name are left as they are."""

    permissions_map = {"GET": "data.view", "PUT": "data.configure"}

    @extend_schema(operation_id="layouts_list", responses=LayoutsSerializer)
    def get(self, request):
        rows = layout_list()
        return Response({"count": len(rows), "results": rows})

    @extend_schema(operation_id="layouts_update", request=LayoutsUpdateSerializer, responses=LayoutsSerializer)
    def put(self, request):
        body = LayoutsUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        layouts_update(actor=self.actor, changes=body.validated_data["results"])
        rows = layout_list()
        return Response({"count": len(rows), "results": rows})
