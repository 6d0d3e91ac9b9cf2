from django.shortcuts import render

from accounts.decorators import role_required
from accounts.notices import notices_recent
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting import charts, selectors


@role_required("workspace.view")
def dashboard(request):
    scope = StoreScope.for_request(request)
    summary = selectors.dataset_summary(scope=scope)
    active = selectors.active_model()
    run = selectors.latest_run(active) if active else None
    history = selectors.total_sales_history(scope=scope) if summary["sales_rows"] else []
    forecast = selectors.total_forecast(run, scope=scope) if run else []
    return render(request, "forecasting/dashboard.html", {
        "summary": summary, "active": active, "run": run,
        "last_upload": selectors.latest_upload(scope=scope),
        "forecast_total": sum(f["forecast"] for f in forecast),
        "vs_last_year": selectors.forecast_vs_last_year(run, scope=StoreScope.for_request(request)) if run else None,
        "chart": charts.total_chart(history, forecast) if history else None,
        "notices": notices_recent() if has_perm(getattr(request.user, "role", None), "models.manage") else [],
    })
