"""Models page (versions, Train button with progress) and Forecast page."""
from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.charts.base import Measure
from forecasting.charts.forecast import forecast_chart
from forecasting.charts.model import backtest_chart, importance_chart
from forecasting.charts.monitoring import live_accuracy_chart
from forecasting.ml.periods import year_before
from forecasting.models import Override
from forecasting.selectors.catalog import announced_opening, data_settings, member_id, series_codes, workspace_words
from forecasting.selectors.dataset import sales_week_count, series_choices, series_history
from forecasting.selectors.forecast import (
    active_model,
    earlier_forecasts,
    forecast_assumptions,
    forecast_series,
    last_year_overlay,
    model_version_get,
    model_version_list,
)
from forecasting.selectors.groups import filter_levels, narrowed_choices
from forecasting.selectors.jobs import MODEL_JOBS, job_get
from forecasting.selectors.monitoring import live_accuracy_history, shadow_summary
from forecasting.services.forecasts import forecast_on_demand
from forecasting.services.promotion import version_activate
from forecasting.services.refresh import forecast_refresh_start
from forecasting.services.training import MIN_WEEKS, model_train_start
from forecasting.web.job_watch import watch, watch_answer, with_watch
from jobs.selectors import jobs_running
from saas.errors import ServiceError
from saas.web_answers import service_error_answer

logger = logging.getLogger(__name__)


def _watch(request) -> dict:
    """The trainings and evaluations under way: the Models pages reload when they end (new version, live accuracy)."""
    return watch(url_name="models_status", jobs=jobs_running(kinds=MODEL_JOBS, scope=StoreScope.for_request(request)))


@role_required("models.view")
def models_status(request):
    return watch_answer(request, _watch(request))


