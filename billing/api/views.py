"""Metered usage, statements and the plan, for owners and admins (changing
the plan: owners)."""
from django.db import connection
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from billing import selectors, services
from billing.api import serializers as s
from billing.plans import PLANS
from billing.statement_files import statement_csv, statement_filename, statement_pdf
from saas.api.base import TenantAPIView, TenantViewSet
from saas.api.renderers import CSVRenderer, PDFRenderer, file_renderers
from saas.errors import NotFound


class UsageView(TenantAPIView):
    permissions_map = {"GET": "billing.view"}

    @extend_schema(parameters=[OpenApiParameter("since", OpenApiTypes.DATE), OpenApiParameter("until", OpenApiTypes.DATE)],
                   responses=s.UsageSerializer)
    def get(self, request):
        q = s.UsageQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        return Response(selectors.usage_report(**q.validated_data))


@extend_schema_view(retrieve=extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)]))
class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = s.StatementSerializer
    lookup_value_regex = "[0-9]+"
    permissions_map = {"list": "billing.view", "retrieve": "billing.view"}

    def safely_get_queryset(self):
        return selectors.statement_list()


class _StatementFileView(TenantAPIView):
    permissions_map = {"GET": "billing.view"}
    ext = content_type = ""

    def render(self, statement) -> bytes | str:
        raise NotImplementedError

    def get(self, request, pk: int):
        statement = selectors.statement_get(statement_id=pk)
        if statement is None:
            raise NotFound("No such statement.")
        response = HttpResponse(self.render(statement), content_type=self.content_type)
        response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement, self.ext)}"'
        return response


@extend_schema_view(get=extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}))
class StatementPDFView(_StatementFileView):
    ext, content_type = "pdf", "application/pdf"
    renderer_classes = file_renderers(PDFRenderer)

    def render(self, statement):
        return statement_pdf(statement)


@extend_schema_view(get=extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}))
class StatementCSVView(_StatementFileView):
    ext, content_type = "csv", "text/csv; charset=utf-8"
    renderer_classes = file_renderers(CSVRenderer)

    def render(self, statement):
        return statement_csv(statement)


class PlanView(TenantAPIView):
    """GET: the workspace's plan. PATCH {"plan"}: owners change it (an upgrade
    applies now; a downgrade is refused with 409 while usage exceeds the new plan)."""

    permissions_map = {"GET": "billing.view", "PATCH": "billing.manage"}

    @extend_schema(responses=s.PlanSerializer)
    def get(self, request):
        return Response({"plan": connection.tenant.plan, "plans": list(PLANS)})

    @extend_schema(request=s.PlanChangeSerializer, responses=s.PlanSerializer)
    def patch(self, request):
        data = s.PlanChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant, changed = services.plan_change(actor=self.actor, plan=data.validated_data["plan"])
        return Response({"plan": tenant.plan, "changed": changed, "plans": list(PLANS)})
