"""The weekly report from the web (issue 9, item 7): the PDF of the member's stores,
and the member's own weekly e-mail subscription."""
from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.scope import StoreScope
from forecasting.reports.delivery import weekly_report_subscribe
from forecasting.reports.figures import weekly_report
from forecasting.reports.pdf import report_filename, report_pdf


@role_required("forecasts.view")
def weekly_report_pdf(request):
    report = weekly_report(scope=StoreScope.for_request(request))
    response = HttpResponse(report_pdf(report, tenant=connection.tenant), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(report)}"'
    return response


@role_required("forecasts.view")
@require_POST
def weekly_report_subscription(request):
    on = request.POST.get("subscribed") == "1"
    weekly_report_subscribe(user=request.user, subscribed=on)
    messages.success(request, "You will get the weekly report by e-mail every week." if on
                     else "You will no longer get the weekly report by e-mail.")
    return redirect("dashboard")
