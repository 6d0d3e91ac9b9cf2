from django.db import connection
from django.shortcuts import render

from accounts.decorators import role_required
from accounts.models import ApiKey, User
from billing.plans import PLANS, plan_limits


@role_required("billing.view")
def billing(request):
    tenant = connection.tenant
    limits = plan_limits(tenant.plan)
    usage = {"members": User.objects.filter(is_active=True).count(),
             "api_keys": ApiKey.objects.filter(revoked_at__isnull=True).count()}
    return render(request, "billing/billing.html", {"limits": limits, "usage": usage, "plans": PLANS})
