from django.shortcuts import render

from accounts.decorators import role_required


@role_required("workspace.view")
def dashboard(request):
    return render(request, "forecasting/dashboard.html", {})


@role_required("forecasts.view")
def insights(request):
    return render(request, "forecasting/placeholder.html", {"title": "Insights"})
