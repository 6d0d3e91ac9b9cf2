"""Stores and Departments pages (issue 9, pages 2-3): tables of every store
and department of the member's stores, and a page for each. They only read
(forecasting/selectors/stores.py): SQL aggregates over the sales and the
served run, and the aggregates the worker stored with the run. They update
themselves when a job that changes them ends (forecasting/web/job_watch.py)."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from accounts.decorators import role_required
from accounts.scope import StoreScope
from forecasting.charts.base import Measure
from forecasting.charts.stores import covariate_chart, heatmap_chart, history_chart, own_covariate_chart
from forecasting.selectors.catalog import series_codes, workspace_words
from forecasting.selectors.covariates import store_covariates
from forecasting.selectors.groups import grouped_table
from forecasting.selectors.jobs import INSIGHTS
from forecasting.selectors.stores import department_detail, department_table, store_detail, store_table
from forecasting.web.job_watch import figures_watch, watch_answer


def _watch(request) -> dict:
    """The jobs that change the four pages, then the worker storing the tables (and the anomalies the store and
    department pages mark): one watch for the four of them."""
    words = workspace_words()
    return figures_watch(scope=StoreScope.for_request(request), url_name="stores_status", figures=("stores", "departments", INSIGHTS),
                         words=f"The {words.location.lower()} and {words.item.lower()} figures")


def _grouped(request, table: dict, side: str) -> dict:
    """The rows filtered by the query's attributes (``?location.city=Quito``), the filters and the groups."""
    out = grouped_table(table, request.GET, side=side)
    return {"rows": out["results"], "filters": out["filters"], "groups": out["groups"]}


@role_required("forecasts.view")
def stores_status(request):
    """Polled while a job the Stores or Departments pages show runs; once it ended and the figures are stored,
    htmx reloads the page."""
    return watch_answer(request, _watch(request))


@role_required("forecasts.view")
def stores_page(request):
    scope = StoreScope.for_request(request)
    table = store_table(scope=scope)
    return render(request, "forecasting/stores.html", {"table": table, "restricted": scope.restricted,
                                                       "watch": _watch(request), **_grouped(request, table, "location")})


@role_required("forecasts.view")
def store_page(request, n: int):
    scope = StoreScope.for_request(request)
    found = store_detail(scope=scope, store=n)
    if found is None:  # outside the member's stores: the same page as an unknown store
        raise Http404(f"No store {n}.")
    anomalies = (found["anomalies"] or {}).get("results", [])
    words = workspace_words()
    measure = Measure.of(words)
    chart = history_chart(found["history"], found["forecast"], f"{measure.title()} and forecast",
                          "store-chart", anomalies, "dept", measure=measure) if found["history"] else None
    own = store_covariates(store=n, words=words)  # the retailer's own covariates, beside Walmart's features file
    covariates = covariate_chart(found["covariates"]) if found["covariates"] else own_covariate_chart(own)
    return render(request, "forecasting/store_detail.html", {"s": found, "chart": chart, "covariate_chart": covariates,
                                                                 "own_covariates": own, "watch": _watch(request)})


@role_required("forecasts.view")
def departments_page(request):
    scope = StoreScope.for_request(request)
    table = department_table(scope=scope)
    return render(request, "forecasting/departments.html", {"table": table, "restricted": scope.restricted,
                                                            "watch": _watch(request), **_grouped(request, table, "item")})


@role_required("forecasts.view")
def department_page(request, n: int):
    scope = StoreScope.for_request(request)
    found = department_detail(scope=scope, dept=n)
    if found is None:
        raise Http404(f"No sales for department {n}.")
    words, codes = workspace_words(), series_codes()
    measure = Measure.of(words)
    chart = history_chart(found["history"], found["forecast"], f"{measure.title()} and forecast", "dept-chart",
                          (found["anomalies"] or {}).get("results", []), "store", measure=measure)
    span = found["heatmap"]["span"]
    heatmap = heatmap_chart(found["heatmap"], f"{measure.title()} by {words.location.lower()}, last {span}",
                            measure=measure, labels=[f"{words.location} {codes.of(s, n)['location']}"
                                                     for s in found["heatmap"]["stores"]]) \
        if found["heatmap"]["stores"] else None
    return render(request, "forecasting/department_detail.html", {
        "d": found, "chart": chart, "heatmap": heatmap, "restricted": scope.restricted, "watch": _watch(request)})
