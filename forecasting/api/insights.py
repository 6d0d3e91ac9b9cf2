"""Insights API (issue 9, page 6): volatility hotspots, anomalies, inventory
targets (JSON or ``?format=csv``) and the stock-on-hand upload; every row is of
the principal's stores only (accounts/scope.py)."""
from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from forecasting.api.views import stream_csv
from forecasting.selectors.insights import (
    INVENTORY_COLUMNS,
    inventory,
    inventory_params,
    inventory_table,
    margin_param,
    markdown_roi,
    snapshot,
)
from forecasting.services.inventory import on_hand_upload
from saas.api.base import TenantAPIView
from saas.api.renderers import CSVRenderer, file_renderers
from saas.errors import ValidationFailed


def _empty(kind: str) -> dict:
    return {"results": [], "count": 0, "computed_at": None, "stale": False,
            "pending": True, "message": f"No {kind} yet: they are computed after the next upload or training."}


class MarkdownRoiView(TenantAPIView):
    """Markdown ROI per department and markdown type over your stores: the model's counterfactual over its
    backtest weeks (forecast with markdowns as they were minus with that type at zero), the markdown cost
    split over departments by sales share, ROI = (incremental sales x margin - cost) / cost. ``?margin=``
    overrides the workspace's gross margin. The model's learned association, not a controlled experiment."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(parameters=[OpenApiParameter("margin", float, description="0..1 (default: workspace setting)")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        margin = margin_param(request.query_params)
        return Response(markdown_roi(scope=self.scope, margin=margin) or _empty("markdown ROI"))


class HotspotsView(TenantAPIView):
    """Series ranked by volatility: coefficient of variation of weekly sales (52 weeks), relative width of the
    served forecast's 95% band, error of the stored forecasts over realized weeks (WAPE)."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(snapshot("hotspots", scope=self.scope) or _empty("hotspots"))


class AnomaliesView(TenantAPIView):
    """Past weeks whose sales fell outside the 95% band of the forecast made for them (method ``band``), or,
    without a forecast, beyond a robust z-score of 3.5 both from the series' level and from the same week in its
    other years (method ``seasonal_z``; ``robust_z``, the level alone, under a year of history); largest first."""

    permissions_map = {"GET": "forecasts.view"}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(snapshot("anomalies", scope=self.scope) or _empty("anomalies"))


class InventoryView(TenantAPIView):
    """Order-up-to level per series and week for a lead time (weeks) and service level, from the served
    forecast's quantiles; with stock on hand uploaded, the quantity to order now. ``?format=csv`` for a file."""

    permissions_map = {"GET": "forecasts.view"}
    renderer_classes = file_renderers(CSVRenderer)

    @extend_schema(parameters=[
        OpenApiParameter("lead_time", int, description="weeks, 1..52 (default 2)"),
        OpenApiParameter("service_level", float, description="0.5..0.999 (default 0.95)"),
        OpenApiParameter("unit_price", float, description="money per unit: every figure in units, orders in "
                                                          "whole units (stock on hand is money at selling price)"),
        OpenApiParameter("holding_cost", float, description="cost of holding a unit one week; with "
                                                            "stockout_cost it sets the service level"),
        OpenApiParameter("stockout_cost", float, description="cost of a unit of demand missed (lost margin); "
                                                             "service level = stockout / (stockout + holding)"),
        OpenApiParameter("format", str, enum=["json", "csv"])], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = inventory_params(request.query_params)
        if request.accepted_renderer.format == "csv":  # ?format=csv or Accept: text/csv
            data = inventory(scope=self.scope, params=params)
            rows = ([r[c] if c in ("store", "dept", "week") or r[c] is None else round(r[c], 2)
                     for c in INVENTORY_COLUMNS] for r in data["results"])
            units = "-units" if data["unit"] == "units" else ""
            return stream_csv(f"inventory-lead{params.lead_time}-sl{params.service_level:g}{units}.csv",
                              INVENTORY_COLUMNS, rows)
        meta, df = inventory_table(scope=self.scope, params=params)
        # tens of thousands of rows: pandas' C encoder writes them 10x faster than building dicts for json
        # (NaN -> null); the rest of the answer goes through the renderer as usual
        body = json.dumps(meta, separators=(",", ":"))[:-1] + ',"results":' + (
            df.to_json(orient="records", double_precision=6) if len(df) else "[]") + "}"
        return HttpResponse(body, content_type="application/json")


class OnHandUploadView(TenantAPIView):
    """Upload stock on hand as CSV ``Store,Dept,OnHand`` (multipart ``file``, or a text/csv body). It replaces
    the stock of your stores; any bad row refuses the whole file (errors name row, field and reason)."""

    permissions_map = {"POST": "data.upload"}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        f = request.FILES.get("file")
        if f is None:
            raise ValidationFailed("Send the CSV as the multipart field 'file'.", details={"file": ["required"]})
        out = on_hand_upload(actor=self.actor, scope=self.scope, file=f, filename=f.name or "")
        return Response(out, status=status.HTTP_201_CREATED)
