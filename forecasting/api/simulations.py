"""POST /api/v1/simulations/ (the promotion what-if of one store, or of
several at once with ``stores``; saved as a named scenario with ``name``)
and GET /api/v1/simulations/ (saved scenarios)."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.roles import has_perm
from forecasting.ml.simulate import MAX_STORES
from forecasting.selectors.catalog import member_id
from forecasting.selectors.simulation import scenario_list
from forecasting.services.simulations import simulation_run
from saas.api.base import TenantAPIView
from saas.api.pagination import Pagination
from saas.api.writes import json_body
from saas.errors import Forbidden


class SimulationRequestSerializer(serializers.Serializer):
    """Documents the body; the service validates it and names the field of any error.
    Exactly one of ``store`` and ``stores``."""
    store = serializers.IntegerField(required=False, help_text="the store to simulate (or use ``stores``)")
    stores = serializers.ListField(
        child=serializers.IntegerField(), required=False, min_length=1, max_length=MAX_STORES,
        help_text=f"instead of ``store``: 1 to {MAX_STORES} stores, the same markdown amounts in each (each store's "
                  "own planned amounts are its baseline). The answer is their total (sales, cost and profit summed, "
                  "ROI from the sums, the 80 % range with the stores' half-widths combined as independent errors, "
                  "weeks summed, ``store`` null) plus ``stores``: each store's store, depts, baseline, "
                  "incremental_sales, lo80, hi80, markdown_cost, incremental_profit and roi, largest incremental "
                  "profit first. ``depts`` applies in every store (a department a store lacks is skipped there). "
                  "A store outside your stores answers 404 store_not_found and nothing is computed. "
                  "Saved with ``name``, it is listed to a store-restricted member only when every store is hers.")
    depts = serializers.ListField(child=serializers.IntegerField(), allow_null=True, required=False,
                                  help_text="null or absent: every department with a live forecast; with ``stores``, "
                                            "applies in every store")
    weeks = serializers.ListField(child=serializers.DateField(), help_text="forecast weeks (week-ending dates)")
    markdowns = serializers.DictField(child=serializers.FloatField(min_value=0, allow_null=True), required=False,
                                      help_text="markdown1..markdown5 amount per week; absent or null = as planned")
    margin = serializers.FloatField(min_value=0, max_value=1, required=False,
                                    help_text="gross margin; default: the workspace's setting")
    locations = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text="instead of ``stores``: the locations' codes")
    items = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="instead of ``depts``: the items' codes")
    periods = serializers.ListField(child=serializers.DateField(), required=False,
                                    help_text="a daily or monthly workspace: the forecast's days or months (or "
                                              "``weeks``); ``depts`` are its products")
    levers = serializers.DictField(child=serializers.DictField(), required=False,
                                   help_text="a daily or monthly workspace: {covariate: {\"value\": x} or "
                                             "{\"change_pct\": p}} for the covariates offered as levers (e.g. "
                                             "price -20 %, promo 1); the answer: baseline, scenario and incremental "
                                             "units, by_period, and money (revenue and gross profit) when the "
                                             "model reads a price")
    name = serializers.CharField(required=False, help_text="save as a named scenario (analyst+, audited); one of "
                                                           "several stores is listed only to those who see them all")


class ScenarioSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    store = serializers.IntegerField()
    stores = serializers.ListField(child=serializers.IntegerField(),
                                   help_text="every store of a scenario of several; empty: ``store`` alone")
    inputs = serializers.JSONField()
    result = serializers.JSONField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by_label")


class PaginatedScenarioSerializer(serializers.Serializer):
    """The page ``GET /api/v1/simulations/`` answers (documentation only)."""
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ScenarioSerializer(many=True)


class SimulationView(TenantAPIView):
    """POST: the promotion what-if of one store, or of several (``stores``) (not stored; with ``name``,
    saved as a scenario and audited). GET: the saved scenarios of your stores."""

    permissions_map = {"GET": "simulations.run", "POST": "simulations.run"}

    @extend_schema(parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
                   responses=PaginatedScenarioSerializer)
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(scenario_list(scope=self.scope), request, view=self)
        return paginator.get_paginated_response(ScenarioSerializer(page, many=True).data)

    @extend_schema(request=SimulationRequestSerializer,
                   responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def post(self, request):
        body = {**json_body(request.data)}
        if "periods" in body:  # a daily or monthly workspace's periods (``weeks`` is read the same)
            body.setdefault("weeks", body["periods"])
        for field, side, key in (("locations", "location", "stores"), ("items", "item", "depts")):
            if isinstance(body.get(field), list):  # the retailer's codes instead of ids
                body[key] = [member_id(side, str(code)) for code in body[field]]
        body = json_body(body, required=("weeks",))
        name = body.get("name") or ""
        if name and not has_perm(self.role, "simulations.save"):
            raise Forbidden("Your role does not allow saving scenarios (analyst or above); run it without a name.")
        out = simulation_run(actor=self.actor, scope=self.scope, store=body.get("store"), stores=body.get("stores"),
                             depts=body.get("depts"),
                             weeks=body.get("weeks"), markdowns=body.get("markdowns"), margin=body.get("margin"),
                             name=str(name), levers=body.get("levers"))
        return Response(out, status=201 if out.get("saved") else 200)
