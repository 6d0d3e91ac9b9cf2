from django.shortcuts import render

from accounts.decorators import role_required
from accounts.scope import StoreScope
from forecasting import selectors


@role_required("forecasts.view")
def insights(request):
    active = selectors.active_model()
    run = selectors.latest_run(active) if active else None
    return render(request, "forecasting/insights.html", {
        "active": active, "run": run,
        "outlook": selectors.department_outlook(run, scope=StoreScope.for_request(request)) if run else None,
        "importance": (active.importance or [])[:10] if active else [],
    })