@role_required("models.view")
def models_page(request):
    weeks = sales_week_count()
    return render(request, "forecasting/models.html", {
        "versions": model_version_list(),
        "shadow": shadow_summary(),
        "can_train": has_perm(request.user.role, "models.train"),
        "weeks": weeks,  # no sales: Train is disabled and says why; a short history: the windows that fit
        "windows": max(1, min(4, (weeks - MIN_WEEKS) // 13)) if weeks > MIN_WEEKS else 4,
        "watch": _watch(request),
    })


@require_POST
@role_required("models.train")
def train_submit(request):
    try:
        model_train_start(actor=Actor.from_request(request), horizon=int(request.POST.get("horizon", 13)),
                          backtest_windows=int(request.POST.get("backtest_windows", 4)))
    except (ServiceError, ValueError) as exc:
        msg = getattr(exc, "message", str(exc))
        if request.htmx:
            return render(request, "forecasting/_job_status.html", {"error": msg})
        messages.error(request, msg)
        return redirect("models")
    if request.htmx:  # the page's watch lists the job and reloads the page (the new version) when it ends
        return with_watch(request, HttpResponse(""), _watch(request))
    messages.success(request, "Training started.")
    return redirect("models")


@require_POST
@role_required("models.train")
def refresh_submit(request):
    """Refresh the forecast from the newest data with the active model (no retraining)."""
    try:
        job = forecast_refresh_start(actor=Actor.from_request(request))
    except ServiceError as exc:
        return service_error_answer(request, exc, redirect_to="forecasts", partial="forecasting/_job_status.html")
    if request.htmx:
        return render(request, "forecasting/_job_status.html", {"job": job})
    messages.success(request, "Forecast refresh started.")
    return redirect("forecasts")


@role_required("models.view")
def job_status(request, job_id: int):
    job = job_get(scope=StoreScope.for_request(request), job_id=job_id)
    if job is None:
        raise Http404
    return render(request, "forecasting/_job_status.html", {"job": job})


@role_required("models.view")
def model_detail(request, version_id: int):
    version = model_version_get(version_id=version_id)
    if version is None:
        raise Http404
    rows = []
    cands = version.params.get("candidates") or ("lightgbm", "mstl", "seasonal_svd")  # registry order
    for name in [*cands, "ensemble", "seasonal_naive", "last_value"]:
        m = version.metrics.get(name)
        if m:
            rows.append((name, m))
    active = active_model()
    can_rollback = (has_perm(request.user.role, "models.manage") and version.status != "active"
                    and (active is None or version.number < active.number))
    live = live_accuracy_history(version=version)
    shadow = shadow_summary()
    return render(request, "forecasting/model_detail.html", {
        "watch": _watch(request), "version": version, "rows": rows, "active": active, "can_rollback": can_rollback,
        "shadow": shadow if shadow and version.number in (shadow["number"], shadow["champion"]) else None,
        "evaluations": live["evaluations"][::-1],
        "live_chart": live_accuracy_chart(version, live["evaluations"], live["events"]),
        "backtest_chart": backtest_chart(version),
        "importance_chart": importance_chart(version),
    })


@require_POST
@role_required("models.manage")
def rollback_submit(request, version_id: int):
    """Roll back to an earlier version (owners and admins), with a reason."""
    version = model_version_get(version_id=version_id)
    if version is None:
        raise Http404
    try:
        version = version_activate(version=version, actor=Actor.from_request(request),
                                   reason=request.POST.get("reason", ""), kind="rollback")
    except ServiceError as exc:
        return service_error_answer(request, exc, redirect_to="model_detail", version_id=version.pk)
    messages.success(request, f"Rolled back: v{version.number} is the active model.")
    return redirect("model_detail", version_id=version.pk)


def _series_id(side: str, given) -> int:
    """A series' location or item in a link: its id, or its code (``?store=ST-001&dept=SKU-10001``); an
    unknown code is an id no series has (the page says there are no sales for it)."""
    text = str(given if given is not None else "").strip()
    if not text:
        raise ValueError(side)
    return int(text) if text.isdigit() else member_id(side, text)


@role_required("forecasts.view")
def forecast_page(request):
    scope = StoreScope.for_request(request)
    words, codes = workspace_words(), series_codes()
    choices, filters = narrowed_choices(series_choices(scope=scope), request.GET)
    store = request.GET.get("store") or (choices["stores"][0] if choices["stores"] else None)
    dept = request.GET.get("dept") or (choices["depts"][0] if choices["depts"] else None)
    if any(filters.values()) and f"{store}-{dept}" not in {f"{s}-{d}" for s, d in choices["pairs"]}:
        store, dept = choices["pairs"][0] if choices["pairs"] else (None, None)  # the first series of the filter
    levels = [] if scope.restricted else filter_levels(words, filters)  # the values span others' stores
    # "Find a series" asks GET /api/v1/series/ as one types (forecast.html): the page never lists every series
    ctx = {"choices": choices, "store": store, "dept": dept, "attribute_levels": levels,
           "active": active_model(),
           "can_refresh": has_perm(request.user.role, "models.train"),
           "can_upload": has_perm(request.user.role, "data.upload")}
    try:
        store, dept = _series_id("location", store), _series_id("item", dept)
    except (TypeError, ValueError):
        return render(request, "forecasting/forecast.html", ctx)
    ctx.update(store=store, dept=dept)
    found = forecast_series(scope=scope, store=store, dept=dept)
    history = series_history(scope=scope, store=store, dept=dept)
    points = found["points"] if found else []
    run = found["run"] if found else None
    drivers, drivers_error = [], None
    if points and ctx["active"] is not None and found["status"] not in ("pooled", "new"):  # not the model's own
        try:
            drivers = forecast_on_demand(scope=scope, store=store, dept=dept, horizon=len(points)).get("drivers", [])[:8]
        except ServiceError as exc:  # e.g. the model file is unreadable: the stored forecast is shown, without drivers
            drivers_error = exc.message
            ctx["drivers_weekly_only"] = exc.code == "weekly_planning_only"
    dates = [h["date"] for h in history] + [p["date"] for p in points]
    last_year = last_year_overlay(scope=scope, store=store, dept=dept, dates=dates)
    earlier = earlier_forecasts(scope=scope, store=store, dept=dept, served=run)
    ly_by_date = {r["date"]: r["sales"] for r in last_year}
    freq = data_settings().frequency
    ctx.update(points=[{**p, "last_year": ly_by_date.get(p["date"]), "last_year_date": year_before(p["date"], freq)}
                       for p in points],
               overridden=any(p.get("overridden") for p in points), reasons=Override.Reason.choices,
               can_override=has_perm(request.user.role, "forecasts.override"),
               pooled=found["pooled"] if found else False, drivers=drivers, drivers_error=drivers_error,
               driver_week=points[0]["date"] if points else None, earlier=earlier,
               assumptions=forecast_assumptions(version=ctx["active"], run=run) if points else [],
               status=found.get("status") if found else None, run=run,
               opening=bool(found) and found.get("status") == "new" and announced_opening(store),
               chart=forecast_chart(history, points, f"{words.location} {codes.of(store, dept)['location']} · "
                                                     f"{words.item} {codes.of(store, dept)['item']}",
                                                    last_year=last_year, earlier=earlier, measure=Measure.of(words))
               if (history or points) else None)
    return render(request, "forecasting/forecast.html", ctx)
