"""The executive Dashboard (issue 9, page 1): KPI cards like for like, the
total history with the forecast and its bands, sales by store type, top movers
and what needs attention. It only reads (forecasting/selectors/dashboard.py:
the figures the worker stored, a few indexed reads), and it reloads itself when
the jobs that change it end and the worker stored its new figures
(forecasting/web/job_watch.py)."""
from __future__ import annotations

from datetime import date, timedelta

from django.shortcuts import render

from accounts.decorators import role_required
from accounts.notices import notices_recent
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.charts.base import Measure
from forecasting.charts.dashboard import store_type_chart, total_chart
from forecasting.selectors.catalog import workspace_words
from forecasting.selectors.dashboard import dashboard, dashboard_figures, total_forecast
from forecasting.selectors.forecast import forecast_aggregate, latest_run
from forecasting.selectors.groups import node_choices, node_history
from forecasting.selectors.onboarding import onboarding_checklist
from forecasting.web.job_watch import figures_watch, watch_answer


def _watch(request) -> dict:
    """The jobs that change the Dashboard, then the worker storing its figures (FiguresSnapshot "dashboard")."""
    return figures_watch(scope=StoreScope.for_request(request), url_name="dashboard_status", figures=("dashboard",), words="The Dashboard's figures")


@role_required("workspace.view")
def dashboard_page(request):
    scope = StoreScope.for_request(request)
    words = workspace_words()
    figures = dashboard_figures(scope=scope)
    cards = dashboard(scope=scope, figures=figures)
    run = latest_run()
    forecast = total_forecast(scope=scope, run=run)
    history = figures["history"]
    choices = [] if scope.restricted else node_choices(words)
    node = _node(request, choices, run, history)
    if node:
        history, forecast = node["history"], node["forecast"]
    return render(request, "forecasting/dashboard.html", {
        "c": cards, "run": run, "restricted": scope.restricted, "node": node,
        "choices": choices,
        "chart": total_chart(history, forecast, of=node["label"] if node else "Total", measure=Measure.of(words))
        if history else None,
        "type_chart": store_type_chart(cards["by_store_type"], words.location.lower(), words.locations.lower(),
                                       cards["by_store_attribute"] or "type", Measure.of(words))
        if cards["by_store_type"] else None,
        "watch": _watch(request), "checklist": onboarding_checklist(role=getattr(request.user, "role", None)),
        "notices": notices_recent(user=request.user)
        if has_perm(getattr(request.user, "role", None), "models.manage") else [],
    })


def _node(request, choices: list[dict], run, history: list[dict]) -> dict | None:
    """The chart narrowed to one attribute node (``?node=location.city:Quito``): its weekly sales over the
    total's weeks and its stored coherent forecast. None for the total, or a node not among ``choices`` (none
    for a restricted principal: a node spans stores outside hers)."""
    level, _, key = request.GET.get("node", "").partition(":")
    if not history or not key:
        return None
    choice = next((c for c in choices if c["level"] == level and key in c["keys"]), None)
    if choice is None:
        return None
    since = date.fromisoformat(history[0]["date"]) - timedelta(days=1)
    points = forecast_aggregate(run, level=level, key=key) if run is not None else []
    return {"level": level, "key": key, "label": f"{choice['label']} {key}",
            "history": node_history(level=level, key=key, since=since),
            "forecast": [{**p, "date": p["date"].isoformat()} for p in points]}


@role_required("workspace.view")
def dashboard_status(request):
    """Polled while a job the Dashboard shows runs; once it ended and the figures are stored, htmx reloads it."""
    return watch_answer(request, _watch(request))
