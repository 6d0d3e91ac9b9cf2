"""Pages that update themselves when the jobs they show end (the Dashboard,
Stores, Departments, Insights, Models and Data pages). A page puts a watch
state in its context and includes forecasting/_job_watch.html; while something
is under way the partial polls the page's status route every 2 s, and the
route answers with ``watch_answer``: the same partial, and once nothing is
under way any more, ``HX-Refresh`` so htmx reloads the page with the new
figures. "Under way": a job that changes the page is queued or running, or it
succeeded and the worker is still storing the page's figures
(forecasting/selectors/jobs.py)."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from accounts.scope import StoreScope
from forecasting.selectors.jobs import FIGURE_JOBS, being_recomputed
from jobs.selectors import jobs_running


def watch(*, url_name: str, jobs: list, recomputing: str = "") -> dict:
    """``jobs``: the running jobs that change the page; ``recomputing``: what the worker is still computing
    after a job ended (in words, empty when nothing)."""
    return {"url_name": url_name, "jobs": jobs, "recomputing": recomputing, "active": bool(jobs or recomputing)}


def figures_watch(*, url_name: str, figures: tuple[str, ...], words: str, scope: StoreScope,
                  kinds=FIGURE_JOBS) -> dict:
    """The watch of a page showing the worker's stored ``figures`` (selectors/jobs.py being_recomputed): the jobs
    of ``kinds`` under way (others' summarised for a store-restricted ``scope``: jobs/selectors.py), then
    "``words`` are being recomputed" until the worker stored them."""
    recomputing = f"{words} are being recomputed for the newest data" \
        if being_recomputed(figures=figures) else ""
    return watch(url_name=url_name, jobs=jobs_running(kinds=kinds, scope=scope), recomputing=recomputing)


def watch_answer(request, state: dict):
    response = render(request, "forecasting/_job_watch.html", {"watch": state})
    if not state["active"] and request.GET.get("watching"):
        response["HX-Refresh"] = "true"
    return response


def with_watch(request, response: HttpResponse, state: dict) -> HttpResponse:
    """An htmx answer that (re)starts the page's watch too (an out-of-band swap of #job-watch): e.g. after
    the page started a job."""
    response.content += render_to_string("forecasting/_job_watch.html", {"watch": state, "oob": True},
                                         request=request).encode()
    return response
