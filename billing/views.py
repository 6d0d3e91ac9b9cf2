from django.shortcuts import render

from accounts.decorators import role_required
from billing.plans import PLANS
from billing.selectors import limit_rows


@role_required("billing.view")
def billing(request):
    return render(request, "billing/billing.html", {"rows": limit_rows(), "plans": list(PLANS)})
