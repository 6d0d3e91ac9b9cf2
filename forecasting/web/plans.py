"""The Plan page (Forecasts > Plan): submit the forecast with its overrides
for approval (analyst+), approve a submitted plan (admin+), the approved plan
against the served forecast, and every plan submitted."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.selectors.forecast import latest_run
from forecasting.selectors.plans import plan_current, plan_get, plan_list, plan_vs_forecast
from forecasting.services.plans import plan_approve, plan_submit
from saas.errors import ServiceError


@role_required("forecasts.view")
def plan_page(request):
    scope = StoreScope.for_request(request)
    current, run = plan_current(), latest_run()
    return render(request, "forecasting/plan.html", {
        "current": current, "run": run, "plans": plan_list()[:30], "restricted": scope.restricted,
        "versus": plan_vs_forecast(current, run, scope=scope) if current else None,
        "can_submit": has_perm(request.user.role, "plans.submit") and not scope.restricted,
        "can_approve": has_perm(request.user.role, "plans.approve") and not scope.restricted})


@require_POST
@role_required("plans.submit")
def plan_submit_view(request):
    try:
        plan = plan_submit(actor=Actor.from_request(request), scope=StoreScope.for_request(request),
                           note=request.POST.get("note", ""))
        messages.success(request, f"Plan {plan.number} submitted: an admin approves it to make it the plan.")
    except ServiceError as exc:
        messages.error(request, f"The plan was not submitted: {exc.message}")
    return redirect("plan")


@require_POST
@role_required("plans.approve")
def plan_approve_view(request, pk: int):
    plan = plan_get(plan_id=pk)
    try:
        if plan is None:
            raise ServiceError("No such plan.")
        plan = plan_approve(actor=Actor.from_request(request), scope=StoreScope.for_request(request), plan=plan)
        messages.success(request, f"Plan {plan.number} approved: it is the plan the API, the export and this page "
                                  f"serve.")
    except ServiceError as exc:
        messages.error(request, f"The plan was not approved: {exc.message}")
    return redirect("plan")
