"""Pages that update themselves when the jobs they show end (the Dashboard,
the Insights page). A page puts ``watch(...)`` in its context and includes
forecasting/_job_watch.html; while something is under way the partial polls
the page's status route every 2 s, and the route answers with
``watch_answer``: the same partial, and once nothing is under way any more,
``HX-Refresh`` so htmx reloads the page with the new figures."""
from __future__ import annotations

from django.shortcuts import render


def watch(*, url_name: str, jobs: list, recomputing: str = "") -> dict:
    """``jobs``: the running jobs that change the page; ``recomputing``: what the worker is still computing
    after a job ended (in words, empty when nothing)."""
    return {"url_name": url_name, "jobs": jobs, "recomputing": recomputing, "active": bool(jobs or recomputing)}


def watch_answer(request, state: dict):
    response = render(request, "forecasting/_job_watch.html", {"watch": state})
    if not state["active"] and request.GET.get("watching"):
        response["HX-Refresh"] = "true"
    return response
