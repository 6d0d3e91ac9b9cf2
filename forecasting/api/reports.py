"""The weekly report on demand (issue 9, item 7): ``GET /api/v1/reports/weekly.pdf``,
viewer and up, covering the caller's stores only (a store-restricted member or key
gets the report of her stores)."""
from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema

from forecasting.reports.figures import weekly_report
from forecasting.reports.pdf import report_filename, report_pdf
from saas.api.base import TenantAPIView
from saas.api.renderers import PDFRenderer, file_renderers


class WeeklyReportPDFView(TenantAPIView):
    """KPIs (like for like), charts, top movers, the approved plan against the forecast and what needs attention,
    as a PDF."""

    permissions_map = {"GET": "forecasts.view"}
    renderer_classes = file_renderers(PDFRenderer)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        report = weekly_report(scope=self.scope)
        response = HttpResponse(report_pdf(report, tenant=connection.tenant), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report_filename(report)}"'
        return response
