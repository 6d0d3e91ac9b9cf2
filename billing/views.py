from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from billing import selectors, services
from billing.api.serializers import UsageQuerySerializer
from billing.charts import usage_charts
from billing.plans import CURRENCY, PLANS, plan_price
from billing.statements import OVERAGE_LABELS, month_bounds, month_usage, statement_lines
from saas.errors import ServiceError


@role_required("billing.view")
def billing(request):
    plan = selectors.tenant_plan()
    return render(request, "billing/billing.html", {
        "rows": selectors.limit_rows(), "plans": list(PLANS),
        "prices": [(p, plan_price(p).monthly) for p in PLANS],
        "statements": list(selectors.statement_list()[:24]),
        "can_change_plan": has_perm(request.user.role, "billing.manage"),
        "current_plan": plan,
    })


@require_POST
@role_required("billing.manage")
def plan_change(request):
    try:
        _, changed = services.plan_change(actor=Actor.from_request(request), plan=request.POST.get("plan", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("billing")
    if changed:
        messages.success(request, f"The workspace is now on the {selectors.tenant_plan().title()} plan.")
    return redirect("billing")


@role_required("billing.view")
def usage(request):
    q = UsageQuerySerializer(data=request.GET)
    error = None
    if not q.is_valid():
        error = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in q.errors.items())
        q = UsageQuerySerializer(data={})
        q.is_valid()
    report = selectors.usage_report(**q.validated_data)
    tenant = request.tenant
    start, end = month_bounds(timezone.now().date())
    month = month_usage(tenant_id=tenant.pk, start=start, end=end)
    lines, total = statement_lines(plan=tenant.plan, usage=month, period_label=start.strftime("%B %Y"))
    return render(request, "billing/usage.html", {
        "report": report, "charts": usage_charts(report["days"]), "error": error,
        "since": q.validated_data["since"], "until": q.validated_data["until"],
        "month_label": start.strftime("%B %Y"), "month_lines": lines, "month_total": total,
        "currency": CURRENCY,
        "included": [{"label": OVERAGE_LABELS[o.meter].capitalize(), "used": month.get(o.meter, 0),
                      "included": o.included} for o in plan_price(tenant.plan).overages],
    })
