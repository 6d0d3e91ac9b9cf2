from django.shortcuts import render

from accounts.decorators import role_required
from billing.plans import PLANS
from billing.selectors import plan_usage


@role_required("billing.view")
def billing(request):
    limits, usage = plan_usage()
    return render(request, "billing/billing.html", {"limits": limits, "usage": usage, "plans": PLANS})
