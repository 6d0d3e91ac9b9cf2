"""Insights page (issue 9, page 6): the department outlook, markdown ROI,
volatility hotspots and anomalies (the worker's stored figures, forecasting/services/insights.py)
and inventory targets for a lead time and service level (computed on read from
the served forecast's bands, forecasting/selectors/insights.py). It only reads."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.charts.insights import hotspot_heatmap, roi_scatter
from forecasting.selectors.catalog import series_codes, workspace_words
from forecasting.selectors.forecast import active_model, latest_run
from forecasting.selectors.groups import attribute_members, filter_levels, rows_within
from forecasting.selectors.insights import (
    inventory,
    inventory_params,
    margin_param,
    markdown_roi,
    snapshot,
)
from forecasting.selectors.jobs import INSIGHTS
from forecasting.selectors.stores import department_outlook
from forecasting.services.inventory import on_hand_upload
from forecasting.web.job_watch import figures_watch, watch_answer
from saas.errors import ServiceError, ValidationFailed

TOP_HOTSPOTS = 25
TOP_ANOMALIES = 50
TOP_ORDERS = 50
TOP_ROI = 25
OUTLOOK_ROWS = 10


def _inventory(request, scope):
    try:
        params = inventory_params(request.GET)
        error = None
    except ValidationFailed as exc:  # the figures of the defaults; the form keeps what was typed
        params, error = inventory_params({}), exc.message
    data = inventory(scope=scope, params=params, first_weeks=True)
    first = data["results"]  # each series' first forecast week: what to hold (and order) now
    first.sort(key=lambda r: (-(r["order"] or 0), -r["target"]))
    typed = {"lead_time": request.GET.get("lead_time", params.lead_time),
             "service_pct": request.GET.get("service_level", f"{params.service_level * 100:g}") if error else
             f"{params.service_level * 100:g}",
             **{k: request.GET.get(k, "") for k in ("unit_price", "holding_cost", "stockout_cost")}}
    csv_query = urlencode({"lead_time": params.lead_time, "service_level": params.service_level, "format": "csv",
                           **{k: v for k in ("unit_price", "holding_cost", "stockout_cost")
                              if (v := getattr(params, k)) is not None}})
    return {**data, "rows": first[:TOP_ORDERS], "series": len(first), "error": error, "typed": typed,
            "service_pct": round(params.service_level * 100, 1), "csv_query": csv_query}


def _watch(request) -> dict:
    """The jobs that change the page, then the worker's recomputing of its stored figures."""
    return figures_watch(scope=StoreScope.for_request(request), url_name="insights_status", figures=(INSIGHTS,), words="The insights figures")


@role_required("forecasts.view")
def insights_status(request):
    """Polled while a job the page shows runs; once it ended and the figures are stored, htmx reloads the page."""
    return watch_answer(request, _watch(request))


def _outlook(scope: StoreScope, keep: dict) -> dict:
    """The department outlook, narrowed by an item filter (its rows sum every store: a location filter does
    not narrow it, the page says so)."""
    found = department_outlook(scope=scope, limit=10_000)
    narrowed = {k: rows_within(found[k], {"store": None, "dept": keep["dept"]})[:OUTLOOK_ROWS] for k in ("falls", "rises")}
    return {**found, **narrowed}


@role_required("forecasts.view")
def insights_page(request):
    scope = StoreScope.for_request(request)
    active = active_model()
    run = latest_run(active) if active else None
    keep, filters = attribute_members(request.GET)  # ?location.city=Quito&item.category=Dairy narrows every list
    hotspots = snapshot("hotspots", scope=scope)
    anomalies = snapshot("anomalies", scope=scope)
    roi = markdown_roi(scope=scope, margin=margin_param({}))
    roi_rows = rows_within([r for r in (roi or {}).get("results", []) if r["markdown"] != "all"], keep)
    hotspot_rows = rows_within((hotspots or {}).get("results", []), keep)
    inventory = _inventory(request, scope) if run else None
    if inventory:
        inventory["rows"] = rows_within(inventory["rows"], keep)
    return render(request, "forecasting/insights.html", {
        "active": active, "run": run, "restricted": scope.restricted,
        "filters": filters, "filter_levels": [] if scope.restricted else filter_levels(workspace_words(), filters),
        "outlook": _outlook(scope, keep) if run else None,
        "importance": (active.importance or [])[:10] if active else [],
        "hotspots": hotspots, "hotspot_rows": hotspot_rows[:TOP_HOTSPOTS],
        "heatmap": hotspot_heatmap(hotspot_rows, words=workspace_words(), codes=series_codes()) if hotspot_rows else None,
        "anomalies": anomalies,
        "anomaly_rows": rows_within((anomalies or {}).get("results", []), keep)[:TOP_ANOMALIES],
        "roi": roi, "roi_rows": roi_rows[:TOP_ROI], "roi_total": len(roi_rows), "roi_chart": roi_scatter(roi_rows) if roi else None,
        "inventory": inventory,
        "can_upload": has_perm(getattr(request.user, "role", None), "data.upload"),
        "watch": _watch(request),
    })


@require_POST
@role_required("data.upload")
def on_hand_submit(request):
    """The stock-on-hand CSV from the Insights page: all or nothing, errors naming row, field and reason."""
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, "Choose a CSV file with the columns Store,Dept,OnHand.")
        return redirect("insights")
    try:
        out = on_hand_upload(actor=Actor.from_request(request), scope=StoreScope.for_request(request),
                             file=f, filename=f.name or "")
    except ServiceError as exc:
        errors = (exc.details or {}).get("errors", []) if isinstance(exc.details, dict) else []
        lines = [f"row {e['row']}, {e['field']}: {e['reason']}" for e in errors[:5] if e.get("row")]
        messages.error(request, exc.message + (" " + "; ".join(lines) + "." if len(lines) > 1 else ""))
        return redirect("insights")
    messages.success(request, f"Stock on hand of {out['rows']:,} series saved; the quantities to order use it.")
    return redirect("insights")
