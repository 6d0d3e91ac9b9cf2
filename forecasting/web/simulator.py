"""Promotion simulator page: two what-if forms side by side (htmx swaps each
answer in place), each of one store or of all the member's stores (the total
and a table of each store's figures), the saved scenarios, and the method in
plain words."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.charts.simulation import simulation_chart
from forecasting.ml.simulate import LABELS
from forecasting.selectors.forecast import active_model
from forecasting.selectors.simulation import scenario_list
from forecasting.services.simulations import simulation_options, simulation_run
from forecasting.web.simulator_levers import lever_page, lever_run
from saas.errors import ServiceError

SLOTS = ("a", "b")
ALL_STORES = "all"  # the store choice that simulates every store of the member's at once


def money(x) -> str:
    """$1,234 / −$1,234 (a minus sign before the dollar)."""
    if x is None:
        return "–"
    v = round(float(x))
    return f"{'−' if v < 0 else ''}${abs(v):,}"


def shown(answer: dict | None) -> dict | None:
    """The answer with its figures as the page prints them (thousands separators, signs, percent)."""
    if not answer:
        return answer
    roi = answer.get("roi")
    return {**answer, "fmt": {k: money(answer.get(k)) for k in ("incremental_sales", "lo80", "hi80", "markdown_cost",
                                                                  "incremental_profit", "baseline", "scenario")},
            "roi_text": "–" if roi is None else f"{roi * 100:,.0f} %".replace("-", "−"),
            "margin_text": f"{float(answer.get('margin', 0)) * 100:g} %",
            "weeks_fmt": [{"week": w["week"], **{k: money(w[k]) for k in ("baseline", "scenario", "incremental_sales",
                                                                           "markdown_cost")},
                           "planned": money(sum((w.get("planned_markdowns") or {}).values())),
                           "entered": money(sum((w.get("markdowns") or {}).values()))}
                          for w in answer.get("by_week", [])],
            "stores_fmt": [{"store": r["store"], "depts": len(r.get("depts") or []),
                            **{k: money(r.get(k)) for k in ("incremental_sales", "lo80", "hi80", "markdown_cost",
                                                            "incremental_profit")},
                            "roi_text": "–" if r.get("roi") is None else f"{r['roi'] * 100:,.0f} %".replace("-", "−")}
                           for r in answer.get("stores") or []]}


def _saved(request) -> dict:
    """The saved scenarios list's context (the page, and the out-of-band refresh after a save)."""
    return {"can_save": has_perm(request.user.role, "simulations.save"),
            "scenarios": [(sc, shown(sc.result)) for sc in scenario_list(scope=StoreScope.for_request(request))[:20]]}


def _context(request, **extra) -> dict:
    scope = StoreScope.for_request(request)
    unavailable = None
    try:
        options = simulation_options(scope=scope)
    except ServiceError as exc:
        options, unavailable = None, exc.message if exc.code == "weekly_planning_only" else None
    except OSError:
        options = None
    ctx = {"options": options, "slots": SLOTS, "labels": list(LABELS.items()), **_saved(request), "results": {},
           "inputs": {}, "unavailable": unavailable}
    if options:
        ctx["depts_by_store"] = {str(s): d for s, d in options["depts"].items()}
        if len(options["stores"]) > 1:
            ctx["depts_by_store"][ALL_STORES] = sorted({d for s in options["stores"] for d in options["depts"][s]})
        ctx["planned_by_store"] = {str(s): weeks for s, weeks in options["planned"].items()}
        ctx["default_weeks"] = options["weeks"][:4]
        ctx["margin_pct"] = round(options["margin"] * 100, 1)
    ctx.update(extra)
    ctx["forms"] = []
    for slot in SLOTS:
        given = ctx["inputs"].get(slot) or {}
        md = given.get("markdowns") or {}
        ctx["forms"].append({"slot": slot, "given": given, "res": ctx["results"].get(slot),
                             "markdowns": [(k, label, md.get(k, "")) for k, label in LABELS.items()]})
    return ctx


def _inputs(post) -> dict:
    return {"store": post.get("store"), "depts": post.getlist("depts"), "weeks": post.getlist("weeks"),
            "markdowns": {m: post.get(m) for m in LABELS if post.get(m, "").strip() != ""},
            "margin_pct": post.get("margin_pct", ""), "name": post.get("name", "").strip()}


@role_required("simulations.run")
def simulator_page(request):
    active = active_model()
    if active is not None and active.periodic:  # a daily or monthly workspace: its levers
        return lever_page(request, active)
    return render(request, "forecasting/simulator.html", _context(request))


@require_POST
@role_required("simulations.run")
def simulator_run(request):
    active = active_model()
    if active is not None and active.periodic:
        return lever_run(request, active)
    slot = request.POST.get("slot") if request.POST.get("slot") in SLOTS else "a"
    given = _inputs(request.POST)
    answer, error = None, None
    if given["name"] and not has_perm(request.user.role, "simulations.save"):
        error = {"message": "Your role does not allow saving scenarios: leave the name empty to run it."}
    else:
        try:
            margin = float(given["margin_pct"]) / 100 if given["margin_pct"].strip() else None
        except ValueError:
            margin = given["margin_pct"]  # the service names the field
        scope = StoreScope.for_request(request)
        try:
            where = {"store": given["store"]}
            if given["store"] == ALL_STORES:  # every store of the member's that the model forecasts
                options = simulation_options(scope=scope)
                where = {"stores": options["stores"] if options else []}
            answer = simulation_run(actor=Actor.from_request(request), scope=scope, **where, depts=given["depts"],
                                    weeks=given["weeks"], markdowns=given["markdowns"], margin=margin,
                                    name=given["name"])
        except ServiceError as exc:
            error = {"message": exc.message, "code": exc.code}
    answer = shown(answer)
    if answer:
        answer["chart"] = simulation_chart(answer, f"sim-chart-{slot}")
    partial = {"slot": slot, "answer": answer, "error": error}
    if request.htmx:  # errors too: htmx swaps 2xx only; a saved scenario also refreshes the saved list (out of band)
        saved = render_to_string("forecasting/_saved_scenarios.html", {**_saved(request), "oob": True},
                                 request=request) if answer and answer.get("saved") else ""
        return HttpResponse(render_to_string("forecasting/_simulation_result.html", partial, request=request) + saved)
    return render(request, "forecasting/simulator.html",
                  _context(request, results={slot: partial}, inputs={slot: given}))
